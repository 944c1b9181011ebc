"""The Live class page: the teacher starts a class, shows the code and QR code, runs the votes.

The page is also what the projector shows during a vote: the code and the QR code, how many
are present, how many have voted (never the distribution until the teacher shows it), the bars
of both rounds side by side, and the answer after the reveal. The teacher's secret link is only
inside a closed "Teacher link" box with a warning, never in the address bar.

A visitor who is not the teacher (a student who opened this page, a link without a valid
token) gets the code box and is sent to Compare, where students follow.
"""

from __future__ import annotations

import io
import time

import streamlit as st

from classroom import ClassError, Classroom
from classroom.rooms import Room, Round
from i18n import t, tn
from lessons.link_values import md_escape
from lessons.presets import PRESETS_BY_KEY
from lessons.race import Race

from . import live_class as lc
from .style import current_style

VOTE_OPEN_BIG_CSS = """
<style>
  .st-key-live_code p { font-size: 4.5rem !important; letter-spacing: 0.35rem; font-weight: 700; line-height: 1.1; }
  .st-key-live_voted p { font-size: 2.2rem !important; }
</style>
"""


def _act(action, *args) -> None:
    """A teacher's button: run the room's change; a refusal is shown on the next run."""
    code = st.session_state.get(lc.ROOM_KEY)
    cls = lc.classroom()
    st.session_state.pop("_live_teacher_error", None)
    if cls is None or not code:
        st.session_state["_live_teacher_error"] = t("live_class.error.store_unavailable")
        return
    try:
        action(cls, code, lc.teacher_token(code), *args)
        lc.forget_room(code)
    except ClassError as exc:
        st.session_state["_live_teacher_error"] = lc.error_text(exc)


def _start() -> None:
    cls = lc.classroom()
    if cls is None:
        st.session_state["_live_teacher_error"] = t("live_class.error.store_unavailable")
        return
    try:
        code, token = cls.start()
    except ClassError as exc:
        st.session_state["_live_teacher_error"] = lc.error_text(exc)
        return
    lc.remember_teacher(code, token)
    st.query_params[lc.ROOM_PARAM] = code
    # The race on the teacher's Compare page (if any) is the class's first race.
    from .page_state import STORE_KEY

    found = st.session_state.get(STORE_KEY)
    if found is not None:
        lesson = found.lesson if found.lesson in PRESETS_BY_KEY else None
        cls.set_race(code, token, found.state.race.to_json(), lesson)
        st.session_state[lc.PUBLISHED_KEY] = (code, found.state.race.to_json(), found.lesson)


def _teacher_from_link(cls: Classroom) -> tuple[str | None, str | None, str | None]:
    """(code, token, error): the teacher's link is read once, its token then leaves the address bar."""
    raw_code, raw_token = st.query_params.get(lc.ROOM_PARAM), st.query_params.get(lc.TEACHER_PARAM)
    if raw_token is not None:
        del st.query_params[lc.TEACHER_PARAM]  # never on the projector's address bar
        if raw_code and cls.is_teacher(raw_code, raw_token):
            code = lc.normalize_code(raw_code)
            lc.remember_teacher(code, raw_token)
            return code, raw_token, None
        return None, None, t("live_class.error.not_teacher")
    code = st.session_state.get(lc.ROOM_KEY)
    if raw_code:
        try:
            code = lc.normalize_code(raw_code)
        except ClassError as exc:
            return None, None, lc.error_text(exc)
    if code:
        token = lc.teacher_token(code)
        if token and cls.is_teacher(code, token):
            lc.remember_teacher(code, token)
            return code, token, None
    return (code if raw_code else None), None, None


def live_class_page() -> None:
    style = current_style()
    st.title(t("live_class.title"))
    cls = lc.classroom()
    if cls is None:
        st.error(t("live_class.error.store_unavailable"))
        return
    code, token, error = _teacher_from_link(cls)
    if error:
        st.error(error)
    if token is None:
        if code:  # a student's link opened here: students follow on Compare
            st.info(t("live_class.student_here", code=code))
            st.page_link("pages/compare.py", label=t("live_class.go_compare"), icon=":material/sports_score:",
                         query_params={lc.ROOM_PARAM: code})
            return
        _start_box()
        return
    try:
        room = cls.room(code)
    except ClassError as exc:
        st.error(lc.error_text(exc))
        st.session_state.pop(lc.ROOM_KEY, None)
        st.button(t("live_class.start.button"), type="primary", icon=":material/co_present:", on_click=_start)
        return
    lc.remember_in_browser(lc.COOKIE_TEACHER + code, token)
    st.query_params[lc.ROOM_PARAM] = code
    _room_view(cls, room, token, style)


def _start_box() -> None:
    st.markdown(t("live_class.start.intro"))
    st.button(t("live_class.start.button"), type="primary", icon=":material/co_present:", on_click=_start,
              key="live_start")
    note = {"memory": "live_class.store.memory", "sqlite": "live_class.store.sqlite",
            "redis": "live_class.store.redis"}[lc.store_kind()]
    st.caption(t(note))
    error = st.session_state.pop("_live_teacher_error", None)
    if error:
        st.error(error)
    st.divider()
    st.markdown(t("live_class.join.student_intro"))
    with st.form("live_join_form", border=False):
        row = st.container(horizontal=True, vertical_alignment="bottom")
        typed = row.text_input(t("live_class.join.code_label"), max_chars=12,
                               placeholder=t("live_class.join.code_placeholder"))
        if row.form_submit_button(t("live_class.join.button")):
            try:
                code = lc.normalize_code(typed)
                lc.classroom().room(code)
            except ClassError as exc:
                st.error(lc.error_text(exc))
            else:
                lc.join_room(code)
                st.switch_page("pages/compare.py", query_params={lc.ROOM_PARAM: code})


def _qr_png(url: str) -> bytes:
    import segno

    out = io.BytesIO()
    # Error correction M and a quiet zone of 4 modules: a phone reads it from the back of a room.
    segno.make(url, error="m").save(out, kind="png", scale=12, border=4)
    return out.getvalue()


def _room_view(cls: Classroom, room: Room, token: str, style) -> None:
    code = room.code
    st.html(VOTE_OPEN_BIG_CSS)
    left, right = st.columns([3, 2], vertical_alignment="top")
    with left:
        st.markdown(t("live_class.teacher.code_caption"))
        st.container(key="live_code").markdown(code)
        link = lc.join_link(code)
        st.markdown(t("live_class.teacher.join_at", link=link))
        _present()
        with st.expander(t("live_class.teacher.secret_title"), icon=":material/key:"):
            st.warning(t("live_class.teacher.secret_warning"))
            st.code(lc.teacher_link(code, token), language=None)
        note = {"memory": "live_class.store.memory", "sqlite": "live_class.store.sqlite",
                "redis": "live_class.store.redis"}[lc.store_kind()]
        st.caption(t(note))
    with right:
        st.image(_qr_png(link), width=360, caption=t("live_class.teacher.qr_caption"))
    error = st.session_state.pop("_live_teacher_error", None)
    if error:
        st.error(error)

    st.subheader(t("live_class.race.title"))
    if room.race is None:
        st.info(t("live_class.race.none"))
    else:
        try:
            race = Race.from_json(room.race)
            lines = race.describe()
            lesson = PRESETS_BY_KEY.get(room.lesson)
            head = f"**{md_escape(lesson.title)}**  \n" if lesson else ""
            st.markdown(head + "  \n".join(f"{md_escape(k)}: {md_escape(v)}" for k, v in lines[:6]))
        except ValueError:
            pass
    row = st.container(horizontal=True, vertical_alignment="center")
    row.page_link("pages/compare.py", label=t("live_class.race.open_compare"), icon=":material/sports_score:",
                  query_params={lc.ROOM_PARAM: code})
    row.button(t("live_class.teacher.play_all"), icon=":material/play_arrow:", key="live_page_play",
               on_click=_act, args=(lambda c, k, tok: c.play(k, tok, True, step=0),))
    row.button(t("live_class.teacher.pause_all"), icon=":material/pause:", key="live_page_pause",
               on_click=_act, args=(lambda c, k, tok: c.play(k, tok, False),))
    row.toggle(t("live_class.teacher.lock"), value=room.locked, key="live_lock",
               on_change=lambda: _act(lambda c, k, tok: c.lock(k, tok, bool(st.session_state.get("live_lock")))),
               help=t("live_class.teacher.lock_help"))

    st.subheader(t("live_class.vote.title"))
    _votes()

    st.divider()
    end = st.container(horizontal=True)
    end.button(t("live_class.teacher.close"), icon=":material/logout:", key="live_close",
               on_click=_act, args=(lambda c, k, tok: c.close_room(k, tok),))


def _results(code: str, token: str) -> None:
    """The CSV of every round so far, made with each poll of the votes (a few rows), so it always
    has the last vote. (A file made on click was lost when a poll reran the page under the click.)"""
    cls = lc.classroom()
    if cls is None:
        return
    try:
        data = cls.results_csv(code, token)
    except ClassError:
        return
    st.download_button(t("live_class.teacher.csv"), data=data, mime="text/csv", on_click="ignore",
                       file_name=f"descent_class_{code}_{time.strftime('%Y%m%d')}.csv",
                       icon=":material/download:", key="live_csv")


@st.fragment(run_every=lc.TEACHER_POLL)
def _present() -> None:
    code = st.session_state.get(lc.ROOM_KEY)
    cls = lc.classroom()
    if cls is None or not code:
        return
    try:
        st.metric(t("live_class.teacher.present_label"), cls.present(code))
    except ClassError as exc:
        st.error(lc.error_text(exc))


def _open_round(cls, code, token, q) -> None:
    cls.open_vote(code, token, q.key, len(q.choices), q.answer_index, prompt=q.prompt)


@st.fragment(run_every=lc.TEACHER_POLL)
def _votes() -> None:
    code = st.session_state.get(lc.ROOM_KEY)
    cls = lc.classroom()
    if cls is None or not code:
        return
    _vote_box(cls, code)
    _results(code, lc.teacher_token(code))


def _vote_box(cls: Classroom, code: str) -> None:
    try:
        room = cls.room(code)
        present = cls.present(code)
    except ClassError as exc:
        st.error(lc.error_text(exc))
        return
    q = lc.question_of(room)
    vote = room.vote
    if vote is None:
        if q is None:
            st.info(t("live_class.vote.no_question"))
            return
        st.markdown(f"**{md_escape(q.prompt)}**")
        st.markdown("  \n".join(f"{i + 1}. {md_escape(c)}" for i, c in enumerate(q.choices)))
        st.button(t("live_class.vote.ask"), type="primary", icon=":material/how_to_vote:", key="live_ask",
                  on_click=_act, args=(_open_round, q))
        return
    usable = (q is not None and q.key == vote.question and len(q.choices) == vote.n
              and room.race_version == vote.race_version)
    choices = list(q.choices) if usable else [t("live_class.vote.choice", n=i + 1) for i in range(vote.n)]
    st.markdown(f"**{t('live_class.vote.round', number=vote.number)}** "
                f"{md_escape(q.prompt if usable else vote.prompt)}")
    st.markdown("  \n".join(f"{i + 1}. {md_escape(c)}" + (" ✓" if vote.revealed and i == vote.right else "")
                            for i, c in enumerate(choices)))
    tally = cls.tally(code, vote)
    st.container(key="live_voted").markdown(t("live_class.teacher.voted", voted=tally.voters, present=present))
    row = st.container(horizontal=True)
    if vote.open:
        row.button(t("live_class.vote.close"), key="live_close_vote", icon=":material/stop_circle:",
                   on_click=_act, args=(lambda c, k, tok: c.close_vote(k, tok),))
    if not vote.shown:
        row.button(t("live_class.vote.show"), key="live_show", icon=":material/bar_chart:",
                   on_click=_act, args=(lambda c, k, tok: c.show_distribution(k, tok, True),))
    elif not vote.revealed:
        row.button(t("live_class.vote.hide"), key="live_hide", icon=":material/visibility_off:",
                   on_click=_act, args=(lambda c, k, tok: c.show_distribution(k, tok, False),))
    if not vote.revealed:
        row.button(t("live_class.vote.reveal"), key="live_reveal", type="primary", icon=":material/visibility:",
                   on_click=_act, args=(lambda c, k, tok: c.reveal(k, tok),))
    if not vote.open and tally.voters:
        if tally.discuss and not vote.revealed:
            st.info(t("live_class.vote.discuss", share=tally.right_share))
        if not vote.revealed and usable:
            row.button(t("live_class.vote.again"), key="live_again", icon=":material/replay:",
                       type="primary" if tally.discuss else "secondary", on_click=_act, args=(_open_round, q))
    if vote.revealed:
        row.button(t("live_class.vote.done"), key="live_done", icon=":material/groups:",
                   on_click=_act, args=(lambda c, k, tok: c.end_vote(k, tok),))
    if vote.shown:
        from viz.tally import tally_figure

        rounds = room.rounds_of(vote.question, vote.race_version)
        data = [(t("live_class.vote.round_short", number=r.number), cls.tally(code, r).counts) for r in rounds]
        st.plotly_chart(tally_figure(data, right=vote.right if vote.revealed else None, style=current_style()),
                        key="live_tally", config={"displayModeBar": False})
    if vote.revealed:
        answer = choices[vote.right]
        st.success(t("live_class.vote.answer", answer=answer) + ("  \n" + q.explanation if usable else ""))


__all__ = ["live_class_page"]
