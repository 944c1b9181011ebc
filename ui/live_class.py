"""A live class in the browser: who this visitor is in a room, and the Compare page's part of it.

The rooms themselves are ``classroom`` (plain Python); this module is the session's side:

* **Who is who.** A student is an anonymous id (128 random bits) kept in the session and in a
  browser cookie (``descent_student``, written by a one-line script): a reload or a second tab
  reads the cookie on its websocket handshake (``st.context.cookies``) and votes as the same
  student, so the store's one-vote-per-(round, student) rule holds. A teacher is whoever holds
  the room's token: it arrives once in the teacher's link, is then kept in the session and in a
  cookie for that room (so a reload stays the teacher) and is taken out of the address bar at
  once, so the projector never shows it.
* **Following.** A student's Compare page has a small fragment that polls the room every
  ``STUDENT_POLL`` seconds (one read of the room document). Only when what the page draws must
  change (the teacher's race, a vote opening or revealed, the room locked or closed) does it ask
  for one full rerun; the top of the page (``follow``) then puts the teacher's race into the
  page's store and widgets through ``ui.page_state.show``. Play and pause reach the student's
  player as a click on its own Play button, so the player is never rebuilt for them.
  Why polling: Streamlit has no public way for one session to push into another, and a
  fragment's ``run_every`` reruns only the fragment (ARCHITECTURE.md, "A live class").
* **Exploring.** A student who changes a setting explores on their own (their changes stay
  theirs) until "Back to the class"; in a locked room the teacher's race comes back at once.
* While a vote is open and not revealed, the race is hidden on every screen of the room (the
  projector too), like predict mode.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from classroom import ClassError, Classroom, StoreUnavailable, new_student_id, normalize_code
from classroom.rooms import STUDENT_ID, Room, Round, Tally
from classroom.store import open_store, store_spec
from i18n import t, tn
from lessons.link_values import md_escape
from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race

from . import page_state
from .url_state import PageState

#: Seconds between a student's polls (the teacher's change reaches them within about this plus
#: one page run). A poll costs the server about 3.5 ms of CPU (benchmarks/README.md), so sixty
#: students cost about 12 % of one core while the class sits still.
STUDENT_POLL = 1.75
#: Seconds between the teacher's polls (the tally).
TEACHER_POLL = 1.0
#: Seconds between a student's heartbeats (presence counts students seen in the last 30 s).
HEARTBEAT = 10.0
#: After the store could not be reached, try it again only after this many seconds.
RETRY_STORE = 10.0

ROOM_PARAM, TEACHER_PARAM = "room", "teacher"
ROOM_KEY = "_live_room"
TEACH_KEY = "_live_teach"
FOLLOW_KEY = "_live_follow"
APPLIED_KEY = "_live_applied"
PHASE_KEY = "_live_phase"
PUBLISHED_KEY = "_live_published"
STUDENT_KEY = "_live_student"
BEAT_KEY = "_live_beat"
PLAYED_KEY = "_live_played"
VOTE_ERROR_KEY = "_live_vote_error"
COOKIE_STUDENT = "descent_student"
COOKIE_TEACHER = "descent_teacher_"

_failed_at = 0.0


# ---------------------------------------------------------------------------- the store


def classroom() -> Classroom | None:
    """The rooms of this server, or None while the store cannot be reached (each student alone)."""
    global _failed_at
    if _failed_at and time.time() - _failed_at < RETRY_STORE:
        return None
    try:
        return Classroom(open_store())
    except (StoreUnavailable, ValueError):
        _failed_at = time.time()
        return None


def store_kind() -> str:
    spec = store_spec()
    return "memory" if spec == "memory" else ("sqlite" if spec.startswith("sqlite:") else "redis")


def error_text(exc: ClassError) -> str:
    """A refused request in the visitor's language."""
    if isinstance(exc, StoreUnavailable):
        global _failed_at
        _failed_at = time.time()
    values = {"limit": exc.values.get("limit", 0), "length": exc.values.get("length", 6), "n": exc.values.get("n", 0)}
    return t(f"live_class.error.{exc.code}", **values)


# ------------------------------------------------------------------------- who is who


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser (a bare script, some tests)
        return None
    return value if isinstance(value, str) else None


def remember_in_browser(name: str, value: str, max_age: int = 12 * 3600) -> None:
    """Write a cookie (read back by ``st.context.cookies`` on the next connection: a reload, a tab)."""
    if _cookie(name) == value or st.session_state.get(f"_live_cookie_{name}") == value:
        return
    st.session_state[f"_live_cookie_{name}"] = value
    cookie = f"{name}={value}; path=/; max-age={int(max_age)}; SameSite=Lax"  # i18n: internal
    st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def student_id() -> str:
    """This browser's anonymous id: the session's, else the cookie's, else a new one."""
    sid = st.session_state.get(STUDENT_KEY)
    if sid is None:
        cookie = _cookie(COOKIE_STUDENT)
        sid = cookie if cookie and STUDENT_ID.match(cookie) else new_student_id()
        st.session_state[STUDENT_KEY] = sid
    return sid


def teacher_token(code: str) -> str | None:
    found = (st.session_state.get(TEACH_KEY) or {}).get(code)
    return found or _cookie(COOKIE_TEACHER + code)


def remember_teacher(code: str, token: str) -> None:
    st.session_state[TEACH_KEY] = {**(st.session_state.get(TEACH_KEY) or {}), code: token}
    st.session_state[ROOM_KEY] = code


def room_code() -> str | None:
    """The room this visit is in: the link's ``room`` (kept in Compare's link), else the session's."""
    raw = st.query_params.get(ROOM_PARAM)
    if raw:
        try:
            code = normalize_code(raw)
        except ClassError:
            code = str(raw)[:12]  # shown back in the box, never used
        if st.session_state.get(ROOM_KEY) != code:
            st.session_state[ROOM_KEY] = code
            st.session_state[FOLLOW_KEY] = True
    return st.session_state.get(ROOM_KEY)


def leave_room() -> None:
    st.session_state.pop(ROOM_KEY, None)
    st.session_state.pop(APPLIED_KEY, None)
    page_state.keep_in_link(ROOM_PARAM, None)
    try:
        del st.query_params[ROOM_PARAM]
    except KeyError:
        pass


def join_room(code_text: str) -> None:
    """The code box: go to the room typed (checked when the page draws it)."""
    try:
        code = normalize_code(code_text)
    except ClassError:
        code = str(code_text or "").strip()[:12]
    st.session_state[ROOM_KEY] = code
    st.session_state[FOLLOW_KEY] = True
    st.session_state.pop(APPLIED_KEY, None)
    st.query_params[ROOM_PARAM] = code
    page_state.keep_in_link(ROOM_PARAM, code)


#: A room read by one student's poll serves the other students' polls in this process for this
#: long: sixty students polling every 1.5 s cost about three store reads a second, not forty.
ROOM_TTL = 0.3
_rooms: dict[str, tuple[float, Room]] = {}
_rooms_lock = threading.Lock()


def _read_room(cls: Classroom, code: str) -> Room:
    now = time.monotonic()
    with _rooms_lock:
        found = _rooms.get(code)
    if found is not None and now - found[0] < ROOM_TTL:
        return found[1]
    room = cls.room(code)
    with _rooms_lock:
        if len(_rooms) > 1000:
            _rooms.clear()
        _rooms[code] = (now, room)
    return room


def forget_room(code: str | None) -> None:
    """A change made in this process: the next poll reads the store."""
    with _rooms_lock:
        _rooms.pop(code, None)


def _heartbeat(cls: Classroom, code: str, *, fresh: bool = False) -> Room:
    """The room; a student's presence is renewed every HEARTBEAT seconds (not on every poll).
    ``fresh``: read the store (a whole page's run); a poll may take a read shared within ROOM_TTL."""
    last = st.session_state.get(BEAT_KEY)
    now = time.time()
    if last is None or last[0] != code or now - last[1] > HEARTBEAT:
        room = cls.join(code, student_id())
        st.session_state[BEAT_KEY] = (code, now)
        return room
    return cls.room(code) if fresh else _read_room(cls, code)


# ----------------------------------------------------------------------- the question


def question_of(room: Room):
    """The engine's question of the room's race (its lesson's question at this race), or None."""
    from .predict import question_for

    if room.race is None or room.lesson not in PRESETS_BY_KEY:
        return None
    try:
        race = Race.from_json(room.race)
    except ValueError:
        return None
    if race.is_custom:
        return None
    return question_for(PRESETS_BY_KEY[room.lesson], race)


def hides_race(room: Room | None) -> bool:
    """A vote is open or waiting for its reveal: no screen of the room shows the race."""
    return room is not None and room.vote is not None and not room.vote.revealed


def _phase(room: Room, following: bool) -> tuple:
    """What a follower's whole page depends on (a change asks for one full rerun)."""
    vote = room.vote
    return (room.race_version if following else None, room.locked, room.closed,
            None if vote is None else (vote.id, vote.open, vote.revealed))


# --------------------------------------------------------------------- Compare's hooks


@dataclass
class LiveView:
    """The live class's part of one run of the Compare page."""

    code: str | None = None
    room: Room | None = None
    token: str | None = None
    error: str | None = None
    notice: str | None = None

    @property
    def hidden(self) -> bool:
        return hides_race(self.room)

    @property
    def teacher(self) -> bool:
        return self.token is not None


def follow(store) -> LiveView:
    """Top of the Compare page (before its widgets): the room, and the teacher's race put into the
    page's store and widgets when it changed (a following student)."""
    code = room_code()
    if code is None:
        return LiveView()
    page_state.keep_in_link(ROOM_PARAM, code)
    cls = classroom()
    if cls is None:
        return LiveView(code, error=t("live_class.error.store_unavailable"))
    try:
        token = teacher_token(code)
        if token and cls.is_teacher(code, token):
            remember_teacher(code, token)
            room = cls.room(code)
            st.session_state[PHASE_KEY] = _phase(room, False)
            return LiveView(code, room, token)
        room = _heartbeat(cls, code, fresh=True)
    except ClassError as exc:
        return LiveView(code, error=error_text(exc))
    following = bool(st.session_state.get(FOLLOW_KEY, True)) or room.locked
    st.session_state[FOLLOW_KEY] = following
    notice = None
    if following and room.race and st.session_state.get(APPLIED_KEY) != (code, room.race_version):
        _apply(store, room)
        notice = t("live_class.student.updated")
    st.session_state[PHASE_KEY] = _phase(room, following)
    return LiveView(code, room, None, notice=notice)


def _apply(store, room: Room) -> None:
    """The teacher's race into the student's Compare page (store and widgets; before the widgets)."""
    try:
        race = Race.from_json(room.race)
    except ValueError:
        return
    lesson = room.lesson if room.lesson in PRESETS_BY_KEY else None
    cur = store.state
    exact = lesson is not None and race == PRESETS_BY_KEY[lesson].race
    page_state.show(PageState(race=race, preset=lesson if exact else None, view=cur.view, ghost=cur.ghost,
                              mode="watch", projector=cur.projector, lang=cur.lang), lesson=lesson)
    store.resume_step = room.step
    st.session_state[APPLIED_KEY] = (room.code, room.race_version)


def after_commit(state: PageState, live: LiveView) -> None:
    """After the page made its race: the teacher's race goes to the room; a student who changed a
    setting explores on their own (in a locked room the teacher's race comes back)."""
    if live.room is None:
        return
    cls = classroom()
    if cls is None:
        return
    text = state.race.to_json()
    if live.teacher:
        lesson = page_state.store().lesson
        if st.session_state.get(PUBLISHED_KEY) != (live.code, text, lesson):
            try:
                live.room = cls.set_race(live.code, live.token, text, lesson if lesson in PRESETS_BY_KEY else None)
                forget_room(live.code)
                st.session_state[PUBLISHED_KEY] = (live.code, text, lesson)
            except ClassError as exc:
                live.error = error_text(exc)
        return
    if (st.session_state.get(FOLLOW_KEY) and live.room.race and live.room.race != text
            and st.session_state.get(APPLIED_KEY) == (live.code, live.room.race_version)):
        if live.room.locked:
            st.session_state.pop(APPLIED_KEY, None)
            st.rerun()
        st.session_state[FOLLOW_KEY] = False
        st.session_state[PHASE_KEY] = _phase(live.room, False)


def _explore() -> None:
    st.session_state[FOLLOW_KEY] = False


def _back_to_class() -> None:
    st.session_state[FOLLOW_KEY] = True
    st.session_state.pop(APPLIED_KEY, None)


def panel(live: LiveView) -> None:
    """The live class's box at the top of Compare (always created, so nothing below moves)."""
    with st.container(key="live_panel"):
        if live.code is None:
            return
        if live.error:
            code_box(live.error, live.code)
            return
        if live.notice:
            st.toast(live.notice, icon=":material/groups:")
        if live.teacher:
            _teacher_strip()
        else:
            _student_strip()


def code_box(message: str, code: str | None = None, *, key: str = "live_code_box") -> None:
    """A refused code (unknown, expired, closed, full): the reason and a box to type it again."""
    st.error(message)
    with st.form(key=key, border=False):
        row = st.container(horizontal=True, vertical_alignment="bottom")
        typed = row.text_input(t("live_class.join.code_label"), value="", max_chars=12,
                               placeholder=t("live_class.join.code_placeholder"))
        go = row.form_submit_button(t("live_class.join.button"), type="primary")
        if go:
            join_room(typed)
            st.rerun()
    st.button(t("live_class.join.leave"), key=f"{key}_leave", on_click=leave_room)


# ------------------------------------------------------------------------- the student


_VOTE_KEYS_JS = """
<script>
(function () {
  var w = window;
  if (w.__descentLiveKeys) return;
  w.__descentLiveKeys = true;
  function typing(t) {
    return t && t.tagName && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].indexOf(t.tagName) >= 0);
  }
  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || typing(ev.target)) return;
    var m = /^(Digit|Numpad)([1-4])$/.exec(ev.code || "");
    if (!m) return;
    var b = document.querySelector('.st-key-livevote_' + (parseInt(m[2], 10) - 1) + ' button');
    if (b && !b.disabled) { b.click(); ev.preventDefault(); }
  }
  document.addEventListener("keydown", onKey, true);
})();
</script>
"""

#: Play or pause the page's player by clicking its own button (tried for a few seconds while the
#: player loads). SIG makes each teacher's play or pause act once.
_PLAY_JS = """
<script>
(function () {
  if (window.__descentLivePlay === "SIG") return;
  window.__descentLivePlay = "SIG";
  var want = WANT, tries = 0;
  var timer = setInterval(function () {
    tries += 1;
    var frames = document.querySelectorAll("iframe");
    for (var i = 0; i < frames.length; i++) {
      var doc;
      try { doc = frames[i].contentDocument; } catch (e) { continue; }
      var b = doc && doc.querySelector("button.play");
      if (!b || b.disabled) continue;
      var playing = b.textContent.indexOf("\u275a") >= 0;
      if (playing !== want) b.click();
      clearInterval(timer);
      return;
    }
    if (tries > 40) clearInterval(timer);
  }, 250);
})();
</script>
"""


def _play_script(room: Room) -> None:
    """The teacher's play/pause on this screen, once per teacher's change."""
    if room.play_version and st.session_state.get(PLAYED_KEY) != (room.code, room.play_version):
        st.session_state[PLAYED_KEY] = (room.code, room.play_version)
        st.html(_PLAY_JS.replace("SIG", f"{room.code}-{room.play_version}").replace(
            "WANT", "true" if room.playing else "false"), unsafe_allow_javascript=True)


def _cast(code: str, round_id: int, choice: int) -> None:
    cls = classroom()
    st.session_state.pop(VOTE_ERROR_KEY, None)
    if cls is None:
        st.session_state[VOTE_ERROR_KEY] = t("live_class.error.store_unavailable")
        return
    try:
        cls.vote(code, student_id(), round_id, choice)
    except ClassError as exc:
        st.session_state[VOTE_ERROR_KEY] = error_text(exc)


def _student_strip() -> None:
    remember_in_browser(COOKIE_STUDENT, student_id(), max_age=30 * 24 * 3600)
    _student_live()


@st.fragment(run_every=STUDENT_POLL)
def _student_live() -> None:
    code = st.session_state.get(ROOM_KEY)
    cls = classroom()
    if code is None:
        return
    if cls is None:
        st.warning(t("live_class.error.store_unavailable"))
        return
    try:
        room = _heartbeat(cls, code)
    except ClassError as exc:
        if st.session_state.get(PHASE_KEY) != "gone":
            st.session_state[PHASE_KEY] = "gone"
            st.rerun(scope="app")  # the page's own run shows why, with the code box
        st.error(error_text(exc))
        return
    following = bool(st.session_state.get(FOLLOW_KEY, True)) or room.locked
    if _phase(room, following) != st.session_state.get(PHASE_KEY):
        st.rerun(scope="app")  # the page must change: one full run applies it
    # As few elements as can show it: a poll redraws them all, sixty times every STUDENT_POLL seconds.
    row = st.container(horizontal=True, vertical_alignment="center", border=True)
    box = row if room.vote is None else st.container(border=True)
    if following:
        row.markdown(t("live_class.student.following", code=room.code))
        if room.locked:
            row.caption(t("live_class.student.locked"))
        else:
            row.button(t("live_class.student.explore"), key="live_explore", icon=":material/explore:",
                       on_click=_explore)
        _play_script(room)
    else:
        row.markdown(t("live_class.student.exploring", code=room.code))
        row.button(t("live_class.student.back"), key="live_back", icon=":material/groups:", type="primary",
                   on_click=_back_to_class)
    if room.vote is not None:
        _student_vote(cls, room, room.vote, box)


def _student_vote(cls: Classroom, room: Room, vote: Round, box) -> None:
    q = question_of(room)
    # The question as this student's language words it, while the room's race is the one it was asked of.
    usable = q is not None and len(q.choices) == vote.n and room.race_version == vote.race_version
    prompt = q.prompt if usable else (vote.prompt or t("live_class.vote.no_text"))
    choices = list(q.choices) if usable else [t("live_class.vote.choice", n=i + 1) for i in range(vote.n)]
    box.markdown(f"**{t('live_class.vote.round', number=vote.number)}** {md_escape(prompt)}")
    try:
        mine = cls.my_vote(room.code, student_id(), vote.id)
    except ClassError:
        mine = None
    if vote.open:
        row = box.container(horizontal=True)
        for i, choice in enumerate(choices):
            row.button(f"{i + 1}. {choice}", key=f"livevote_{i}", type="primary" if mine == i else "secondary",
                       on_click=_cast, args=(room.code, vote.id, i))
        box.caption(t("live_class.vote.mine", choice=mine + 1) if mine is not None else t("live_class.vote.keys"))
        st.html(_VOTE_KEYS_JS, unsafe_allow_javascript=True)
    elif not vote.revealed:
        box.info(t("live_class.vote.closed_wait") + (" " + t("live_class.vote.mine", choice=mine + 1)
                                                     if mine is not None else ""))
    error = st.session_state.pop(VOTE_ERROR_KEY, None)
    if error:
        box.error(error)
    if vote.shown and not vote.open:
        from viz.tally import tally_figure

        tally = cls.tally(room.code, vote)
        box.plotly_chart(tally_figure([(t("live_class.vote.round", number=vote.number), tally.counts)],
                                      right=vote.right if vote.revealed else None),
                         key="live_student_chart", config={"displayModeBar": False})
    if vote.revealed:
        answer = choices[vote.right]
        explanation = q.explanation if usable else ""
        if mine is not None and mine == vote.right:
            box.success(t("live_class.vote.you_right", answer=answer) + "  \n" + explanation)
        else:
            box.warning(t("live_class.vote.answer", answer=answer) + "  \n" + explanation)


# ------------------------------------------------------------------------- the teacher


def _teacher_strip() -> None:
    _teacher_live()


@st.fragment(run_every=TEACHER_POLL)
def _teacher_live() -> None:
    code = st.session_state.get(ROOM_KEY)
    token = teacher_token(code) if code else None
    cls = classroom()
    if not code or not token or cls is None:
        return
    try:
        room = cls.room(code)
        present = cls.present(code)
    except ClassError as exc:
        st.error(error_text(exc))
        return
    if _phase(room, False) != st.session_state.get(PHASE_KEY):
        st.rerun(scope="app")
    box = st.container(border=True)
    row = box.container(horizontal=True, vertical_alignment="center")
    row.markdown(t("live_class.teacher.strip", code=room.code) + " · " + tn("live_class.present", present))
    row.button(t("live_class.teacher.play_all"), key="live_play_all", icon=":material/play_arrow:",
               on_click=_teacher_play, args=(True,))
    row.button(t("live_class.teacher.pause_all"), key="live_pause_all", icon=":material/pause:",
               on_click=_teacher_play, args=(False,))
    row.page_link("pages/live_class.py", label=t("live_class.teacher.open_page"), icon=":material/groups:")
    if room.vote is not None and room.vote.open:
        tally = cls.tally(code, room.vote)
        box.markdown(t("live_class.teacher.voted", voted=tally.voters, present=present))
    _play_script(room)


def _teacher_play(playing: bool) -> None:
    code = st.session_state.get(ROOM_KEY)
    cls = classroom()
    if code and cls is not None:
        try:
            step = (page_state.store().last_step or (None, 0))[1]
            cls.play(code, teacher_token(code), playing, step=0 if playing else step)
            forget_room(code)
        except ClassError as exc:
            st.session_state[VOTE_ERROR_KEY] = error_text(exc)


def page_origin() -> str:
    """The app's address as the visitor's browser reached it (``st.context.url``), ending in /."""
    try:
        url = st.context.url or ""
    except Exception:
        url = ""
    if not url:
        return "http://localhost:8501/"
    parts = urlsplit(url)
    path = parts.path
    for page in ("live_class", "compare"):
        if path.rstrip("/").endswith("/" + page):
            path = path.rstrip("/")[: -len(page)]
    if not path.endswith("/"):
        path += "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def join_link(code: str) -> str:
    return f"{page_origin()}?{ROOM_PARAM}={code}"


def teacher_link(code: str, token: str) -> str:
    return f"{page_origin()}live_class?{ROOM_PARAM}={code}&{TEACHER_PARAM}={token}"


__all__ = ["LiveView", "follow", "after_commit", "panel", "classroom", "code_box", "student_id", "teacher_token",
           "remember_teacher", "remember_in_browser", "forget_room", "room_code", "join_room", "leave_room", "question_of",
           "hides_race", "join_link", "teacher_link", "error_text", "store_kind"]
