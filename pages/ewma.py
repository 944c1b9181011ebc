"""Lesson: exponentially weighted moving averages (the idea under Momentum, RMSProp and Adam).

UI only: the averages come from `optimizers.ewma`, the data from `optimizers.series`, the
figures from `viz.lessons`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from optimizers import effective_window, ewma
from optimizers.series import SERIES_KINDS, noisy_series
from ui.lesson_common import show_chart, compare_link, page_style
from ui.lesson_url import LessonUrl
from viz.lessons import ewma_figure, ewma_weights_figure
from ui.bootstrap import ensure_app_navigation

ensure_app_navigation()

BETA_LOW, BETA_HIGH, BETA_DEFAULT = 0.5, 0.999, 0.98

st.title("Exponentially weighted averages")
st.markdown(
    "**Try:** drag β from 0.9 to 0.98 to 0.999 and watch the average get smoother but slower. "
    "**Notice:** without bias correction (left) the average starts near 0, far below the data, "
    "and needs about 1/(1−β) steps to catch up; dividing by 1 − βᵗ (right) fixes the start "
    "and changes nothing later. Adam does exactly this to its two averages."
)
compare_link("Compare preset: Adam's bias correction (RMSProp without it, Adam with it)", preset="adam_bias")

url = LessonUrl("ewma")
beta0 = url.number("beta", BETA_DEFAULT, BETA_LOW, BETA_HIGH)
kinds = list(SERIES_KINDS)
kind0 = url.choice("series", kinds, "temperature")
seed0 = url.integer("seed", 0, 0, 9999)
url.show_notices()

c1, c2, c3 = st.columns([3, 2, 1])
beta = c1.slider(
    "β (how much of the old average to keep)", BETA_LOW, BETA_HIGH, float(beta0), step=0.001,
    format="%.3f", key="ewma_beta",
    help="vₜ = β·vₜ₋₁ + (1−β)·θₜ. Larger β: smoother, but slower to react.",
)
kind = c2.selectbox("Data", kinds, index=kinds.index(kind0), format_func=SERIES_KINDS.get, key="ewma_series")
seed = int(c3.number_input("Seed", 0, 9999, int(seed0), key="ewma_seed"))
url.write(beta=beta, series=kind, seed=seed)

t, observed, truth, y_label = noisy_series(kind, 365, seed)
raw = ewma(observed, beta, bias_correction=False)
corrected = ewma(observed, beta, bias_correction=True)
window = effective_window(beta)

style = page_style()
show_chart(
    ewma_figure(t, observed, raw, corrected, beta, truth=truth, y_title=y_label, style=style),
    key="ewma_chart",
)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Effective window 1/(1−β)", f"{window:.0f} steps")
m2.metric("Day 1 data θ₁", f"{observed[0]:.2f}")
m3.metric("Day 1 average, no correction", f"{raw[0]:.2f}", help="v₁ = (1−β)·θ₁: only a (1−β) share of θ₁")
m4.metric("Day 1 average, corrected", f"{corrected[0]:.2f}", help="v₁ / (1−β) = θ₁ exactly")

left, right = st.columns([3, 2])
with left:
    show_chart(ewma_weights_figure(beta, style=style), key="ewma_weights")
with right:
    st.markdown(
        rf"""
**The recipe.** Start from $v_0 = 0$ and, for each new value $\theta_t$,

$$v_t = \beta\, v_{{t-1}} + (1-\beta)\,\theta_t .$$

Unrolled, $v_t$ is a weighted sum of all past values with weights $(1-\beta)\beta^k$ for the
value $k$ steps back: recent values count most, old ones fade geometrically. Only one number is
stored, which is why optimizers can afford one average per parameter.

**Why "about 1/(1−β) values".** After $k = 1/(1-\beta)$ steps the weight has shrunk by
$\beta^{{1/(1-\beta)}} \approx 1/e \approx 0.37$ (for β = 0.9: $0.9^{{10}} \approx 0.35$). With
β = {beta:.3g} that is about **{window:.0f}** steps.

**Why the start is wrong, and the fix.** The weights sum to $1-\beta^t$, not 1, so early on
$v_t$ is too small (it is pulled towards $v_0 = 0$). Dividing by that sum,

$$\hat v_t = \frac{{v_t}}{{1-\beta^t}},$$

makes it a proper average from the first step. As $t$ grows, $\beta^t \to 0$ and the correction
fades to nothing.
"""
    )

with st.expander("Where this shows up in the optimizers"):
    st.markdown(
        r"""
* **Momentum** keeps an average of gradients, $v \leftarrow \beta v + (1-\beta) g$ in the
  moving-average convention (PyTorch accumulates $v \leftarrow \mu v + g$, the same thing with
  a learning rate scaled by $1/(1-\beta)$). Oscillating components cancel, steady ones add up.
* **RMSProp** keeps an average of *squared* gradients and divides the step by its square root:
  coordinates with large gradients take smaller steps.
* **Adam** keeps both ($\beta_1 = 0.9$: ≈10 steps; $\beta_2 = 0.999$: ≈1000 steps) and applies
  the bias correction to both. Without it, the squared-gradient average would start near 0
  and the very first steps would be far too large.
"""
    )

st.caption(
    f"Data: {SERIES_KINDS[kind]}, 365 seeded values (seed {seed}); the dotted line is the noiseless signal. "
    f"The shaded stretch is the first {min(365, int(np.ceil(window)))} steps, where v₀ = 0 still matters."
)
