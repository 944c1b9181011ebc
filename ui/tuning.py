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
    reason: str


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
    with st.spinner("Tuning learning rates…"):
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
        rows.append(TunedRate(key, OPTIMIZERS[key].label, old, new, bool(res.found), snapped, res.reason))
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


def _row_text(row: TunedRate) -> str:
    name = f"**{md_escape(row.label)}**"
    if not row.found:  # the core's reason also names its fallback rate, which is not applied here
        return f"- {name}: lr stays {row.old:g}: {md_escape(row.reason.split('; falling back')[0])}."
    change = f"{row.old:g} → **{row.new:g}**" if row.new != row.old else f"**{row.new:g}** (unchanged)"
    snap = f" (snapped to the slider value {row.new:g})" if row.snapped else ""
    why = re.sub(r"^lr = [^:]*: ", "", row.reason)  # the rate is already in the line
    return f"- {name}: lr {change}{snap}: {md_escape(why)}."


def _fmt_lr(value: float) -> str:
    return f"{value:g}"


def explanation_head(report: TuneReport, *, steps: int) -> str:
    """What was run and how the pick was made, from the results themselves (plain text).

    Every optimizer of one race shares the rule (same surface, f*, noise streams, tolerance),
    so it is said once; should two results disagree, each rule is said with its optimizer.
    """
    n = len(report.rows)
    took = f"{report.seconds:.1f} s" if report.seconds >= 0.1 else "under 0.1 s"
    head = f"Tuned learning rates for this race ({n} optimizer{'s' if n != 1 else ''}, {took})"
    results = list(report.results.values())
    if not results:
        return head + ": no optimizer could be tuned with these settings."
    sizes = sorted({len(r.lrs) for r in results})
    lo = min(float(min(r.lrs)) for r in results)
    hi = max(float(max(r.lrs)) for r in results)
    count = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
    grid = f"{count} values, {_fmt_lr(lo)} … {_fmt_lr(hi)}"
    streams = sorted({r.n_streams for r in results})
    if streams == [1]:
        ran = f"each optimizer ran once per lr slider value ({grid}) in one vectorized run"
    else:
        k = "/".join(str(v) for v in streams)
        runs = "/".join(f"{v:,}" for v in sorted({len(r.lrs) * r.n_streams for r in results}))
        ran = (f"each optimizer ran every lr slider value ({grid}) on {k} noise streams, {runs} runs in one "
               "vectorized call")
    head += (f": {ran}, with everything else as on the page ({steps:,} steps, same start, noise, schedule, "
             "clipping and other settings).")
    labels = {row.key: row.label for row in report.rows}
    rules = {}
    for key, res in report.results.items():
        rules.setdefault(res.ranking_rule(), []).append(labels.get(key, key))
    if len(rules) == 1:
        return head + " " + next(iter(rules))
    return head + "".join(f" {', '.join(names)}: {rule}" for rule, names in rules.items())


def show_tune_report(report: TuneReport, *, steps: int, style: Style, f_star: float | None) -> None:
    """The explanation box, the sweep figure (in an expander) and the undo button."""
    head = md_escape(explanation_head(report, steps=steps))
    head = head.replace("Tuned learning rates", "**Tuned learning rates**", 1)
    text = head + "\n\n" + "\n".join(_row_text(r) for r in report.rows)
    if any(r.found for r in report.rows):
        st.success(text, icon=":material/tune:")
    else:
        noisy = any(res.n_streams > 1 for res in report.results.values())
        where = " (on at least one noise stream)" if noisy else ""
        st.warning(text + f"\n\nEvery learning rate diverged{where}, so nothing was changed. Try fewer steps, a "
                   "start nearer the minimum, or gradient clipping.", icon=":material/warning:")
    c1, c2 = st.columns([4, 1])
    with c1.expander("The sweep behind it: final loss for every learning rate", expanded=False):
        labels = {row.key: row.label for row in report.rows}
        fig = tune_figure({labels[k]: res for k, res in report.results.items()},
                          colors={labels[k]: color_for(k) for k in report.results}, style=style, f_star=f_star)
        st.plotly_chart(fig, key="tune_figure")
        k = max((res.n_streams for res in report.results.values()), default=1)
        each = f" Each point is the median final loss over the {k} noise streams." if k > 1 else ""
        st.caption(f"★ the picked rate, × rates that diverged.{each} Re-tune after changing the surface, start, "
                   "steps, noise or another hyperparameter: the best rate depends on all of them.")
    c2.button("Undo tuning", icon=":material/undo:", key="undo_tune", on_click=undo_tuning,
              help="Put every learning rate back where it was before tuning.")
