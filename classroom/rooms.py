"""A live class: a room the teacher leads, anonymous students who follow and vote.

Plain Python over a `Store` (no Streamlit), so a test or a benchmark drives a whole class.

* **Codes and the teacher's token.** A room's code is ``CODE_LENGTH`` characters from an
  alphabet without look-alikes (no 0/O, 1/I/L), drawn by ``secrets``: 31⁶ ≈ 8.9·10⁸ codes, so
  with at most ``max_rooms`` rooms open a guess hits one with odds below 1 in 4 million.
  Joining only lets a student follow and vote. The teacher's rights are a separate random token
  of 128 bits, held only by the teacher's link (and browser); the room keeps its SHA-256, never
  the token, and compares in constant time.
* **The room document**: the teacher's race (``Race.to_json``) with the lesson it came from, a
  ``race_version`` bumped when the race changes, the step and play state, the locked flag, the
  vote round in progress and the finished rounds. Every change bumps ``version``: a follower
  polls one small read and redraws only when it moved. Votes and presence live beside it.
* **Votes.** A round asks one question (its key, number of choices, right answer). One vote per
  student per round: the store keys votes by (round, student id), so voting again replaces the
  first vote instead of adding one; the UI gives a browser one id, kept in its session and in a
  cookie, so a reload or a second tab votes as the same student (ui/live_class_session.py).
  A vote for a closed round, another round, or a choice that does not exist is refused,
  atomically with the round's state.
* **Limits.** Rooms expire after ``idle_hours`` without a change; a server holds at most
  ``max_rooms`` rooms and a room at most ``max_students`` students, with a ClassError past them.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from .errors import ClassError
from .store import Store

#: Letters and digits that cannot be mistaken for one another when read off a projector.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: Bytes of the teacher's token (128 bits).
TOKEN_BYTES = 16
MAX_ROOMS = 200
MAX_STUDENTS = 200
IDLE_HOURS = 6.0
#: A student counts as present while their heartbeat is younger than this.
PRESENT_SECONDS = 30.0
#: Peer instruction's window: this share right → discuss with a neighbour and vote again.
DISCUSS_LOW, DISCUSS_HIGH = 0.35, 0.70
MAX_CHOICES = 4
STUDENT_ID = re.compile(r"^[0-9a-f]{32}$")


def new_student_id() -> str:
    return secrets.token_hex(16)


def normalize_code(text: str) -> str:
    """A typed code as the room knows it (case, spaces and dashes ignored); ClassError if it cannot be one."""
    code = re.sub(r"[\s\-]", "", str(text or "")).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise ClassError("bad_code", length=CODE_LENGTH)
    return code


def _digest(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


@dataclass(frozen=True)
class Round:
    """One vote on one question: ``number`` 1 or 2 (a revote after discussion)."""

    id: int
    question: str
    prompt: str
    n: int
    right: int
    number: int
    open: bool
    shown: bool
    revealed: bool
    opened: float
    closed_at: float | None
    race_version: int
    counts: tuple[int, ...] | None = None  # frozen when the round closes

    @classmethod
    def of(cls, d: dict) -> "Round":
        return cls(id=int(d["id"]), question=d["question"], prompt=d.get("prompt", ""), n=int(d["n"]),
                   right=int(d["right"]), number=int(d["number"]), open=bool(d["open"]), shown=bool(d["shown"]),
                   revealed=bool(d["revealed"]), opened=float(d["opened"]), closed_at=d.get("closed_at"),
                   race_version=int(d.get("race_version", 0)),
                   counts=None if d.get("counts") is None else tuple(int(c) for c in d["counts"]))


@dataclass(frozen=True)
class Room:
    """A read of a room's document (what a follower needs on every poll)."""

    code: str
    version: int
    race: str | None
    lesson: str | None
    race_version: int
    step: int
    playing: bool
    play_version: int
    locked: bool
    closed: bool
    created: float
    touched: float
    vote: Round | None
    history: tuple[Round, ...]

    @classmethod
    def of(cls, d: dict) -> "Room":
        return cls(code=d["code"], version=int(d["version"]), race=d.get("race"), lesson=d.get("lesson"),
                   race_version=int(d.get("race_version", 0)), step=int(d.get("step", 0)),
                   playing=bool(d.get("playing")), play_version=int(d.get("play_version", 0)),
                   locked=bool(d.get("locked")), closed=bool(d.get("closed")), created=float(d["created"]),
                   touched=float(d["touched"]), vote=None if not d.get("vote") else Round.of(d["vote"]),
                   history=tuple(Round.of(r) for r in d.get("history", ())))

    def rounds_of(self, question: str, race_version: int | None = None) -> list[Round]:
        """Every round (finished and current) of one question, in order (for side by side)."""
        out = [r for r in self.history if r.question == question]
        if self.vote is not None and self.vote.question == question and self.vote.id not in {r.id for r in out}:
            out.append(self.vote)
        if race_version is not None:
            out = [r for r in out if r.race_version == race_version]
        return out


@dataclass(frozen=True)
class Tally:
    counts: tuple[int, ...]
    voters: int
    right: int

    @property
    def right_share(self) -> float:
        return self.counts[self.right] / self.voters if self.voters else 0.0

    @property
    def discuss(self) -> bool:
        """Peer instruction: between 35 % and 70 % right, a discussion and a second vote pay off most."""
        return self.voters > 0 and DISCUSS_LOW <= self.right_share <= DISCUSS_HIGH


class Classroom:
    """Rooms over one store; ``clock`` is injectable for tests of expiry."""

    def __init__(self, store: Store, *, max_rooms: int = MAX_ROOMS, max_students: int = MAX_STUDENTS,
                 idle_hours: float = IDLE_HOURS, clock: Callable[[], float] = time.time) -> None:
        self.store, self.max_rooms, self.max_students = store, int(max_rooms), int(max_students)
        self.idle_seconds, self.clock = float(idle_hours) * 3600.0, clock

    # ------------------------------------------------------------------------ rooms

    def start(self) -> tuple[str, str]:
        """A new room: ``(code, teacher token)``. The token is returned once and never stored."""
        self.expire()
        now = self.clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        for _ in range(20):
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            doc = {"code": code, "token": _digest(token), "version": 1, "created": now, "touched": now,
                   "race": None, "lesson": None, "race_version": 0, "step": 0, "playing": False,
                   "play_version": 0, "locked": False, "closed": False, "vote": None, "history": [],
                   "next_round": 1}
            if self.store.create_room(code, doc, self.max_rooms):
                return code, token
        raise ClassError("room_limit", limit=self.max_rooms)  # pragma: no cover - 20 collisions in a row

    def expire(self) -> list[str]:
        """Remove rooms idle for longer than the limit (and closed rooms idle for an hour)."""
        now, gone = self.clock(), []
        for code in self.store.room_codes():
            doc = self.store.get_room(code)
            if doc is None:
                continue
            idle = now - float(doc.get("touched", 0))
            if idle > self.idle_seconds or (doc.get("closed") and idle > 3600):
                self.store.delete_room(code)
                gone.append(code)
        return gone

    def _doc(self, code: str) -> dict:
        doc = self.store.get_room(code)
        if doc is None:
            raise ClassError("unknown_room")
        if self.clock() - float(doc.get("touched", 0)) > self.idle_seconds:
            self.store.delete_room(code)
            raise ClassError("unknown_room")
        return doc

    def room(self, code: str) -> Room:
        """The room (ClassError unknown_room, also once expired; closed_room once the teacher closed it)."""
        doc = self._doc(normalize_code(code))
        if doc.get("closed"):
            raise ClassError("closed_room")
        return Room.of(doc)

    def is_teacher(self, code: str, token: str | None) -> bool:
        if not token:
            return False
        try:
            doc = self._doc(normalize_code(code))
        except ClassError:
            return False
        return hmac.compare_digest(doc["token"], _digest(token))

    def _teach(self, code: str, token: str, change: Callable[[dict, float], None]) -> Room:
        """A teacher's change: checked against the token inside the atomic update; bumps version."""
        code = normalize_code(code)
        self._doc(code)  # expiry

        def apply(doc: dict) -> dict:
            if not hmac.compare_digest(doc["token"], _digest(token or "")):
                raise ClassError("not_teacher")
            if doc.get("closed"):
                raise ClassError("closed_room")
            now = self.clock()
            change(doc, now)
            doc["version"] = int(doc["version"]) + 1
            doc["touched"] = now
            return doc

        return Room.of(self.store.update_room(code, apply))

    def close_room(self, code: str, token: str) -> None:
        """The teacher ends the class: students see it closed; the results stay for the export an hour."""
        def change(doc, now):
            if doc.get("vote") and doc["vote"]["open"]:
                self._freeze(doc, now)
            doc["closed"] = True

        self._teach(code, token, change)

    # ---------------------------------------------------------------------- the race

    def set_race(self, code: str, token: str, race_json: str, lesson: str | None = None) -> Room:
        """The teacher's race (``Race.to_json``); a new race starts at step 0, paused."""
        def change(doc, now):
            if doc.get("race") == race_json and doc.get("lesson") == lesson:
                return
            doc["race"], doc["lesson"] = race_json, lesson
            doc["race_version"] = int(doc.get("race_version", 0)) + 1
            doc["step"], doc["playing"] = 0, False

        return self._teach(code, token, change)

    def play(self, code: str, token: str, playing: bool, step: int | None = None) -> Room:
        """Play (from ``step``) or pause on every following screen."""
        def change(doc, now):
            doc["playing"] = bool(playing)
            if step is not None:
                doc["step"] = max(0, int(step))
            doc["play_version"] = int(doc.get("play_version", 0)) + 1

        return self._teach(code, token, change)

    def lock(self, code: str, token: str, locked: bool) -> Room:
        return self._teach(code, token, lambda doc, now: doc.__setitem__("locked", bool(locked)))

    # ------------------------------------------------------------------------ votes

    def open_vote(self, code: str, token: str, question: str, n: int, right: int, prompt: str = "") -> Round:
        """Open a round on ``question`` (a revote when the last round asked the same question of
        the same race: round 2, …). A round still open is closed first."""
        if not 2 <= int(n) <= MAX_CHOICES or not 0 <= int(right) < int(n):
            raise ValueError(f"a question has 2–{MAX_CHOICES} choices and a right answer among them")  # i18n: internal

        def change(doc, now):
            if doc.get("vote") and doc["vote"]["open"]:
                self._freeze(doc, now)
            same = [r for r in doc["history"] if r["question"] == question
                    and r.get("race_version") == doc.get("race_version")]
            rid = int(doc.get("next_round", 1))
            doc["next_round"] = rid + 1
            doc["vote"] = {"id": rid, "question": question, "prompt": prompt, "n": int(n), "right": int(right),
                           "number": len(same) + 1, "open": True, "shown": False, "revealed": False,
                           "opened": now, "closed_at": None, "race_version": int(doc.get("race_version", 0)),
                           "counts": None}
            doc["playing"] = False

        return self._teach(code, token, change).vote

    def _freeze(self, doc: dict, now: float) -> None:
        """Close the current round and keep its counts (atomically with the room: no later vote counts)."""
        vote = doc["vote"]
        votes = self.store.votes(doc["code"], vote["id"])
        counts = [0] * int(vote["n"])
        for c in votes.values():
            if 0 <= c < len(counts):
                counts[c] += 1
        vote.update(open=False, closed_at=now, counts=counts)
        doc["history"] = [r for r in doc["history"] if r["id"] != vote["id"]] + [dict(vote)]

    def close_vote(self, code: str, token: str) -> Room:
        def change(doc, now):
            if not doc.get("vote"):
                raise ClassError("no_round")
            if doc["vote"]["open"]:
                self._freeze(doc, now)

        return self._teach(code, token, change)

    def show_distribution(self, code: str, token: str, shown: bool = True) -> Room:
        def change(doc, now):
            if not doc.get("vote"):
                raise ClassError("no_round")
            doc["vote"]["shown"] = bool(shown)
            for r in doc["history"]:
                if r["id"] == doc["vote"]["id"]:
                    r["shown"] = bool(shown)

        return self._teach(code, token, change)

    def reveal(self, code: str, token: str) -> Room:
        """The answer: voting closes, the right choice is marked and the race plays on every screen."""
        def change(doc, now):
            if not doc.get("vote"):
                raise ClassError("no_round")
            if doc["vote"]["open"]:
                self._freeze(doc, now)
            doc["vote"]["revealed"] = doc["vote"]["shown"] = True
            for r in doc["history"]:
                if r["id"] == doc["vote"]["id"]:
                    r["revealed"] = r["shown"] = True
            doc["playing"], doc["step"] = True, 0
            doc["play_version"] = int(doc.get("play_version", 0)) + 1

        return self._teach(code, token, change)

    def end_vote(self, code: str, token: str) -> Room:
        """Back to following: the round is put away (its results stay in the history)."""
        def change(doc, now):
            if doc.get("vote") and doc["vote"]["open"]:
                self._freeze(doc, now)
            doc["vote"] = None

        return self._teach(code, token, change)

    def vote(self, code: str, student: str, round_id: int, choice: int) -> bool:
        """A student's vote; True if it is their first in the round (else it replaced their vote)."""
        if not STUDENT_ID.match(str(student)):
            raise ValueError("a student id is 32 hex digits")  # i18n: internal
        code = normalize_code(code)
        self._doc(code)
        return self.store.add_vote(code, int(round_id), student, choice)

    def my_vote(self, code: str, student: str, round_id: int) -> int | None:
        return self.store.votes(normalize_code(code), int(round_id)).get(student)

    def tally(self, code: str, round_: Round) -> Tally:
        """The counts of a round: frozen ones once it closed, else live from the votes."""
        if round_.counts is not None:
            counts = list(round_.counts)
        else:
            counts = [0] * round_.n
            for c in self.store.votes(normalize_code(code), round_.id).values():
                if 0 <= c < round_.n:
                    counts[c] += 1
        return Tally(tuple(counts), sum(counts), round_.right)

    # ---------------------------------------------------------------------- presence

    def join(self, code: str, student: str) -> Room:
        """A student's heartbeat (also their arrival); the room they are in."""
        if not STUDENT_ID.match(str(student)):
            raise ValueError("a student id is 32 hex digits")  # i18n: internal
        room = self.room(code)
        now = self.clock()
        self.store.seen(room.code, student, now, now - PRESENT_SECONDS, self.max_students)
        return room

    def present(self, code: str) -> int:
        return self.store.present(normalize_code(code), self.clock() - PRESENT_SECONDS)

    # ------------------------------------------------------------------------ export

    def results_csv(self, code: str, token: str) -> str:
        """The session's finished rounds: question, round, counts per choice, right answer, time."""
        code = normalize_code(code)
        doc = self._doc(code)
        if not hmac.compare_digest(doc["token"], _digest(token or "")):
            raise ClassError("not_teacher")
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["question", "prompt", "round", *(f"choice_{i + 1}" for i in range(MAX_CHOICES)), "voters",
                    "right_answer", "right_share", "opened_utc", "closed_utc"])
        rounds = [Round.of(r) for r in doc["history"]]
        if doc.get("vote") and doc["vote"]["open"]:
            rounds.append(Round.of(doc["vote"]))
        for r in rounds:
            t = self.tally(code, r)
            counts = [str(c) for c in t.counts] + [""] * (MAX_CHOICES - len(t.counts))
            w.writerow([r.question, r.prompt, r.number, *counts, t.voters, r.right + 1, f"{t.right_share:.3f}",
                        _iso(r.opened), "" if r.closed_at is None else _iso(r.closed_at)])
        return out.getvalue()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(float(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["Classroom", "Room", "Round", "Tally", "normalize_code", "new_student_id", "ALPHABET", "CODE_LENGTH",
           "MAX_ROOMS", "MAX_STUDENTS", "IDLE_HOURS", "PRESENT_SECONDS", "DISCUSS_LOW", "DISCUSS_HIGH"]
