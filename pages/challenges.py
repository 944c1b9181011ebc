"""Challenges: goals the engine checks on the student's own settings.

UI only: the cards, their checks, start settings, solutions and links come from
`lessons.challenges`; the sliders are built from each optimizer's `HyperSpec` declarations
(`ui.lesson_common.spec_slider`, the Compare page's value grids). Progress lives in
``st.session_state`` for the visit. A link ``?challenge=<key>&<opt>.<hyper>=…`` opens one card
with those values; an unknown key falls back to all cards with a notice.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

import i18n
from i18n import t, text
from optimizers import OPTIMIZERS
from lessons.challenges import CHALLENGES, parse_challenge_key, share_query, values_from_query
from lessons.link_values import query_string, quote
from lessons.race import MAX_NOISE
from ui.bootstrap import ensure_app_navigation
from ui.language import with_language
from ui.lesson_common import page_style, spec_slider
from lessons.grids import format_value, noise_options, snap

ensure_app_navigation()

SOLVED_KEY = "ch_solved"
COMPARE_PATH = "compare"
PAGE_PATH = "challenges"

st.title(t("page_challenges.title"))
st.markdown(t("page_challenges.intro"))
page_style()
progress = st.empty()

solved: set[str] = st.session_state.setdefault(SOLVED_KEY, set())


def _param(key: str):
    try:
        return st.query_params.get(key)
    except Exception:  # pragma: no cover - no query params (bare script)
        return None


raw_key = _param("challenge")
focus = parse_challenge_key(raw_key) if raw_key not in (None, "") else None
if raw_key not in (None, "") and focus is None:
    st.info(t("page_challenges.unknown", key=quote(raw_key)))
link_values, link_notices = ({}, [])
if focus is not None:
    try:
        params = {k: st.query_params.get(k) for k in st.query_params.keys()}
    except Exception:  # pragma: no cover
        params = {}
    link_values, link_notices = values_from_query(params, focus)
    if link_notices:
        st.info(t("page_challenges.unusable") + "\n\n" + "\n".join(f"- {text(n)}" for n in link_notices))

NOISE_OPTIONS = noise_options(MAX_NOISE)


def _widgets(card, initial):
    """One slider per free setting; returns the race the student built."""
    race = card.race
    cols = st.columns(max(1, len(card.free)))
    for col, (name, spec) in zip(cols, card.free_specs()):
        start = card.value(initial, name)
        key = f"ch_{card.key}_{name}"
        if spec is not None:
            opt, _, hyper = name.partition(".")
            value = spec_slider(col, spec, start, key=key,
                                label=t("page_challenges.slider", opt=text(OPTIMIZERS[opt].label), hyper=hyper,
                                        symbol=spec.symbol))
        else:  # a race setting such as gradient noise
            value = col.select_slider(t("page_challenges.noise.label") if name == "noise" else name,
                                      options=NOISE_OPTIONS, value=snap(start, NOISE_OPTIONS), key=key,
                                      format_func=format_value, help=t("page_challenges.noise.help"))
        race = race.with_setting(name, float(value))
    return race


def _app_address() -> str:
    """The app's address as the browser sees it, without the page or the query ("" unknown).

    Why: a link a student copies into a chat must work on its own, so it is whole
    (scheme, host, port, any path the app is served under), not a path on this page."""
    try:
        url = st.context.url
    except Exception:  # pragma: no cover - no browser session (a bare script)
        url = None
    if not url:
        return ""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith("/" + PAGE_PATH):
        path = path[: -len(PAGE_PATH) - 1]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _link(path: str, query: dict) -> str:
    """A whole link to ``path`` with ``query`` and this visit's language (``lang``, when it carries one)."""
    return f"{_app_address()}/{path}{query_string(with_language(query))}"


cards = [focus] if focus is not None else list(CHALLENGES)
if focus is not None:
    everything = with_language({})
    st.caption(t("page_challenges.one_card", link=f"/{PAGE_PATH}{query_string(everything) if everything else ''}"))

for card in cards:
    with st.container(border=True):
        header = st.empty()  # filled after the Check button, so a fresh solve shows its tick at once
        st.markdown(t("page_challenges.goal", goal=text(card.goal)))
        with st.expander(t("page_challenges.hint"), key=f"ch_hint_{card.key}"):  # keyed: stays open in the other language
            st.markdown(text(card.hint))
        st.markdown(t("page_challenges.try_on_compare", link=_link(COMPARE_PATH, share_query(card.race))))
        initial = link_values if card is focus else {}
        race = _widgets(card, initial)
        verdict_key = f"ch_verdict_{card.key}"
        # A shared link is checked as it opens: the classmate sees the verdict it promises.
        opened_with_values = card is focus and link_values and verdict_key not in st.session_state
        if st.button(t("page_challenges.check"), key=f"ch_check_{card.key}", type="primary") or opened_with_values:
            verdict = card.check(race)
            st.session_state[verdict_key] = (race, verdict, i18n.current())
            if verdict.solved:
                solved.add(card.key)
        stored = st.session_state.get(verdict_key)
        if stored is not None and stored[0] == race:
            verdict = stored[1]
            if stored[2:] != (i18n.current(),):  # checked in the other language: its message is said again
                verdict = card.check(race)
                st.session_state[verdict_key] = (race, verdict, i18n.current())
            message = text(verdict.message)
            if verdict.solved:
                st.success(t("page_challenges.solved", message=message))
                st.markdown(t("page_challenges.share", challenge=_link(PAGE_PATH, share_query(race, card)),
                              compare=_link(COMPARE_PATH, share_query(race))))
                st.caption(t("page_challenges.copy"))
                st.code(_link(PAGE_PATH, share_query(race, card)), language=None, wrap_lines=True)
            else:
                st.warning(t("page_challenges.not_yet", message=message))
        elif stored is not None:
            st.caption(t("page_challenges.changed"))
        header.subheader(f"{text(card.title)}{' ✅' if card.key in solved else ''}")

progress.markdown(t("page_challenges.progress", n=len(solved & {c.key for c in CHALLENGES}), total=len(CHALLENGES)))
