"""Streamlit glue shared by the pages: cached loaders, the sidebar, the banner, column configs.

Pages import from here and only lay out; `chutes_data` stays free of streamlit. (The legacy-pages
guard lives in one place: the server branch of dashboard.py, before the first session.)
"""
