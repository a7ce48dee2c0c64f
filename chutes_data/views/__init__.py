"""The pure data behind each page: frames shaped for a chart, a table or a fact list (no streamlit)."""
