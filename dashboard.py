"""Chutes Model Explorer: the entrypoint and router.

Sets the page config, loads the cached catalog, draws the shared sidebar and the data-source
banner, then runs the page chosen in the navigation. Pages in `pages/` only lay out.
Run with `make run` (or `streamlit run dashboard.py`).
"""

import streamlit as st

from ui import banner, data, sidebar

st.set_page_config(page_title="Chutes Model Explorer", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Explore": [
        st.Page("pages/models.py", title="Models", icon=":material/table_view:", url_path="models",
                default=True),
        st.Page("pages/charts.py", title="Charts", icon=":material/monitoring:", url_path="charts"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:",
                url_path="compare"),
        st.Page("pages/calculator.py", title="Calculator", icon=":material/calculate:",
                url_path="calculator"),
        st.Page("pages/model_detail.py", title="Model detail", icon=":material/info:",
                url_path="model_detail"),
    ],
    "Data": [
        st.Page("pages/changes.py", title="Changes", icon=":material/history:", url_path="changes"),
        st.Page("pages/merge_gaps.py", title="Merge gaps", icon=":material/join:",
                url_path="merge_gaps"),
        st.Page("pages/data_sources.py", title="Data sources", icon=":material/database:",
                url_path="data_sources"),
    ],
}

page = st.navigation(PAGES, position="top")
catalog = data.catalog()
sidebar.render(catalog.models)
banner.banner(catalog)
page.run()
