"""The reference page for the classroom benchmark: one slider and one small Plotly chart.

The cheapest Streamlit page that still does what every page of ours does (read a widget, draw
a chart), so the benchmark can report our figures as a ratio against it, measured in the same
run on the same machine: these machines are noisy, absolute times are not comparable.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="bare page", layout="wide")
lr = st.slider("learning rate", 0.01, 1.0, 0.1, 0.01)
x = np.linspace(-2.0, 2.0, 50)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=(1 - lr) * x**2)), use_container_width=True)
