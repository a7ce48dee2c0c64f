"""Chutes Model Explorer: the entrypoint, the router, and the server.

One file, two roles (see shared/reference/streamlit-app-server.md):

* Every script run of the page executes this file as `__main__`: set the page config, load the
  catalog, draw the shared sidebar, the data-source banner and the live-update check, then run
  the page chosen in the navigation. Pages in `pages/` only lay out.
* `streamlit run dashboard.py` (and `make run`) finds `app = st.App(...)` below and has uvicorn
  import this file as a module (`__name__ == "dashboard"`): the same server then also serves the
  JSON API under `/api/` and runs the background refresher and webhooks (`chutes_data.service`).
"""

import streamlit as st

# An emoji favicon is drawn from an inline SVG; a `:material/…:` one is fetched from
# fonts.gstatic.com, which fails offline (issue 22: no request leaves the machine).
FAVICON = "🪂"

if __name__ == "__main__":
    from ui import banner, data, live, nav, sidebar, url_note

    st.set_page_config(page_title="Chutes Model Explorer", page_icon=FAVICON, layout="wide")

    page = nav.navigation()
    catalog = data.catalog()
    banner.warn_public_bind(data.settings().has_key)  # in the server log: a key on a public bind
    note = url_note.start()  # before any bound widget drops an invalid value from the URL
    filtered = nav.shows_filters(page)
    later = sidebar.deferred(nav.is_models(page), catalog.models)  # a first visit: the table first
    if not later:
        sidebar.render(catalog.models, show_filters=filtered)
    banner.banner(catalog, data.settings())
    if not later:
        live.freshness()
    page.run()
    url_note.finish(note)
    if later:
        sidebar.draw_soon()
else:
    # The server import (uvicorn, once per process). Nothing here may read settings: secrets are
    # exported only when the lifespan starts. `ui` is not imported here (its modules read
    # settings at import and need a script run).
    from streamlit.runtime.pages_manager import PagesManager

    from chutes_data.service import server

    # Legacy-pages guard, set before the first session: with a `pages/` folder beside this file,
    # Streamlit would start in its "pages directory" mode, and a first request for a deep link
    # (say /calculator) would run that page alone, outside the router. Private API: the browser
    # test of a fresh server's first deep link (tests/test_server.py) fails loudly if Streamlit
    # changes it.
    PagesManager.uses_pages_directory = False

    bind = (st.get_option("server.address"), st.get_option("server.port"))  # for Host checks and links
    app = st.App(
        __file__, routes=server.routes(), middleware=server.middleware(bind), lifespan=server.lifespan
    )
