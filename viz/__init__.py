"""Plain plotting functions (data in, plotly figures / HTML out) and the browser player.

Nothing here imports Streamlit except ``viz.player.player``, the component wrapper, so every
figure can be built in a notebook or a unit test.
"""
