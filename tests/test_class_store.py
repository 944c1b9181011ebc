"""The live class's rooms: one contract, run against every store (memory, SQLite in WAL mode, a
real redis-server started by the test on loopback), plus each shared store's faults: a Redis
restart with persistence loses no vote, several processes writing one SQLite file lose none.
"""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import time

import pytest

from classroom import ALPHABET, CODE_LENGTH, ClassError, Classroom, StoreUnavailable, new_student_id, normalize_code
from classroom.store import MemoryStore, RedisStore, SQLiteStore, make_store, open_store, store_spec
from tests.class_servers import RedisServer, free_port


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "sqlite":
        s = SQLiteStore(str(tmp_path / "class.db"))
        yield s
        s.close()
    else:
        server = request.getfixturevalue("redis_server")
        s = RedisStore(server.url, prefix=f"t{time.time_ns()}:")
        yield s
        s.close()


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def _class(store, **kw):
    clock = Clock()
    return Classroom(store, clock=clock, **kw), clock


def test_codes_are_short_unambiguous_and_the_token_is_secret(store):
    cls, _ = _class(store)
    code, token = cls.start()
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    assert len(token) >= 22  # 128 bits, url-safe base64
    assert token not in repr(store.get_room(code))  # only its digest is kept
    assert cls.is_teacher(code, token) and not cls.is_teacher(code, "guess") and not cls.is_teacher(code, None)
    assert normalize_code(code.lower()[:3] + "-" + code[3:]) == code
    for bad in ("", "ABC", "ABCDE0", "ABCDEFG"):
        with pytest.raises(ClassError) as err:
            normalize_code(bad)
        assert err.value.code == "bad_code"
    with pytest.raises(ClassError) as err:
        cls.room("ZZZZZZ")
    assert err.value.code == "unknown_room"


def test_the_teacher_alone_changes_the_room_and_every_change_moves_the_version(store):
    cls, _ = _class(store)
    code, token = cls.start()
    v0 = cls.room(code).version
    room = cls.set_race(code, token, '{"race": 1}', lesson="momentum")
    assert room.race == '{"race": 1}' and room.lesson == "momentum" and room.race_version == 1 and room.version > v0
    assert cls.set_race(code, token, '{"race": 1}', lesson="momentum").race_version == 1  # same race: no new version
    room = cls.play(code, token, True, step=12)
    assert room.playing and room.step == 12 and room.play_version == 1
    assert cls.set_race(code, token, '{"race": 2}').step == 0  # a new race starts paused at 0
    assert cls.lock(code, token, True).locked
    for change in (lambda: cls.lock(code, "wrong", False), lambda: cls.set_race(code, "", "{}"),
                   lambda: cls.open_vote(code, "x", "q", 3, 1), lambda: cls.results_csv(code, "x")):
        with pytest.raises(ClassError) as err:
            change()
        assert err.value.code == "not_teacher"
    assert cls.room(code).locked


def test_one_vote_per_student_per_round_and_refused_votes(store):
    cls, _ = _class(store)
    code, token = cls.start()
    a, b, c = (new_student_id() for _ in range(3))
    with pytest.raises(ClassError) as err:
        cls.vote(code, a, 1, 0)
    assert err.value.code == "no_round"
    r1 = cls.open_vote(code, token, "momentum:zigzag", 3, right=1, prompt="Whose path zig-zags most?")
    assert r1.open and r1.number == 1 and not r1.shown
    assert cls.vote(code, a, r1.id, 1) is True
    assert cls.vote(code, a, r1.id, 2) is False  # a reload, a second tab: the same student, still one vote
    assert cls.vote(code, b, r1.id, 1) is True
    for student, rid, choice, why in ((c, r1.id, 3, "no_such_choice"), (c, r1.id, -1, "no_such_choice"),
                                      (c, r1.id + 7, 0, "no_round")):
        with pytest.raises(ClassError) as err:
            cls.vote(code, student, rid, choice)
        assert err.value.code == why
    room = cls.room(code)
    t = cls.tally(code, room.vote)
    assert t.counts == (0, 1, 1) and t.voters == 2 and t.right_share == 0.5 and t.discuss
    assert cls.my_vote(code, a, r1.id) == 2
    cls.close_vote(code, token)
    with pytest.raises(ClassError) as err:
        cls.vote(code, c, r1.id, 0)
    assert err.value.code == "round_closed"
    room = cls.room(code)
    assert room.vote.counts == (0, 1, 1) and cls.tally(code, room.vote).voters == 2
    assert not room.vote.shown
    assert cls.show_distribution(code, token).vote.shown
    # a second round on the same question is round 2; both are kept, side by side
    r2 = cls.open_vote(code, token, "momentum:zigzag", 3, right=1)
    assert r2.number == 2 and r2.id != r1.id and not r2.shown
    for s in (a, b, c):
        cls.vote(code, s, r2.id, 1)
    room = cls.reveal(code, token)
    assert room.vote.revealed and not room.vote.open and room.playing and room.play_version >= 1
    rounds = room.rounds_of("momentum:zigzag")
    assert [r.number for r in rounds] == [1, 2]
    assert [cls.tally(code, r).counts for r in rounds] == [(0, 1, 1), (0, 3, 0)]
    assert not cls.tally(code, rounds[1]).discuss  # all right: no need to discuss
    rows = list(csv.DictReader(io.StringIO(cls.results_csv(code, token))))
    assert [(r["question"], r["round"], r["choice_1"], r["choice_2"], r["choice_3"], r["choice_4"], r["right_answer"])
            for r in rows] == [("momentum:zigzag", "1", "0", "1", "1", "", "2"),
                               ("momentum:zigzag", "2", "0", "3", "0", "", "2")]
    assert rows[0]["closed_utc"].endswith("Z") and rows[0]["prompt"] == "Whose path zig-zags most?"
    cls.end_vote(code, token)
    assert cls.room(code).vote is None and len(cls.room(code).history) == 2
    with pytest.raises(ValueError):
        cls.open_vote(code, token, "q", 5, 0)


def test_presence_counts_recent_heartbeats_and_students_are_bounded(store):
    cls, clock = _class(store, max_students=3)
    code, token = cls.start()
    students = [new_student_id() for _ in range(4)]
    for s in students[:3]:
        cls.join(code, s)
    cls.join(code, students[0])  # a heartbeat is no newcomer
    assert cls.present(code) == 3
    with pytest.raises(ClassError) as err:
        cls.join(code, students[3])
    assert err.value.code == "student_limit" and err.value.values["limit"] == 3
    clock.now += 60  # everyone's heartbeat is old: they left; room for newcomers
    assert cls.present(code) == 0
    cls.join(code, students[3])
    assert cls.present(code) == 1
    with pytest.raises(ValueError):
        cls.join(code, "not-an-id")


def test_rooms_are_bounded_expire_when_idle_and_close(store):
    cls, clock = _class(store, max_rooms=2, idle_hours=2)
    (c1, t1), (c2, t2) = cls.start(), cls.start()
    with pytest.raises(ClassError) as err:
        cls.start()
    assert err.value.code == "room_limit" and err.value.values["limit"] == 2
    clock.now += 3600
    cls.play(c2, t2, True)  # c2 is in use, c1 idle
    clock.now += 1.5 * 3600
    with pytest.raises(ClassError) as err:
        cls.room(c1)
    assert err.value.code == "unknown_room"
    assert cls.room(c2).playing
    c3, t3 = cls.start()  # the expired room made space
    cls.close_room(c3, t3)
    with pytest.raises(ClassError) as err:
        cls.room(c3)
    assert err.value.code == "closed_room"
    with pytest.raises(ClassError):
        cls.play(c3, t3, True)


def test_the_selector_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DESCENT_CLASS_STORE", raising=False)
    monkeypatch.delenv("DESCENT_REDIS_URL", raising=False)
    assert store_spec() == "memory" and isinstance(open_store(), MemoryStore)
    assert open_store() is open_store()  # one per process
    monkeypatch.setenv("DESCENT_CLASS_STORE", f"sqlite:{tmp_path / 'x.db'}")
    assert isinstance(open_store(), SQLiteStore)
    monkeypatch.delenv("DESCENT_CLASS_STORE")
    monkeypatch.setenv("DESCENT_REDIS_URL", "redis://127.0.0.1:1/0")
    assert store_spec() == "redis://127.0.0.1:1/0"
    with pytest.raises(ValueError):
        make_store("postgres://x")


def test_an_unreachable_redis_is_reported_not_raised_as_a_crash():
    with pytest.raises(StoreUnavailable) as err:
        RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.3)
    assert err.value.code == "store_unavailable"


def test_a_redis_restart_with_persistence_loses_no_vote(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        cls = Classroom(RedisStore(server.url))
        code, token = cls.start()
        r = cls.open_vote(code, token, "q", 4, 2)
        students = [new_student_id() for _ in range(40)]
        for i, s in enumerate(students[:25]):
            cls.vote(code, s, r.id, i % 4)
        server.kill()  # SIGKILL: no shutdown save; only the append-only file
        with pytest.raises(StoreUnavailable):
            cls.vote(code, students[25], r.id, 0)
        server.start()  # same port, same dir: replays the append-only file
        for i, s in enumerate(students[25:], start=25):
            cls.vote(code, s, r.id, i % 4)  # the client reconnects by itself
        assert cls.tally(code, cls.room(code).vote).counts == (10, 10, 10, 10)
        assert cls.is_teacher(code, token)
    finally:
        server.stop()


def _voter(path: str, code: str, rid: int, n: int, seed: int, out) -> None:
    cls = Classroom(SQLiteStore(path))
    ids = []
    for i in range(n):
        s = new_student_id()
        cls.join(code, s)
        cls.vote(code, s, rid, (seed + i) % 3)
        cls.vote(code, s, rid, (seed + i) % 3)  # the same student again: still one vote
        ids.append(s)
    out.put(ids)


def test_sqlite_shared_by_several_processes_loses_no_vote(tmp_path):
    path = str(tmp_path / "class.db")
    cls = Classroom(SQLiteStore(path))
    code, token = cls.start()
    r = cls.open_vote(code, token, "q", 3, 0)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_voter, args=(path, code, r.id, 30, k, out)) for k in range(4)]
    for p in procs:
        p.start()
    ids = [s for _ in procs for s in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(set(ids)) == 120
    assert cls.tally(code, cls.room(code).vote).voters == 120
    assert cls.present(code) == 120
    room = cls.close_vote(code, token)
    assert sum(room.vote.counts) == 120
