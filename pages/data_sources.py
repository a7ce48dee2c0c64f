"""Data sources: where each API's data came from, how fresh it is, and the settings in effect.

The API key is never shown, not even in part: only whether one is configured. Errors and
warnings pass through `diagnostics.scrub` (key redacted, URL credentials masked) and `md_text`.
"""

from datetime import UTC, datetime

import streamlit as st

from chutes_data.sources.cache import DiskCache
from chutes_data.sources.registry import LABELS as SOURCE_LABELS
from chutes_data.textsafe import md_text
from chutes_data.views import sources as diag
from ui import data, market, speed
from ui.scores_view import sources_section

catalog = data.catalog()
settings = data.settings()
secret = settings.api_key  # used only to redact; never displayed
now = datetime.now(UTC)

ORIGIN_HELP = {
    "live": "fetched from the API on this load",
    "cache": "read from the disk cache (fetched earlier, within the TTL or kept as last good)",
    "sample": "the bundled synthetic sample (offline mode, or no live/cached data at all)",
    "file": "read from a saved file",
    "none": "no data: the fetch failed and there is no cached snapshot",
}

FACTS = {
    "state": "state",
    "fetched_at": "fetched at",
    "ttl": "cache TTL",
    "fresh": "freshness",
    "complete": "complete",
    "stale": "stale",
    "error": "last error",
}

head, button = st.columns([4, 1], vertical_alignment="bottom")
head.title("Data sources")
if button.button(
    "Refresh now",
    icon=":material/refresh:",
    key="src_refresh",
    width="stretch",
    help="Refetch both APIs now, ignoring the cache TTL.",
):
    data.request_refresh()
    st.rerun()
st.caption(
    f"Catalog built {catalog.generated_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC. "
    + (
        "Offline mode: a refresh reloads the bundled sample."
        if settings.offline
        else "A refresh that fails keeps the last good snapshot, marked stale."
    )
)

cols = st.columns(2)
for col, (name, source) in zip(cols, catalog.sources.items(), strict=True):
    s = source.status
    facts = diag.source_facts(s, now, secret, diag.recorded_error(settings, name), settings=settings)
    with col.container(border=True):
        st.subheader(SOURCE_LABELS.get(name, name))
        with st.container(horizontal=True):
            st.metric("Origin", s.origin, border=True, help=ORIGIN_HELP.get(s.origin))
            st.metric("Entries", facts["count"], border=True)
            st.metric("Age", facts["age"], border=True, help="Since the data was fetched")
        st.dataframe(
            [{"fact": label, "value": facts[key]} for key, label in FACTS.items()],
            hide_index=True,
            width="stretch",
            column_config={
                "fact": st.column_config.TextColumn("Fact", width="small"),
                "value": st.column_config.TextColumn("Value", width="large"),
            },
            placeholder="—",
        )
        if s.error:
            st.warning(md_text(diag.scrub(s.error, secret), limit=500), icon=":material/error:")
        available = s.origin in ("live", "cache", "sample")
        st.download_button(
            f"Raw {SOURCE_LABELS.get(name, name)} payload (JSON)",
            lambda name=name, origin=s.origin: data.raw_payload_bytes(name, origin) or b"",
            file_name=f"chutes-{name}-{s.origin}.json",
            mime="application/json",
            icon=":material/download:",
            disabled=not available,
            key=f"src_raw_{name}",
            on_click="ignore",
            help=(
                "The response body as stored (cache files wrap it with fetched_at)."
                if available
                else "No stored payload for this origin."
            ),
        )

speed.sources_section(catalog, settings, now)
market.sources_section(catalog, settings, now)

# Where data is kept: the cache directory must be writable, or nothing is kept between starts
problem = DiskCache(settings.cache_dir).probe()
if problem:
    st.warning(
        md_text(
            f"Cache directory {settings.cache_dir} is not writable: {problem}. Fetched "
            "data is not kept (every start refetches) and no history builds up.",
            600,
        ),
        icon=":material/folder_off:",
    )
else:
    st.caption(f":material/folder: Cache directory {md_text(settings.cache_dir, 300)}: writable.")
for notice in data.history_notices():
    st.warning(md_text(notice, 600), icon=":material/report:")

st.subheader("Settings in effect", divider="gray")
st.dataframe(
    diag.settings_rows(settings),
    hide_index=True,
    width="stretch",
    column_config={
        "setting": st.column_config.TextColumn("Setting", width="medium"),
        "value": st.column_config.TextColumn("Value", width="large"),
        "env": st.column_config.TextColumn("Variable", width="medium"),
    },
    placeholder="—",
)
warnings = list(dict.fromkeys((*settings.warnings, *catalog.warnings)))
if warnings:
    for w in warnings:
        st.warning(md_text(diag.scrub(w, secret), limit=500), icon=":material/settings:")
else:
    st.caption("No settings warnings.")

with st.expander("How to configure", icon=":material/tune:"):
    st.markdown(
        "Set the variables listed above in one of these places:\n\n"
        "- **environment variables** of the `streamlit run` process;\n"
        "- **`.streamlit/secrets.toml`**: Streamlit exports its root-level keys as environment "
        "variables (copy `.streamlit/secrets.toml.example`; never commit the real file);\n"
        "- a **`.env`** file in the project folder (environment variables win over it).\n\n"
        "An API key is optional: without one the dashboard shows public chutes only. "
        "The key is sent only to the API, never written to the cache and never shown here."
    )
    st.code(
        'CHUTES_API_KEY = "cpk_..."\nCACHE_DURATION_MINUTES = "10"\nCHUTES_HTTP_TIMEOUT = "20"',
        language="toml",
    )

sources_section(catalog)
