"""The Compare page's "Tune learning rates" button: sweep, apply, explain, undo.

Why: "is Adam really faster, or did SGD just get a bad learning rate?" A fair race puts every
optimizer at its best rate for *this* surface, start, step budget, noise, schedule and clipping.
For each selected optimizer the core sweeps the learning rate over the lr slider's own values
(one vectorized run, `lessons.tuning.tune_learning_rate` via `ui.simulation.tune_all`), so
the winner is exactly a slider value and applying it is just moving the slider. With gradient
noise every value runs on several seeded noise streams in that same call and is ranked by its
median, so the pick does not hang on the page's one stream. The page then says what was run and
how the pick was made (the core's `ranking_rule`, with the result's own numbers), what was
picked and why (the core's ``reason`` sentence), shows the sweep, and offers undo.

The report stays on screen while the page shows exactly the tuned settings; any change hides it
(it would no longer describe what is on screen).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any, Mapping

import streamlit as st

from i18n import t, text, tn
from viz.lessons import tune_figure
from viz.palette import color_for
from viz.style import Style

from lessons.grids import snap
from lessons.link_values import md_escape
from lessons.race import Race
from lessons.race_link import hyper_grid

from .page_state import set_hyper
from .simulation import tune_all

REPORT_KEY = "_tune_report"


@dataclass(frozen=True)
class TunedRate:
    """One optimizer's outcome: the rate before and after, and the core's reason."""

    key: str
    label: str
    old: float
    new: float
    found: bool
    snapped: bool
    #: The core's reason ("lr = …: why"), a `Msg` or text: written in the reader's language when shown.
    reason: Any
    #: The reason without the rate or the fallback clause, when the core says it apart (``reason_detail``).
    detail: Any = None


@dataclass(frozen=True)
class TuneReport:
    rows: tuple[TunedRate, ...]
    results: Mapping[str, Any]  # opt key -> lessons.tuning.TuneResult
    race: Race  # the race right after tuning: the report describes only this race
    seconds: float
    grid_size: int


def tune_learning_rates(race: Race) -> None:
    """Button callback: tune every optimizer's lr and move its slider there.

    Runs before the script (widget values may only change then). An optimizer whose every rate
    diverged keeps its learning rate; the report says so.
    """
    from optimizers import OPTIMIZERS

    t0 = time.perf_counter()
    with st.spinner(t("ui_tuning.spinner")):
        results = tune_all(race, lambda key: hyper_grid(key, "lr"))
    seconds = time.perf_counter() - t0
    rows, tuned = [], race
    for key, res in results.items():
        old = race.hyper(key)["lr"]
        new, snapped = old, False
        if res.found:
            new = snap(res.best_lr, hyper_grid(key, "lr"), log=True)  # the sweep used these values: exact unless a bug
            snapped = not math.isclose(new, res.best_lr, rel_tol=1e-9)
            set_hyper(key, "lr", new)
            tuned = tuned.with_hyper(key, "lr", new)
        reason = getattr(res, "why", None) or res.reason  # a Msg when the core keeps one (read in any language)
        rows.append(TunedRate(key, OPTIMIZERS[key].label, old, new, bool(res.found), snapped, reason,
                              getattr(res, "reason_detail", None)))
    st.session_state[REPORT_KEY] = TuneReport(
        rows=tuple(rows), results=results, race=tuned, seconds=seconds,
        grid_size=max((len(r.lrs) for r in results.values()), default=0),
    )


def undo_tuning() -> None:
    """Button callback: put every tuned learning rate back where it was."""
    report = st.session_state.pop(REPORT_KEY, None)
    if report is None:
        return
    for row in report.rows:
        set_hyper(row.key, "lr", row.old)


def current_report(race: Race) -> TuneReport | None:
    """The last tuning report if the page still shows exactly its race, else None."""
    report = st.session_state.get(REPORT_KEY)
    if report is None or report.race != race:
        return None
    return report


#: The core's reason for a rate that could not be tuned ends with its fallback rate (which is not
#: applied here), after its first semicolon, in either language.
_FALLBACK = re.compile(r"\s*[;；].*$", re.S)
#: The core's reason opens with the rate ("lr = 0.01: "), which the line already says.
_RATE_PREFIX = re.compile(r"^lr = [^:：]*[:：]\s*")


def _sentence(reason: str) -> str:
    """The core's reason as the end of a row's sentence (without a closing full stop of its own)."""
    return md_escape(reason.rstrip().rstrip(".。"))


def _label(row: TunedRate) -> str:
    """The optimizer's name in the reader's language (the report outlives a switch of language)."""
    from optimizers import OPTIMIZERS

    return text(OPTIMIZERS[row.key].label) if row.key in OPTIMIZERS else text(row.label)


def _row_text(row: TunedRate) -> str:
    name = f"**{md_escape(_label(row))}**"
    reason = text(row.reason)
    if not row.found:  # the core's reason also names its fallback rate, which is not applied here
        why = text(row.detail) if row.detail is not None else _FALLBACK.sub("", reason)
        return t("ui_tuning.row.stays", name=name, old=row.old, why=_sentence(why))
    # the rate is already in the line
    why = _sentence(text(row.detail) if row.detail is not None else _RATE_PREFIX.sub("", reason))
    if row.new == row.old:
        return t("ui_tuning.row.unchanged", name=name, new=row.new, why=why)
    key = "ui_tuning.row.snapped" if row.snapped else "ui_tuning.row.changed"
    return t(key, name=name, old=row.old, new=row.new, why=why)


def explanation_head(report: TuneReport, *, steps: int) -> str:
    """What was run and how the pick was made, from the results themselves (plain text).

    Every optimizer of one race shares the rule (same surface, f*, noise streams, tolerance),
    so it is said once; should two results disagree, each rule is said with its optimizer.
    """
    n = len(report.rows)
    took = t("ui_tuning.took", seconds=report.seconds) if report.seconds >= 0.1 else t("ui_tuning.took_fast")
    results = list(report.results.values())
    if not results:
        return tn("ui_tuning.head.none", n, took=took)
    sizes = sorted({len(r.lrs) for r in results})
    lo = min(float(min(r.lrs)) for r in results)
    hi = max(float(max(r.lrs)) for r in results)
    count = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
    streams = sorted({r.n_streams for r in results})
    if streams == [1]:
        head = tn("ui_tuning.head.once", n, took=took, count=count, lo=lo, hi=hi, steps=steps)
    else:
        k = "/".join(str(v) for v in streams)
        runs = "/".join(f"{v:,}" for v in sorted({len(r.lrs) * r.n_streams for r in results}))
        head = tn("ui_tuning.head.streams", n, took=took, count=count, lo=lo, hi=hi, k=k, runs=runs,
                  steps=steps)
    labels = {row.key: _label(row) for row in report.rows}
    rules: dict[str, list[str]] = {}
    for key, res in report.results.items():
        rules.setdefault(text(res.ranking_rule()), []).append(labels.get(key, key))
    if len(rules) == 1:
        return t("ui_tuning.head.rule", head=head, rule=next(iter(rules)))
    sep = t("ui_tuning.names_separator")
    return head + "".join(t("ui_tuning.head.rule_for", names=sep.join(names), rule=rule)
                          for rule, names in rules.items())


def show_tune_report(report: TuneReport, *, steps: int, style: Style, f_star: float | None) -> None:
    """The explanation box, the sweep figure (in an expander) and the undo button."""
    head = md_escape(explanation_head(report, steps=steps))
    bold = t("ui_tuning.title")
    head = head.replace(bold, f"**{bold}**", 1)
    body = head + "\n\n" + "\n".join(_row_text(r) for r in report.rows)
    if any(r.found for r in report.rows):
        st.success(body, icon=":material/tune:")
    else:
        noisy = any(res.n_streams > 1 for res in report.results.values())
        st.warning(body + "\n\n" + t("ui_tuning.all_diverged_noisy" if noisy else "ui_tuning.all_diverged"),
                   icon=":material/warning:")
    c1, c2 = st.columns([4, 1])
    with c1.expander(t("ui_tuning.sweep.title"), expanded=False, key="tune_sweep"):  # keyed: stays open in the other language
        labels = {row.key: _label(row) for row in report.rows}
        fig = tune_figure({labels[k]: res for k, res in report.results.items()},
                          colors={labels[k]: color_for(k) for k in report.results}, style=style, f_star=f_star)
        st.plotly_chart(fig, key="tune_figure")
        k = max((res.n_streams for res in report.results.values()), default=1)
        st.caption(t("ui_tuning.sweep.caption_streams", k=k) if k > 1 else t("ui_tuning.sweep.caption"))
    c2.button(t("ui_tuning.undo.label"), icon=":material/undo:", key="undo_tune", on_click=undo_tuning,
              help=t("ui_tuning.undo.help"))
