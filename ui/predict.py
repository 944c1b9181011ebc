"""Predict first: a question before the race, locked in, then revealed with the engine's numbers.

Why: students who commit to a prediction before a demonstration learn markedly more from it than
students who only watch (Crouch et al., Am. J. Phys. 72, 2004). The questions and their answers
come from `lessons.questions` (computed by the engine from the settings on screen); this module
is only the UI around them, shared by the Compare page and every lesson page:

* ``predict_box(question, key, style)``: the prompt, 2–4 choices, "Lock in my prediction", then
  right/wrong with the explanation and a "now try" suggestion. Returns whether it is revealed.
  Locking in never changes a run: the box only reads the question.
* ``predict_view`` / ``show_predict``: the Compare page's predict mode (``?mode=predict&preset=<key>`` or
  the sidebar toggle "Predict first"): which question, computed once per race (cached), and
  whether the race is still hidden.

Keys: 1–4 pick a choice (a small page-level script, installed once; it ignores keys typed in a
text field and also hears keys pressed inside the player's frame), Space plays (the player's own
page-wide handler). In projector mode the prompt and the choices are large.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

import i18n
from i18n import t, text
from lessons.presets import Preset
from lessons.questions import Question
from lessons.race import Race
from viz.lru import LRU
from viz.style import Style

from .page_state import PREDICT_KEY

_PROJECTOR_CSS = """
<style>
  [class*="st-key-predictbox_"] [data-testid="stMarkdownContainer"] p { font-size: 1.75rem !important; line-height: 1.3; }
  [class*="st-key-predictbox_"] [role="radiogroup"] label p { font-size: 1.6rem !important; }
  [class*="st-key-predictbox_"] [role="radiogroup"] label { padding: 0.25rem 0; }
  [class*="st-key-predictbox_"] [data-testid="stRadioOption"] > div > div:first-child { transform: scale(1.5); margin: 0 0.5rem 0 0.2rem; }
  [class*="st-key-predictbox_"] button p { font-size: 1.4rem !important; }
</style>
"""

#: Keys 1–4 click the n-th choice of the first "Predict first" box that is still open. The one
#: place these keys are handled: every page with a box has this script, a page with a player may
#: have no box (nothing to choose), and a lesson page may have a box and no player. Installed once
#: per page (a flag on the window); typing in a text field, a select, or with a modifier keeps its
#: keys. A key pressed while the focus is inside a same-origin frame (the player's) never reaches
#: the page's document, so the same handler is attached to each frame's document as it loads.
_KEYS_JS = """
<script>
(function () {
  var w = window;
  if (w.__descentPredictKeys) return;
  w.__descentPredictKeys = true;
  function typing(t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT") return true;
    if (t.tagName !== "INPUT") return false;
    var ty = (t.type || "").toLowerCase();
    return ["text", "number", "search", "email", "password", "url", "tel", ""].indexOf(ty) >= 0 ||
      t.getAttribute("role") === "combobox";
  }
  function choose(n) {
    var groups = document.querySelectorAll('[class*="st-key-predictchoice_"] [role="radiogroup"]');
    for (var g = 0; g < groups.length; g++) {
      var labels = groups[g].querySelectorAll("label");
      var input = labels[n - 1] && labels[n - 1].querySelector("input");
      if (!labels[n - 1] || (input && input.disabled)) continue;
      labels[n - 1].click();
      return true;
    }
    return false;
  }
  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || typing(ev.target)) return;
    var m = /^(Digit|Numpad)([1-4])$/.exec(ev.code || "");
    if (m && choose(parseInt(m[2], 10))) ev.preventDefault();
  }
  function listen(doc) {
    if (!doc || doc.__descentPredictKeys) return;
    doc.__descentPredictKeys = true;
    doc.addEventListener("keydown", onKey, true);
  }
  function watchFrame(frame) {
    if (frame.__descentPredictKeys) return;
    frame.__descentPredictKeys = true;
    function hook() { try { listen(frame.contentDocument); } catch (e) { /* cross-origin frame */ } }
    frame.addEventListener("load", hook);
    hook();
  }
  function watchFrames() { Array.prototype.forEach.call(document.querySelectorAll("iframe"), watchFrame); }
  listen(document);
  watchFrames();
  new MutationObserver(watchFrames).observe(document.body, { childList: true, subtree: true });
})();
</script>
"""


#: Once per reveal (SIG): scroll the question box to the top, so the answer and Play show at once.
_SCROLL_JS = """
<script>
(function () {
  if (window.__descentRevealed === "SIG") return;
  window.__descentRevealed = "SIG";
  var box = document.querySelector('[class*="st-key-predictbox_compare"]');
  if (box) box.scrollIntoView({ block: "start", behavior: "smooth" });
})();
</script>
"""


def _signature(question: Question, settings: Any) -> str:
    """What a prediction was made for: the question and the settings it was asked at.

    Language-independent (the question's key, kind, answer and number of choices, not its
    sentences): a question is computed from its key and the settings alone, and a visitor who
    switches language keeps the prediction locked in.
    """
    named = json.dumps([question.key, question.kind, int(question.answer_index), len(question.choices),
                        repr(settings)], sort_keys=True, default=str)
    return hashlib.sha1(named.encode()).hexdigest()[:16]


def _lock(key: str, sig: str) -> None:
    choice = st.session_state.get(f"predictchoice_{key}")
    if choice is not None:
        st.session_state[f"predictlock_{key}"] = (sig, int(choice))


def _unlock(key: str) -> None:
    st.session_state.pop(f"predictlock_{key}", None)
    st.session_state[f"predictchoice_{key}"] = None


def locked_choice(key: str, question: Question | None, settings: Any = None) -> int | None:
    """The choice locked in for this question at these settings, or None (not yet / changed)."""
    lock = st.session_state.get(f"predictlock_{key}")
    if question is None or not lock:
        return None
    return lock[1] if lock[0] == _signature(question, settings) else None


def predict_box(question: Question | Callable[[], Question] | None, key: str, style: Style, *,
                settings: Any = None, title: str | None = None, ask_label: str | None = None,
                container=None) -> bool:
    """A "Predict first" box; returns True once a prediction is locked in (the answer shown).

    ``question`` may be a callable for a question that is slow to compute: the box then shows
    ``ask_label`` and calls it only when pressed at these settings (cache it in the caller), so
    moving a slider never starts a slow computation by itself. ``settings`` names what the
    question was asked at: when they change, the box asks again. ``title`` and ``ask_label``
    default to "Predict first" and "Ask me a question" in the current language.
    """
    title = t("ui_predict.title") if title is None else text(title)
    ask_label = t("ui_predict.ask") if ask_label is None else text(ask_label)
    box = (container if container is not None else st).container(border=True, key=f"predictbox_{key}")
    if style.projector:
        st.html(_PROJECTOR_CSS)
    if callable(question) and not isinstance(question, Question):
        asked, here = f"predictask_{key}", repr(settings)
        if st.session_state.get(asked) != here:  # not asked yet, or asked at other settings: ask first
            box.markdown(t("ui_predict.commit", title=title))
            box.button(ask_label, key=f"predictaskbtn_{key}", icon=":material/quiz:",
                       on_click=lambda: st.session_state.__setitem__(asked, here))
            return False
        with box, st.spinner(t("ui_predict.running")):
            question = question()
    if question is None:
        return True
    sig = _signature(question, settings)
    lock = st.session_state.get(f"predictlock_{key}")
    changed = bool(lock) and lock[0] != sig
    if changed:  # new settings, new question: the old prediction does not count
        _unlock(key)
        lock = None
    choice_key = f"predictchoice_{key}"
    if st.session_state.get(choice_key) is not None and not (0 <= st.session_state[choice_key] < len(question.choices)):
        st.session_state[choice_key] = None
    choices = [text(c) for c in question.choices]
    explanation, answer = text(question.explanation), text(question.answer)
    box.markdown(t("ui_predict.prompt", title=title, prompt=text(question.prompt)))
    if changed:
        box.caption(t("ui_predict.changed"))
    if not lock:
        picked = box.radio(t("ui_predict.yours"), list(range(len(choices))), index=None, key=choice_key,
                           format_func=lambda i: f"{i + 1}. {choices[i]}", horizontal=True,
                           label_visibility="collapsed")
        row = box.container(horizontal=True, vertical_alignment="center")
        row.button(t("ui_predict.lock"), key=f"predictlockbtn_{key}", type="primary", disabled=picked is None,
                   icon=":material/lock:", on_click=_lock, args=(key, sig))
        row.caption(t("ui_predict.keys") if style.projector else t("ui_predict.keys_long"))
        st.html(_KEYS_JS, unsafe_allow_javascript=True)
        return False
    mine = lock[1]
    if question.is_right(mine):
        box.success(t("ui_predict.right", choice=choices[mine], explanation=explanation))
    elif explanation.startswith(answer):  # most explanations open with the answer
        box.error(t("ui_predict.wrong", choice=choices[mine], explanation=explanation))
    else:
        box.error(t("ui_predict.wrong_answer", choice=choices[mine], answer=answer, explanation=explanation))
    row = box.container(horizontal=True, vertical_alignment="center")
    if question.try_next:
        row.markdown(f"**{text(question.try_next)}**")
    row.button(t("ui_predict.again"), key=f"predictagain_{key}", icon=":material/replay:", on_click=_unlock,
               args=(key,))
    return True


# ------------------------------------------------------------------------------ lesson pages


def lesson_question(page: str, *args) -> Question | None:
    """A lesson page's question (``lessons.questions.<page>_question(*args)``), once per settings
    and language (its sentences are written in the visitor's language).

    None when the engine refuses the settings (e.g. a hand-edited link): the box then stays away.
    """
    return _lesson_question(i18n.current(), page, *args)


@st.cache_data(show_spinner=False, max_entries=128)
def _lesson_question(lang: str, page: str, *args) -> Question | None:
    from lessons import questions

    ask = {"ewma": questions.ewma_question, "schedules": questions.schedules_question,
           "minibatch": questions.minibatch_question, "sweep": questions.sweep_question}[page]
    try:
        with i18n.language(lang):
            return ask(*args)
    except (ValueError, KeyError):
        return None


#: Where a lesson's intro turns from what to try to what it shows (the answer to its question):
#: "**Notice:**" in English; every language's marker is the catalog's ``ui_predict.notice``.
NOTICE = "**Notice:**"


def notice_markers() -> tuple[str, ...]:
    """The "Notice:" marker of every language (an intro is split at whichever it holds)."""
    return tuple(dict.fromkeys([NOTICE, *(t("ui_predict.notice", lang) for lang in i18n.LANGUAGES)]))


def _before_notice(text_: str) -> str:
    """The part of an intro before its first "Notice:" marker (in any language)."""
    cut = min((i for i in (text_.find(m) for m in notice_markers()) if i >= 0), default=len(text_))
    return text_[:cut]


def lesson_predict_mode() -> bool:
    """``mode=predict`` in a lesson page's link: the page withholds its demo until a prediction."""
    try:
        return st.query_params.get("mode") == "predict"
    except Exception:  # pragma: no cover - no session (bare script)
        return False


def withhold_until_revealed(intro, text: str, *, revealed: bool) -> None:
    """A lesson page in predict mode, after its "Predict first" box: until a prediction is locked
    in, the intro shows only what to try (the part before "Notice:", which tells the outcome)
    and the rest of the page (its charts and numbers) is not drawn at all."""
    body = i18n.text(text)
    withheld = lesson_predict_mode() and not revealed
    if not withheld:
        intro.markdown(body)
        return
    head = _before_notice(body).rstrip()
    intro.markdown(t("ui_predict.withheld", head=head))
    st.caption(t("ui_predict.withheld_caption"))
    st.stop()


def lesson_box(page: str, *args, lazy: bool = False) -> bool:
    """The "Predict first" box of a lesson page's demo (``lazy``: ask only when the student asks)."""
    from ui.style import current_style

    question = (lambda: lesson_question(page, *args)) if lazy else lesson_question(page, *args)
    return predict_box(question, page, current_style(), settings=repr(args))


# ------------------------------------------------------------------------------ Compare page


#: Questions by (lesson, race, language): 0.1–1 s of engine time each, so once per race and
#: language, for every session (a question's sentences are in the language it was asked in).
QUESTIONS = LRU(256)


def question_for(preset: Preset, race: Race) -> Question | None:
    """``preset``'s question at ``race``, computed once per race and language and shared by every session."""
    lang = i18n.current()
    key = (preset.key, race, lang)
    found = QUESTIONS.get(key)
    if found is None:
        with i18n.language(lang):
            found = (preset.question_at(race),)  # a None answer is cached too
        QUESTIONS.put(key, found)
    return found[0]


def predict_toggle(container) -> bool:
    """The sidebar's "Predict first" toggle (seeded from the link's ``mode`` by the page's store)."""
    return bool(container.toggle(t("ui_predict.title"), key=PREDICT_KEY, help=t("ui_predict.toggle_help")))


@dataclass(frozen=True)
class PredictView:
    """Predict mode's state for one run of the Compare page: ``hidden`` until a prediction is locked in."""

    on: bool
    hidden: bool
    question: Question | None = None
    settings: str = ""
    why: str = ""

    def lesson_note(self, watch: str) -> str:
        """The lesson's "what to watch" text for the box above the race (it quotes the outcome)."""
        if not self.on or self.question is None:
            return watch
        return t("ui_predict.watch_later" if self.hidden else "ui_predict.watch_below")


def predict_view(race: Race, *, on: bool, lesson: Preset | None) -> PredictView:
    """Which question the Compare page asks now, and whether the race is still hidden (no drawing).

    The question is the one of the lesson shown, at the page's current race, so a teacher's
    change re-computes the answer. No lesson, a custom formula, or settings the engine refuses:
    no question (a notice and a normal race).
    """
    if not on:
        return PredictView(False, False)
    question, settings = None, race.key
    if lesson is not None and not race.is_custom:
        with st.spinner(t("ui_predict.preparing")):
            question = question_for(lesson, race)
    if question is None:
        why = t("ui_predict.no_question.custom" if race.is_custom else "ui_predict.no_question.settings")
        return PredictView(True, False, None, settings, why)
    return PredictView(True, locked_choice("compare", question, settings) is None, question, settings)


def show_predict(view: PredictView, style: Style, notes: str = "") -> bool:
    """The Compare page's question box above the race (or why there is none); True once revealed.

    ``notes``: the lesson's "what to watch" text, shown folded under the answer once revealed.
    On the run that reveals, the page scrolls so that the answer and the race's Play bar show.
    """
    if not view.on:
        return True
    if view.question is None:
        st.info(t("ui_predict.no_question.info", why=view.why))
        return True
    revealed = predict_box(view.question, "compare", style, settings=view.settings)
    if revealed:
        if notes:
            with st.expander(t("ui_predict.watch"), key="predict_watch"):  # keyed: stays open in the other language
                st.markdown(text(notes))
        st.html(_SCROLL_JS.replace("SIG", view.settings and _signature(view.question, view.settings)),
                unsafe_allow_javascript=True)
    return revealed


__all__ = ["lesson_box", "lesson_question", "notice_markers", "predict_box", "predict_toggle", "predict_view", "show_predict", "PredictView",
           "locked_choice", "question_for"]
