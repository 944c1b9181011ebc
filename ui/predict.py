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
    """What a prediction was made for: the question and the settings it was asked at."""
    text = json.dumps([question.key, question.prompt, list(question.choices), question.explanation,
                       repr(settings)], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


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
                settings: Any = None, title: str = "Predict first", ask_label: str = "Ask me a question",
                container=None) -> bool:
    """A "Predict first" box; returns True once a prediction is locked in (the answer shown).

    ``question`` may be a callable for a question that is slow to compute: the box then shows
    ``ask_label`` and calls it only when pressed at these settings (cache it in the caller), so
    moving a slider never starts a slow computation by itself. ``settings`` names what the
    question was asked at: when they change, the box asks again.
    """
    box = (container if container is not None else st).container(border=True, key=f"predictbox_{key}")
    if style.projector:
        st.html(_PROJECTOR_CSS)
    if callable(question) and not isinstance(question, Question):
        asked, here = f"predictask_{key}", repr(settings)
        if st.session_state.get(asked) != here:  # not asked yet, or asked at other settings: ask first
            box.markdown(f"**{title}.** Before you look closely: commit to what you expect.")
            box.button(ask_label, key=f"predictaskbtn_{key}", icon=":material/quiz:",
                       on_click=lambda: st.session_state.__setitem__(asked, here))
            return False
        with box, st.spinner("The engine is running the race for the question…"):
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
    box.markdown(f"**{title}:** {question.prompt}")
    if changed:
        box.caption("The settings changed since your last prediction: predict again.")
    if not lock:
        picked = box.radio("Your prediction", list(range(len(question.choices))), index=None, key=choice_key,
                           format_func=lambda i: f"{i + 1}. {question.choices[i]}", horizontal=True,
                           label_visibility="collapsed")
        row = box.container(horizontal=True, vertical_alignment="center")
        row.button("Lock in my prediction", key=f"predictlockbtn_{key}", type="primary", disabled=picked is None,
                   icon=":material/lock:", on_click=_lock, args=(key, sig))
        row.caption("Keys 1–4 choose." + ("" if style.projector else
                                          " Locking in changes nothing in the run: it only shows the answer."))
        st.html(_KEYS_JS, unsafe_allow_javascript=True)
        return False
    mine = lock[1]
    if question.is_right(mine):
        box.success(f"**Right!** You predicted: {question.choices[mine]}.  \n{question.explanation}")
    else:
        named = question.explanation.startswith(question.answer)  # most explanations open with the answer
        box.error(f"**Not this time.** You predicted: {question.choices[mine]}."
                  + ("" if named else f" The answer: {question.answer}.") + f"  \n{question.explanation}")
    row = box.container(horizontal=True, vertical_alignment="center")
    if question.try_next:
        row.markdown(f"**{question.try_next}**")
    row.button("Predict again", key=f"predictagain_{key}", icon=":material/replay:", on_click=_unlock, args=(key,))
    return True


# ------------------------------------------------------------------------------ lesson pages


@st.cache_data(show_spinner=False, max_entries=128)
def lesson_question(page: str, *args) -> Question | None:
    """A lesson page's question (``lessons.questions.<page>_question(*args)``), once per settings.

    None when the engine refuses the settings (e.g. a hand-edited link): the box then stays away.
    """
    from lessons import questions

    ask = {"ewma": questions.ewma_question, "schedules": questions.schedules_question,
           "minibatch": questions.minibatch_question, "sweep": questions.sweep_question}[page]
    try:
        return ask(*args)
    except (ValueError, KeyError):
        return None


#: Where a lesson's intro turns from what to try to what it shows (the answer to its question).
NOTICE = "**Notice:**"


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
    withheld = lesson_predict_mode() and not revealed
    if not withheld:
        intro.markdown(text)
        return
    head = text.split(NOTICE)[0].rstrip()
    intro.markdown(head + " *What to notice appears once you lock in a prediction.*")
    st.caption("Predict mode: the demo, its charts and its numbers appear once you lock in a prediction.")
    st.stop()


def lesson_box(page: str, *args, lazy: bool = False) -> bool:
    """The "Predict first" box of a lesson page's demo (``lazy``: ask only when the student asks)."""
    from ui.style import current_style

    question = (lambda: lesson_question(page, *args)) if lazy else lesson_question(page, *args)
    return predict_box(question, page, current_style(), settings=repr(args))


# ------------------------------------------------------------------------------ Compare page


#: Questions by (lesson, race): 0.1–1 s of engine time each, so once per race, for every session.
QUESTIONS = LRU(256)


def question_for(preset: Preset, race: Race) -> Question | None:
    """``preset``'s question at ``race``, computed once per race and shared by every session."""
    key = (preset.key, race)
    found = QUESTIONS.get(key)
    if found is None:
        found = (preset.question_at(race),)  # a None answer is cached too
        QUESTIONS.put(key, found)
    return found[0]


def predict_toggle(container) -> bool:
    """The sidebar's "Predict first" toggle (seeded from the link's ``mode`` by the page's store)."""
    return bool(container.toggle("Predict first", key=PREDICT_KEY,
                                 help="Ask the lesson's question before the race: the paths and the numbers stay "
                                      "hidden until a prediction is locked in. Link: ?mode=predict&preset=<lesson>"))


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
        return ("What to watch shows after your prediction." if self.hidden else
                "What to watch: under the answer below.")


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
        with st.spinner("Preparing the question…"):
            question = question_for(lesson, race)
    if question is None:
        why = ("a custom formula has no lesson question" if race.is_custom else
               "these settings have no lesson question (pick a lesson preset)")
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
        st.info(f"Predict first: {view.why}; showing the race.")
        return True
    revealed = predict_box(view.question, "compare", style, settings=view.settings)
    if revealed:
        if notes:
            with st.expander("What to watch"):
                st.markdown(notes)
        st.html(_SCROLL_JS.replace("SIG", view.settings and _signature(view.question, view.settings)),
                unsafe_allow_javascript=True)
    return revealed


__all__ = ["lesson_box", "lesson_question", "predict_box", "predict_toggle", "predict_view", "show_predict", "PredictView",
           "locked_choice", "question_for"]
