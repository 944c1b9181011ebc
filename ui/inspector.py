"""The step inspector: the numbers behind the picture at one step, for every optimizer.

At step k the inspector shows the update that leaves θ_k: the gradient it used, the optimizer's
state before and after, the effective per-coordinate learning rate, and the update rule with
those numbers substituted. The substitution is the optimizer's own declaration
(``Optimizer.explain``), which replays update k+1 with the optimizer's ``update`` from the state
recorded at row k, so the equation on screen is the arithmetic the engine did, not a paraphrase
(tests/test_optimizers.py checks it lands on the simulated θ_{k+1} for every optimizer).

``substituted_rule`` is pure (numbers in, LaTeX out); ``step_inspector`` draws with Streamlit.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd
import streamlit as st

from i18n import t, text
from optimizers.base import Optimizer
from ui.style import show_table
from viz.text import subscript


def state_at(opt: Optimizer, df: pd.DataFrame, k: int) -> dict[str, Any]:
    """The optimizer's whole state after update k (row k of ``simulate``'s table), for one run."""
    init = opt.init(np.zeros((1, 2)))
    state: dict[str, Any] = {}
    for key, first in init.items():
        if key in opt.state_names:
            state[key] = df[[f"{key}_x", f"{key}_y"]].to_numpy(dtype=float)[k][None, :]
        else:
            value = float(df[key].to_numpy(dtype=float)[k])
            state[key] = int(round(value)) if isinstance(first, (int, np.integer)) else value
    return state


def substituted_rule(
    opt: Optimizer | str, df: pd.DataFrame, k: int, hyper: Mapping[str, float]
) -> tuple[str, np.ndarray] | None:
    """LaTeX of update k+1 with numbers substituted, and the θ_{k+1} it computes.

    ``opt`` is an Optimizer or a registry key. None when there is no update k+1 (the last
    step, or after a divergence).
    """
    if isinstance(opt, str):
        from optimizers import OPTIMIZERS

        opt = OPTIMIZERS[opt]
    if k + 1 >= len(df):
        return None
    theta = df[["x", "y"]].to_numpy(dtype=float)[k]
    g = df[["gx", "gy"]].to_numpy(dtype=float)[k + 1]
    resolved = dict(opt.resolve(hyper))
    resolved["lr"] = float(df["lr"].to_numpy(dtype=float)[k + 1])  # the scheduled lr of update k+1
    shown = opt.explain(theta, g, state_at(opt, df, k), resolved, k + 1)
    return shown.latex, shown.params


def step_table(frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], state_names: Mapping[str, Mapping[str, str]],
               k: int) -> pd.DataFrame:
    """One row per optimizer: position, loss and the update leaving step k (gradient, lr, states).

    ``state_names`` are the vectors shown per optimizer (``Optimizer.shown_states``: RMSprop
    keeps a buffer with μ = 0, but it is not a momentum then, and showing it would mislead).
    """
    rows = []
    eff_x, eff_y = t("ui_inspector.column.eff_lr_x"), t("ui_inspector.column.eff_lr_y")
    for key, df in frames.items():
        row: dict[str, Any] = {t("ui_inspector.column.optimizer"): text(labels.get(key, key))}
        kk = min(k, len(df) - 1)
        r0 = df.iloc[kk]
        row.update({"x": r0["x"], "y": r0["y"], "f": r0["loss"]})
        if kk + 1 < len(df):
            r1 = df.iloc[kk + 1]
            row.update({"gx": r1["gx"], "gy": r1["gy"], "lr": r1["lr"], eff_x: r1["eff_lr_x"],
                        eff_y: r1["eff_lr_y"], "Δx": r1["dx"], "Δy": r1["dy"]})
            for name, label in state_names.get(key, {}).items():
                if f"{name}_x" in df.columns:
                    row[f"{text(label)} (x, y)"] = f"({r1[f'{name}_x']:.4g}, {r1[f'{name}_y']:.4g})"
        else:
            row[t("ui_inspector.column.note")] = t("ui_inspector.ended_diverged" if df.attrs.get("diverged_at")
                                                    else "ui_inspector.ended")
        rows.append(row)
    return pd.DataFrame(rows)


def step_inspector(frames: Mapping[str, pd.DataFrame], optimizers: Mapping[str, Any], hyper: Mapping[str, Mapping[str, float]],
                   k: int, container=None) -> None:
    """Draw the inspector for step ``k``: a numbers table and each optimizer's substituted rule."""
    box = container if container is not None else st
    labels = {key: text(optimizers[key].label) for key in frames}
    names = {key: optimizers[key].shown_states(hyper.get(key, {})) for key in frames}
    box.caption(t("ui_inspector.caption", k=k, theta=f"θ{subscript(k)}", update=k + 1))
    show_table(step_table(frames, labels, names, k), container=box)
    tabs = box.tabs([labels[key] for key in frames])
    for col, (key, df) in zip(tabs, frames.items()):
        col.caption(t("ui_inspector.rule", opt=labels[key], update=k + 1))
        rule = substituted_rule(optimizers[key], df, k, hyper.get(key, {}))
        if rule is None:
            col.caption(t("ui_inspector.no_update") if not df.attrs.get("diverged_at") else
                        t("ui_inspector.no_update_diverged", step=int(df.attrs["diverged_at"])))
        else:
            col.latex(rule[0])

