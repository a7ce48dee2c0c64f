"""Chutes Model Explorer: the entrypoint and router.

Sets the page config, loads the cached catalog, draws the shared sidebar and the data-source
banner, then runs the page chosen in the navigation. Pages in `pages/` only lay out.
Run with `make run` (or `streamlit run dashboard.py`).
"""

import streamlit as st

from ui import banner, data, nav, sidebar, url_note

st.set_page_config(page_title="Chutes Model Explorer", page_icon=":material/hub:", layout="wide")

page = nav.navigation()
catalog = data.catalog()
banner.warn_public_bind(data.settings().has_key)  # in the server log: a key on a public bind
note = url_note.start()  # before any bound widget drops an invalid value from the URL
sidebar.render(catalog.models, show_filters=nav.shows_filters(page))
banner.banner(catalog)
page.run()
url_note.finish(note)
