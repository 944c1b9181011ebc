"""The step inspector: the numbers behind the picture at one step, for every optimizer.

At step k the inspector shows the update that leaves θ_k: the gradient it used, the optimizer's
state before and after, the effective per-coordinate learning rate, and the update rule with
those numbers substituted. The substitution is computed here from the shown numbers and must
land on the simulated θ_{k+1} (tests/test_compare_page.py checks it for every optimizer), so
the equation on screen is the arithmetic the engine did, not a paraphrase.

``substituted_rule`` is pure (numbers in, LaTeX out); ``step_inspector`` draws with Streamlit.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from ui.style import current_style, show_table
from viz.text import subscript


def _n(v: float) -> str:
    if v is None or not math.isfinite(v):
        return r"\text{–}"
    if v == 0:
        return "0"
    a = abs(v)
    if a < 1e-3 or a >= 1e5:
        mant, exp = f"{v:.3e}".split("e")
        return rf"{float(mant):.3g}\!\times\!10^{{{int(exp)}}}"
    return f"{v:.4g}"


def vec(v: Sequence[float]) -> str:
    """A 2-vector as a LaTeX column."""
    return r"\begin{pmatrix}" + _n(float(v[0])) + r"\\" + _n(float(v[1])) + r"\end{pmatrix}"


def _state(df: pd.DataFrame, row: int, name: str) -> np.ndarray:
    if f"{name}_x" not in df.columns:
        return np.zeros(2)
    return df[[f"{name}_x", f"{name}_y"]].to_numpy(dtype=float)[row]


def substituted_rule(
    opt_key: str, df: pd.DataFrame, k: int, hyper: Mapping[str, float]
) -> tuple[str, np.ndarray] | None:
    """LaTeX of update k+1 with numbers substituted, and the θ_{k+1} it computes.

    None when there is no update k+1 (the last step, or after a divergence).
    """
    if k + 1 >= len(df):
        return None
    theta = df[["x", "y"]].to_numpy(dtype=float)[k]
    g = df[["gx", "gy"]].to_numpy(dtype=float)[k + 1]
    lr = float(df["lr"].to_numpy(dtype=float)[k + 1])
    t = k + 1
    wd = float(hyper.get("weight_decay", 0.0))
    lines: list[str] = []
    if wd and opt_key != "adamw":
        g_wd = g + wd * theta
        lines.append(rf"g &= \nabla f + \lambda\theta_{{{k}}} = {vec(g)} + {_n(wd)}\,{vec(theta)} = {vec(g_wd)}")
        g = g_wd
    else:
        lines.append(rf"g &= \nabla f(\theta_{{{k}}}) = {vec(g)}")
    eta = _n(lr)
    if opt_key == "sgd":
        new = theta - lr * g
        lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, g = {vec(theta)} - {eta}\,{vec(g)} = {vec(new)}")
    elif opt_key in ("momentum", "nesterov"):
        mu = float(hyper.get("momentum", 0.0))
        b_old = _state(df, k, "buf")
        b = mu * b_old + g if k > 0 else g.copy()
        lines.append(rf"b_{{{t}}} &= \mu\, b_{{{k}}} + g = {_n(mu)}\,{vec(b_old)} + {vec(g)} = {vec(b)}")
        if opt_key == "momentum":
            new = theta - lr * b
            lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, b_{{{t}}} = {vec(theta)} - {eta}\,{vec(b)} = {vec(new)}")
        else:
            d = g + mu * b
            new = theta - lr * d
            lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\,(g + \mu b_{{{t}}}) = {vec(theta)} - {eta}\,{vec(d)} = {vec(new)}")
    elif opt_key == "adagrad":
        eps = float(hyper.get("eps", 1e-10))
        s_old = _state(df, k, "sum")
        s = s_old + g * g
        lines.append(rf"s_{{{t}}} &= s_{{{k}}} + g^2 = {vec(s_old)} + {vec(g * g)} = {vec(s)}")
        den = np.sqrt(s) + eps
        new = theta - lr * g / den
        lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, \frac{{g}}{{\sqrt{{s_{{{t}}}}} + \varepsilon}}"
                     rf" = {vec(theta)} - {eta}\,{vec(g)} \oslash {vec(den)} = {vec(new)}")
    elif opt_key == "rmsprop":
        alpha = float(hyper.get("alpha", 0.99))
        eps = float(hyper.get("eps", 1e-8))
        mu = float(hyper.get("momentum", 0.0))
        v_old = _state(df, k, "square_avg")
        v = alpha * v_old + (1 - alpha) * g * g
        lines.append(rf"v_{{{t}}} &= \alpha\, v_{{{k}}} + (1-\alpha)\, g^2 = {_n(alpha)}\,{vec(v_old)} + {_n(1 - alpha)}\,{vec(g * g)} = {vec(v)}")
        den = np.sqrt(v) + eps
        if mu > 0:
            b_old = _state(df, k, "buf")
            b = mu * b_old + g / den
            lines.append(rf"b_{{{t}}} &= \mu\, b_{{{k}}} + \frac{{g}}{{\sqrt{{v_{{{t}}}}}+\varepsilon}} = {_n(mu)}\,{vec(b_old)} + {vec(g / den)} = {vec(b)}")
            new = theta - lr * b
            lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, b_{{{t}}} = {vec(theta)} - {eta}\,{vec(b)} = {vec(new)}")
        else:
            new = theta - lr * g / den
            lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} - \eta\, \frac{{g}}{{\sqrt{{v_{{{t}}}}} + \varepsilon}}"
                         rf" = {vec(theta)} - {eta}\,{vec(g)} \oslash {vec(den)} = {vec(new)}")
    elif opt_key in ("adam", "adamw"):
        b1 = float(hyper.get("beta1", 0.9))
        b2 = float(hyper.get("beta2", 0.999))
        eps = float(hyper.get("eps", 1e-8))
        base = theta
        if opt_key == "adamw" and wd:
            base = theta * (1 - lr * wd)
            lines.append(rf"\theta' &= (1 - \eta\lambda)\,\theta_{{{k}}} = {_n(1 - lr * wd)}\,{vec(theta)} = {vec(base)}")
        m_old, v_old = _state(df, k, "exp_avg"), _state(df, k, "exp_avg_sq")
        m = b1 * m_old + (1 - b1) * g
        v = b2 * v_old + (1 - b2) * g * g
        lines.append(rf"m_{{{t}}} &= \beta_1 m_{{{k}}} + (1-\beta_1)\, g = {_n(b1)}\,{vec(m_old)} + {_n(1 - b1)}\,{vec(g)} = {vec(m)}")
        lines.append(rf"v_{{{t}}} &= \beta_2 v_{{{k}}} + (1-\beta_2)\, g^2 = {_n(b2)}\,{vec(v_old)} + {_n(1 - b2)}\,{vec(g * g)} = {vec(v)}")
        c1, c2 = 1 - b1**t, 1 - b2**t
        mh, vh = m / c1, v / c2
        lines.append(rf"\hat m &= \frac{{m_{{{t}}}}}{{1-\beta_1^{{{t}}}}} = {vec(mh)},\quad "
                     rf"\hat v = \frac{{v_{{{t}}}}}{{1-\beta_2^{{{t}}}}} = {vec(vh)}")
        den = np.sqrt(vh) + eps
        new = base - lr * mh / den
        prev = r"\theta'" if (opt_key == "adamw" and wd) else rf"\theta_{{{k}}}"
        lines.append(rf"\theta_{{{t}}} &= {prev} - \eta\,\frac{{\hat m}}{{\sqrt{{\hat v}} + \varepsilon}}"
                     rf" = {vec(base)} - {eta}\,{vec(mh)} \oslash {vec(den)} = {vec(new)}")
    else:
        step = df[["dx", "dy"]].to_numpy(dtype=float)[k + 1]
        new = theta + step
        lines.append(rf"\theta_{{{t}}} &= \theta_{{{k}}} + \Delta\theta = {vec(theta)} + {vec(step)} = {vec(new)}")
    return r"\begin{aligned}" + r"\\[2pt]".join(lines) + r"\end{aligned}", new


def step_table(frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], state_names: Mapping[str, Mapping[str, str]],
               k: int, hyper: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """One row per optimizer: position, loss and the update leaving step k (gradient, lr, states).

    A momentum buffer is left out when that optimizer's momentum is 0 (RMSprop keeps one
    internally, but it is not a momentum then, and showing it would mislead).
    """
    hyper = hyper or {}
    rows = []
    for key, df in frames.items():
        row: dict[str, Any] = {"optimizer": labels.get(key, key)}
        kk = min(k, len(df) - 1)
        r0 = df.iloc[kk]
        row.update({"x": r0["x"], "y": r0["y"], "f": r0["loss"]})
        if kk + 1 < len(df):
            r1 = df.iloc[kk + 1]
            row.update({"gx": r1["gx"], "gy": r1["gy"], "lr": r1["lr"], "eff lr x": r1["eff_lr_x"],
                        "eff lr y": r1["eff_lr_y"], "Δx": r1["dx"], "Δy": r1["dy"]})
            for name, label in state_names.get(key, {}).items():
                if name == "buf" and float(hyper.get(key, {}).get("momentum", 1.0)) == 0:
                    continue
                if f"{name}_x" in df.columns:
                    row[f"{label} (x, y)"] = f"({r1[f'{name}_x']:.4g}, {r1[f'{name}_y']:.4g})"
        else:
            row["note"] = "run ended here" + (" (diverged)" if df.attrs.get("diverged_at") else "")
        rows.append(row)
    return pd.DataFrame(rows)


def step_inspector(frames: Mapping[str, pd.DataFrame], optimizers: Mapping[str, Any], hyper: Mapping[str, Mapping[str, float]],
                   k: int, container=None) -> None:
    """Draw the inspector for step ``k``: a numbers table and each optimizer's substituted rule."""
    box = container if container is not None else st
    labels = {key: optimizers[key].label for key in frames}
    names = {key: dict(optimizers[key].state_names) for key in frames}
    box.caption(
        f"Step {k}: position θ{subscript(k)} and the update that leaves it (update {k + 1}). "
        "g is the gradient the update used (after noise and clipping); the effective learning rate is "
        "lr × the optimizer's per-coordinate scaling."
    )
    show_table(step_table(frames, labels, names, k, hyper), style=current_style(), container=box)
    tabs = box.tabs([labels[key] for key in frames])
    for col, (key, df) in zip(tabs, frames.items()):
        col.caption(f"{labels[key]}, update {k + 1} with the numbers substituted (PyTorch's rule):")
        rule = substituted_rule(key, df, k, hyper.get(key, {}))
        if rule is None:
            col.caption("No further update: the run ended here." if not df.attrs.get("diverged_at") else
                        f"No further update: the run diverged at step {df.attrs['diverged_at']}.")
        else:
            col.latex(rule[0])
