"""Descent: entry point (placeholder until the Compare page lands)."""
import streamlit as st

st.set_page_config(page_title="Descent", page_icon="⛰️", layout="wide")
st.title("Descent")
