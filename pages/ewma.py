"""Lesson: exponentially weighted moving averages (the idea under Momentum, RMSProp and Adam).

UI only: the averages come from `optimizers.ewma`, the data from `lessons.series`, the
figures from `viz.lessons`. Every sentence is a catalog template (i18n/<lang>/page_ewma.toml)
filled with the numbers computed here.
"""

from __future__ import annotations

import streamlit as st

from i18n import t, text
from lessons.averages import effective_window, ewma
from lessons.series import SERIES_KINDS, noisy_series
from ui.lesson_common import (ewma_facts, show_chart, compare_link, lesson_markdown, page_style, steps_phrase,
                              steps_text)
from ui.lesson_url import BIND, LessonUrl
from ui.predict import lesson_box, withhold_until_revealed
from viz.lessons import ewma_figure, ewma_weights_figure
from ui.bootstrap import ensure_app_navigation

ensure_app_navigation()

BETA_LOW, BETA_HIGH, BETA_DEFAULT = 0.5, 0.999, 0.98


def series_label(kind: str) -> str:
    """A data set's name in the current language (the option itself stays the language-free key)."""
    return text(SERIES_KINDS.get(kind, kind))


st.title(t("page_ewma.title"))
intro = st.empty()  # filled once β is known: its numbers are computed for the β on screen
compare_link(t("page_ewma.compare"), preset="adam_bias")

url = LessonUrl(legacy={"beta": "ewma_beta", "series": "ewma_series", "seed": "ewma_seed"})
url.number("ewma_beta", BETA_DEFAULT, BETA_LOW, BETA_HIGH)
kinds = list(SERIES_KINDS)
url.choice("ewma_series", kinds, "temperature", label=series_label)
url.integer("ewma_seed", 0, 0, 9999)
url.show_notices()

c1, c2, c3 = st.columns([3, 2, 1])
beta = c1.slider(
    t("page_ewma.beta.label"), BETA_LOW, BETA_HIGH, BETA_DEFAULT, step=0.001,
    format="%.3f", key="ewma_beta", bind=BIND, help=t("page_ewma.beta.help"),
)
kind = c2.selectbox(t("page_ewma.data"), kinds, format_func=series_label, key="ewma_series", bind=BIND)
seed = int(c3.number_input(t("page_ewma.seed"), 0, 9999, 0, key="ewma_seed", bind=BIND))

days, observed, truth, y_label = noisy_series(kind, 365, seed)
raw = ewma(observed, beta, bias_correction=False)
corrected = ewma(observed, beta, bias_correction=True)
window = effective_window(beta)
facts = ewma_facts(beta)
k_win = max(1, min(len(days), int(round(window))))
beyond = t("page_ewma.intro_beyond", n=len(days)) if facts.steps_to_1pct > len(days) else ""
intro_text = t(
    "page_ewma.intro", beta=float(beta), window=steps_text(window), share=facts.share_at_window,
    steps_1pct=facts.steps_to_1pct, beyond=beyond, step=k_win, raw=float(raw[k_win - 1]),
    corrected=float(corrected[k_win - 1]), truth=float(truth[k_win - 1]),
)

style = page_style()
revealed = lesson_box("ewma", float(beta), kind, int(seed))  # predict first (ui/predict.py)
withhold_until_revealed(intro, intro_text, revealed=revealed)
ewma_fig = ewma_figure(days, observed, raw, corrected, beta, truth=truth, y_title=text(y_label), style=style)
show_chart(ewma_fig, key="ewma_chart")

m1, m2, m3, m4 = st.columns(4)
m1.metric(t("page_ewma.metric.window"), steps_phrase(window))
m2.metric(t("page_ewma.metric.day1_data"), f"{observed[0]:.2f}")
m3.metric(t("page_ewma.metric.day1_raw"), f"{raw[0]:.2f}", help=t("page_ewma.metric.day1_raw_help"))
m4.metric(t("page_ewma.metric.day1_corrected"), f"{corrected[0]:.2f}", help=t("page_ewma.metric.day1_corrected_help"))

left, right = st.columns([3, 2])
with left:
    weights_fig = ewma_weights_figure(beta, style=style)
    show_chart(weights_fig, key="ewma_weights")
with right:
    why_window = "page_ewma.recipe.window_near" if facts.near_one_over_e else "page_ewma.recipe.window_far"
    st.markdown("\n\n".join((
        lesson_markdown("page_ewma.recipe.update"),
        lesson_markdown(why_window, beta=float(beta), window=steps_text(window), weight=facts.weight_at_window),
        lesson_markdown("page_ewma.recipe.fix"),
    )))

with st.expander(t("page_ewma.optimizers.title")):
    st.markdown(lesson_markdown("page_ewma.optimizers.body"))

caption_key = "page_ewma.caption.window" if window < len(days) else "page_ewma.caption.all"
st.caption(t(caption_key, kind=series_label(kind), n=len(days), seed=seed, window=steps_text(window)))
