"""Lesson: exponentially weighted moving averages (the idea under Momentum, RMSProp and Adam).

UI only: the averages come from `optimizers.ewma`, the data from `lessons.series`, the
figures from `viz.lessons`.
"""

from __future__ import annotations

import streamlit as st

from lessons.averages import effective_window, ewma
from lessons.series import SERIES_KINDS, noisy_series
from ui.lesson_common import ewma_facts, show_chart, compare_link, page_style, steps_text
from ui.lesson_url import BIND, LessonUrl
from ui.predict import lesson_box, withhold_until_revealed
from viz.lessons import ewma_figure, ewma_weights_figure
from ui.bootstrap import ensure_app_navigation

ensure_app_navigation()

BETA_LOW, BETA_HIGH, BETA_DEFAULT = 0.5, 0.999, 0.98

st.title("Exponentially weighted averages")
intro = st.empty()  # filled once β is known: its numbers are computed for the β on screen
compare_link("Compare preset: Adam's bias correction (Adam without it, Adam with it)", preset="adam_bias")

url = LessonUrl(legacy={"beta": "ewma_beta", "series": "ewma_series", "seed": "ewma_seed"})
url.number("ewma_beta", BETA_DEFAULT, BETA_LOW, BETA_HIGH)
kinds = list(SERIES_KINDS)
url.choice("ewma_series", kinds, "temperature", label=SERIES_KINDS.get)
url.integer("ewma_seed", 0, 0, 9999)
url.show_notices()

c1, c2, c3 = st.columns([3, 2, 1])
beta = c1.slider(
    "β (how much of the old average to keep)", BETA_LOW, BETA_HIGH, BETA_DEFAULT, step=0.001,
    format="%.3f", key="ewma_beta", bind=BIND,
    help="vₜ = β·vₜ₋₁ + (1−β)·θₜ. Larger β: smoother, but slower to react.",
)
kind = c2.selectbox("Data", kinds, format_func=SERIES_KINDS.get, key="ewma_series", bind=BIND)
seed = int(c3.number_input("Seed", 0, 9999, 0, key="ewma_seed", bind=BIND))

t, observed, truth, y_label = noisy_series(kind, 365, seed)
raw = ewma(observed, beta, bias_correction=False)
corrected = ewma(observed, beta, bias_correction=True)
window = effective_window(beta)
facts = ewma_facts(beta)
k_win = max(1, min(len(t), int(round(window))))
intro_text = (
    "**Try:** drag β from 0.9 to 0.98 to 0.999 and watch the average get smoother but slower. "
    "**Notice:** without bias correction (left) the average starts near 0, far below the data. "
    f"On a constant signal c it is (1 − βᵗ)·c: with β = {beta:.3g}, after 1/(1−β) = "
    f"{steps_text(window)} steps it has reached only {facts.share_at_window:.1%} of the value, and it "
    f"needs {facts.steps_to_1pct:,} steps to come within 1%"
    + (f" (more than the {len(t)} values shown)" if facts.steps_to_1pct > len(t) else "")
    + f". On this data, at step {k_win} the uncorrected average is {raw[k_win - 1]:.2f}, the "
    f"corrected one {corrected[k_win - 1]:.2f} and the noiseless signal {truth[k_win - 1]:.2f}. Dividing by 1 − βᵗ (right) fixes the start and "
    "changes less and less later. Adam does exactly this to its two averages."
)

style = page_style()
revealed = lesson_box("ewma", float(beta), kind, int(seed))  # predict first (ui/predict.py)
withhold_until_revealed(intro, intro_text, revealed=revealed)
ewma_fig = ewma_figure(t, observed, raw, corrected, beta, truth=truth, y_title=y_label, style=style)
show_chart(ewma_fig, key="ewma_chart")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Effective window 1/(1−β)", f"{steps_text(window)} steps")
m2.metric("Day 1 data θ₁", f"{observed[0]:.2f}")
m3.metric("Day 1 average, no correction", f"{raw[0]:.2f}", help="v₁ = (1−β)·θ₁: only a (1−β) share of θ₁")
m4.metric("Day 1 average, corrected", f"{corrected[0]:.2f}", help="v₁ / (1−β) = θ₁ exactly")

one_over_e = (", close to 1/e" if facts.near_one_over_e
              else ", not yet close to 1/e: that limit needs β near 1")
left, right = st.columns([3, 2])
with left:
    weights_fig = ewma_weights_figure(beta, style=style)
    show_chart(weights_fig, key="ewma_weights")
with right:
    st.markdown(
        rf"""
**The recipe.** Start from $v_0 = 0$ and, for each new value $\theta_t$,

$$v_t = \beta\, v_{{t-1}} + (1-\beta)\,\theta_t .$$

Unrolled, $v_t$ is a weighted sum of all past values with weights $(1-\beta)\beta^k$ for the
value $k$ steps back: recent values count most, old ones fade geometrically. Only one number is
stored, which is why optimizers can afford one average per parameter.

**Why "about 1/(1−β) values".** After $k = 1/(1-\beta)$ steps back the weight has shrunk by
$\beta^{{1/(1-\beta)}}$, which tends to $1/e \approx 0.37$ as β → 1 (for β = 0.9:
$0.9^{{10}} \approx 0.35$). With β = {beta:.3g}, $k$ = **{steps_text(window)}** steps and the weight
there is **{facts.weight_at_window:.3f}** of today's{one_over_e}.

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
    + (f"The shaded stretch is the first 1/(1−β) = {steps_text(window)} steps, where v₀ = 0 still weighs heavily."
       if window < len(t) else
       f"All {len(t)} values are shaded: 1/(1−β) = {steps_text(window)} steps is longer than the data, so v₀ = 0 "
       "weighs heavily throughout.")
)
