"""Streamlit glue shared by the pages: cached loaders, the sidebar, the banner, column configs.

Pages import from here and only lay out; `chutes_data` stays free of streamlit.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Routing guard. Because a `pages/` folder sits beside dashboard.py, Streamlit starts every server
# in its legacy "pages directory" mode and only leaves it once dashboard.py calls st.navigation.
# A deep link (say /calculator) opened before anyone visited / would run the page alone, outside
# the router (no sidebar, no banner, a foreign navigation). Every page imports `ui`, so the first
# such run switches the legacy mode off and reruns through dashboard.py, the real router.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
