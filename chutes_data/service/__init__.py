"""The live service: a background refresher, the JSON API, Server-Sent Events, change webhooks.

Pure (no streamlit): `dashboard.py` mounts `server.routes()` and `server.lifespan` on its
`st.App`; `python -m chutes_data watch` runs the same `Service` without the UI. The running
service of a process is `current()` (the dashboard's pages read their snapshot from it).
"""

from .runtime import Service, current

__all__ = ["Service", "current"]
