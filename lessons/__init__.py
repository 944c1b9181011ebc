"""Lesson data (presets) shared by the pages: plain data, no Streamlit."""
