"""Where rooms live: one interface, three backends (process memory, a SQLite file, Redis).

The room itself is one JSON document (``rooms.py`` decides what is in it) changed only through
``update_room``, an atomic read-modify-write: two teachers' tabs, or a teacher closing a round
while a vote arrives, can never interleave. Votes and presence are kept beside the document,
one record per student, so 60 students voting at once never contend for the room document and
a student's follow-up poll (one read of the document) never waits for them.

* ``MemoryStore``: dicts behind a lock, for ``streamlit run app.py`` (one process; rooms end
  with it).
* ``SQLiteStore``: one file in WAL mode shared by every process on the machine
  (``deploy/serve-class``): readers never block the writer, each write is a short ``BEGIN
  IMMEDIATE`` transaction, and a process that dies loses nothing (committed rows are on disk).
* ``RedisStore``: for several machines; optimistic transactions (``WATCH``/``MULTI``) give the
  same atomicity, keys expire by themselves after the idle limit. A connection failure is a
  ``StoreUnavailable``, which the UI reports while each student keeps working alone.

``open_store(spec)`` picks one from ``memory``, ``sqlite:/path/to/file`` or ``redis://host:port/db``
(default: the ``DESCENT_CLASS_STORE`` environment variable, else ``DESCENT_REDIS_URL``, else
memory), one store per spec per process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from typing import Callable

from .errors import ClassError, StoreUnavailable

Doc = dict
Mutation = Callable[[Doc], Doc]

ENV_STORE = "DESCENT_CLASS_STORE"
ENV_REDIS = "DESCENT_REDIS_URL"


def check_vote(doc: Doc | None, round_id: int, choice: int) -> None:
    """Refuse a vote the room's current round cannot take (every backend calls this atomically
    with the vote's write)."""
    if doc is None:
        raise ClassError("unknown_room")
    if doc.get("closed"):
        raise ClassError("closed_room")
    vote = doc.get("vote")
    if not vote or vote.get("id") != round_id:
        raise ClassError("no_round")
    if not vote.get("open"):
        raise ClassError("round_closed")
    if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < int(vote["n"]):
        raise ClassError("no_such_choice", n=int(vote["n"]))


class Store:
    """The interface every backend implements (see the module docstring)."""

    kind = "abstract"
    #: True when other processes see the same rooms.
    shared = False

    def create_room(self, code: str, doc: Doc, max_rooms: int) -> bool:
        """Add a room; False if the code is taken; ClassError("room_limit") past ``max_rooms``."""
        raise NotImplementedError

    def get_room(self, code: str) -> Doc | None:
        raise NotImplementedError

    def update_room(self, code: str, change: Mutation) -> Doc:
        """Apply ``change`` (it may raise to refuse) atomically; returns the new document."""
        raise NotImplementedError

    def delete_room(self, code: str) -> None:
        raise NotImplementedError

    def room_codes(self) -> list[str]:
        raise NotImplementedError

    def add_vote(self, code: str, round_id: int, student: str, choice: int) -> bool:
        """Record ``student``'s choice for the round (a second vote replaces the first: one per
        student); True when this student had not voted in the round yet."""
        raise NotImplementedError

    def votes(self, code: str, round_id: int) -> dict[str, int]:
        raise NotImplementedError

    def seen(self, code: str, student: str, now: float, since: float, max_students: int) -> None:
        """A student's heartbeat; ClassError("student_limit") for a newcomer when ``max_students``
        were seen after ``since``."""
        raise NotImplementedError

    def present(self, code: str, since: float) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


# ------------------------------------------------------------------------------ memory


class MemoryStore(Store):
    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._rooms: dict[str, str] = {}
        self._votes: dict[tuple[str, int], dict[str, int]] = {}
        self._seen: dict[str, dict[str, float]] = {}

    def create_room(self, code, doc, max_rooms):
        with self._lock:
            if code in self._rooms:
                return False
            if len(self._rooms) >= max_rooms:
                raise ClassError("room_limit", limit=max_rooms)
            self._rooms[code] = json.dumps(doc)
            return True

    def get_room(self, code):
        with self._lock:
            text = self._rooms.get(code)
        return None if text is None else json.loads(text)

    def update_room(self, code, change):
        with self._lock:
            text = self._rooms.get(code)
            if text is None:
                raise ClassError("unknown_room")
            doc = change(json.loads(text))
            self._rooms[code] = json.dumps(doc)
            return doc

    def delete_room(self, code):
        with self._lock:
            self._rooms.pop(code, None)
            self._seen.pop(code, None)
            for key in [k for k in self._votes if k[0] == code]:
                del self._votes[key]

    def room_codes(self):
        with self._lock:
            return list(self._rooms)

    def add_vote(self, code, round_id, student, choice):
        with self._lock:
            text = self._rooms.get(code)
            check_vote(None if text is None else json.loads(text), round_id, choice)
            box = self._votes.setdefault((code, round_id), {})
            new = student not in box
            box[student] = choice
            return new

    def votes(self, code, round_id):
        with self._lock:
            return dict(self._votes.get((code, round_id), {}))

    def seen(self, code, student, now, since, max_students):
        with self._lock:
            box = self._seen.setdefault(code, {})
            if student not in box or box[student] < since:
                if sum(1 for t in box.values() if t >= since) >= max_students:
                    raise ClassError("student_limit", limit=max_students)
            box[student] = now
            for gone in [s for s, t in box.items() if t < since - 3600]:  # keep the map small
                del box[gone]

    def present(self, code, since):
        with self._lock:
            return sum(1 for t in self._seen.get(code, {}).values() if t >= since)


# ------------------------------------------------------------------------------ SQLite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (code TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS votes (code TEXT NOT NULL, round INTEGER NOT NULL, student TEXT NOT NULL,
                                  choice INTEGER NOT NULL, PRIMARY KEY (code, round, student));
CREATE TABLE IF NOT EXISTS seen (code TEXT NOT NULL, student TEXT NOT NULL, at REAL NOT NULL,
                                 PRIMARY KEY (code, student));
"""


class SQLiteStore(Store):
    """One file shared by every process of the machine, in WAL mode (see the module docstring).

    One connection per thread: Streamlit runs each session's script in its own thread, and a
    sqlite3 connection must stay in the thread that made it."""

    kind = "sqlite"
    shared = True

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        try:
            conn = self._conn()
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{path}: {exc}") from None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: transactions are written out (BEGIN IMMEDIATE ... COMMIT).
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed vote survives a killed process
            self._local.conn = conn
        return conn

    def _write(self, work):
        """Run ``work(conn)`` in one BEGIN IMMEDIATE transaction (the file's write lock taken first,
        so a read-modify-write cannot interleave with another process's)."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                out = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return out
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from None

    def _read(self, sql, args=()):
        try:
            return self._conn().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from None

    def create_room(self, code, doc, max_rooms):
        def work(conn):
            if conn.execute("SELECT 1 FROM rooms WHERE code=?", (code,)).fetchone():
                return False
            if conn.execute("SELECT COUNT(*) FROM rooms").fetchone()[0] >= max_rooms:
                raise ClassError("room_limit", limit=max_rooms)
            conn.execute("INSERT INTO rooms (code, doc) VALUES (?, ?)", (code, json.dumps(doc)))
            return True

        return self._write(work)

    def get_room(self, code):
        rows = self._read("SELECT doc FROM rooms WHERE code=?", (code,))
        return json.loads(rows[0][0]) if rows else None

    def update_room(self, code, change):
        def work(conn):
            row = conn.execute("SELECT doc FROM rooms WHERE code=?", (code,)).fetchone()
            if row is None:
                raise ClassError("unknown_room")
            doc = change(json.loads(row[0]))
            conn.execute("UPDATE rooms SET doc=? WHERE code=?", (json.dumps(doc), code))
            return doc

        return self._write(work)

    def delete_room(self, code):
        def work(conn):
            for table in ("rooms", "votes", "seen"):
                conn.execute(f"DELETE FROM {table} WHERE code=?", (code,))

        self._write(work)

    def room_codes(self):
        return [r[0] for r in self._read("SELECT code FROM rooms")]

    def add_vote(self, code, round_id, student, choice):
        def work(conn):
            row = conn.execute("SELECT doc FROM rooms WHERE code=?", (code,)).fetchone()
            check_vote(None if row is None else json.loads(row[0]), round_id, choice)
            new = conn.execute("SELECT 1 FROM votes WHERE code=? AND round=? AND student=?",
                               (code, round_id, student)).fetchone() is None
            conn.execute("INSERT OR REPLACE INTO votes (code, round, student, choice) VALUES (?, ?, ?, ?)",
                         (code, round_id, student, choice))
            return new

        return self._write(work)

    def votes(self, code, round_id):
        return {s: c for s, c in self._read("SELECT student, choice FROM votes WHERE code=? AND round=?",
                                            (code, round_id))}

    def seen(self, code, student, now, since, max_students):
        def work(conn):
            row = conn.execute("SELECT at FROM seen WHERE code=? AND student=?", (code, student)).fetchone()
            if row is None or row[0] < since:
                count = conn.execute("SELECT COUNT(*) FROM seen WHERE code=? AND at>=?", (code, since)).fetchone()[0]
                if count >= max_students:
                    raise ClassError("student_limit", limit=max_students)
            conn.execute("INSERT OR REPLACE INTO seen (code, student, at) VALUES (?, ?, ?)", (code, student, now))

        self._write(work)

    def present(self, code, since):
        return int(self._read("SELECT COUNT(*) FROM seen WHERE code=? AND at>=?", (code, since))[0][0])

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


# ------------------------------------------------------------------------------- Redis


class RedisStore(Store):
    """Rooms in Redis, for a class served by several machines (see the module docstring).

    Keys, all under ``prefix``: ``room:<code>`` (the JSON document), ``votes:<code>:<round>`` (a
    hash student → choice), ``seen:<code>`` (a sorted set student → last heartbeat) and
    ``rooms`` (a set of codes). Every key of a room expires ``ttl`` seconds after its last
    change, so an abandoned room leaves nothing behind even if no server sweeps it."""

    kind = "redis"
    shared = True

    def __init__(self, url: str, *, prefix: str = "descent:", ttl: int = 24 * 3600, timeout: float = 2.0) -> None:
        import redis

        self._redis_errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._watch_error = redis.exceptions.WatchError
        self.url, self.prefix, self.ttl = url, prefix, int(ttl)
        self.r = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                      decode_responses=True, health_check_interval=10)
        self._call(self.r.ping)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self._redis_errors as exc:
            raise StoreUnavailable(f"{self.url}: {exc}") from None

    def _k(self, *parts) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    def _transaction(self, watched: list[str], work):
        """Optimistic transaction: ``work(pipe)`` reads with the watched keys, then queues writes
        after ``pipe.multi()``; run again if another client changed a watched key meanwhile."""
        def attempt():
            with self.r.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(*watched)
                        out = work(pipe)
                        pipe.execute()
                        return out
                    except self._watch_error:
                        continue

        return self._call(attempt)

    def create_room(self, code, doc, max_rooms):
        key = self._k("room", code)

        def work(pipe):
            if pipe.exists(key):
                return False
            if pipe.scard(self._k("rooms")) >= max_rooms:
                raise ClassError("room_limit", limit=max_rooms)
            pipe.multi()
            pipe.set(key, json.dumps(doc), ex=self.ttl)
            pipe.sadd(self._k("rooms"), code)
            return True

        return self._transaction([key, self._k("rooms")], work)

    def get_room(self, code):
        text = self._call(self.r.get, self._k("room", code))
        return None if text is None else json.loads(text)

    def update_room(self, code, change):
        key = self._k("room", code)

        def work(pipe):
            text = pipe.get(key)
            if text is None:
                raise ClassError("unknown_room")
            doc = json.loads(text)
            if doc.get("vote") and doc["vote"].get("open"):
                # A change may freeze the open round's counts: a vote landing after they are read
                # must make this transaction run again (it is then refused as closed, or counted).
                pipe.watch(self._k("votes", code, doc["vote"]["id"]))
            doc = change(doc)
            pipe.multi()
            pipe.set(key, json.dumps(doc), ex=self.ttl)
            return doc

        return self._transaction([key], work)

    def delete_room(self, code):
        def go():
            names = [self._k("room", code), self._k("seen", code)]
            names += list(self.r.scan_iter(match=self._k("votes", code, "*"), count=100))
            self.r.delete(*names)
            self.r.srem(self._k("rooms"), code)

        self._call(go)

    def room_codes(self):
        codes = self._call(self.r.smembers, self._k("rooms"))
        gone = [c for c in codes if not self._call(self.r.exists, self._k("room", c))]  # expired by Redis
        if gone:
            self._call(self.r.srem, self._k("rooms"), *gone)
        return [c for c in codes if c not in gone]

    def add_vote(self, code, round_id, student, choice):
        key, box = self._k("room", code), self._k("votes", code, round_id)

        def work(pipe):  # the room is watched: a round closed meanwhile makes the vote run again, and be refused
            text = pipe.get(key)
            check_vote(None if text is None else json.loads(text), round_id, choice)
            new = not pipe.hexists(box, student)
            pipe.multi()
            pipe.hset(box, student, choice)
            pipe.expire(box, self.ttl)
            return new

        return self._transaction([key], work)

    def votes(self, code, round_id):
        return {s: int(c) for s, c in self._call(self.r.hgetall, self._k("votes", code, round_id)).items()}

    def seen(self, code, student, now, since, max_students):
        key = self._k("seen", code)

        def work(pipe):
            last = pipe.zscore(key, student)
            if (last is None or last < since) and pipe.zcount(key, since, "+inf") >= max_students:
                raise ClassError("student_limit", limit=max_students)
            pipe.multi()
            pipe.zadd(key, {student: now})
            pipe.zremrangebyscore(key, "-inf", since - 3600)
            pipe.expire(key, self.ttl)

        self._transaction([key], work)

    def present(self, code, since):
        return int(self._call(self.r.zcount, self._k("seen", code), since, "+inf"))

    def close(self):
        try:
            self.r.close()
        except Exception:  # pragma: no cover - closing a broken connection
            pass


# ------------------------------------------------------------------------------ choosing

_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def store_spec(spec: str | None = None) -> str:
    """The store to use: ``spec``, else $DESCENT_CLASS_STORE, else $DESCENT_REDIS_URL, else memory."""
    spec = (spec or os.environ.get(ENV_STORE) or os.environ.get(ENV_REDIS) or "memory").strip()
    return spec


def make_store(spec: str) -> Store:
    """A new store for ``spec`` (``memory``, ``sqlite:/path``, ``redis://…``); ValueError if unknown."""
    if spec == "memory":
        return MemoryStore()
    if spec.startswith("sqlite:"):
        path = spec[len("sqlite:"):]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ValueError("sqlite: needs a file, e.g. sqlite:/var/tmp/descent-class.db")
        return SQLiteStore(path)
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(spec)
    raise ValueError(f"unknown class store {spec!r}: use memory, sqlite:/path or redis://host:port/0")


def open_store(spec: str | None = None) -> Store:
    """The process's store for ``spec`` (made once; a store that failed to open is tried again on
    the next call, so a Redis that comes back is picked up)."""
    spec = store_spec(spec)
    with _STORES_LOCK:
        found = _STORES.get(spec)
        if found is None:
            found = make_store(spec)
            _STORES[spec] = found
        return found


__all__ = ["Store", "MemoryStore", "SQLiteStore", "RedisStore", "open_store", "make_store", "store_spec",
           "check_vote", "ENV_STORE", "ENV_REDIS"]
