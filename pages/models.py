"""Models: the merged catalog under the sidebar's filters, with KPIs and downloads."""

from datetime import UTC, datetime

import streamlit as st

from chutes_data import export
from chutes_data import formatting as fmt
from chutes_data.filters import BY_NAME, DEFAULT_SORT
from chutes_data.query import (
    SORT_KEYS,
    SORT_LABELS,
    kpis,
    telemetry_kpis,
    view_record,
)
from chutes_data.textsafe import md_text
from ui import data, model_pick, nav, shared_views, sidebar, tables, url_state
from ui.routing_view import route_section

catalog = data.catalog()
filters = sidebar.filters()
cur = filters.currency

st.title("Models on Chutes")
st.caption(
    "Every chute from /chutes/ joined with the official LLMs of /v1/models. "
    "Filter in the sidebar; the URL keeps your view, so you can share it."
)

# The first screen is kept light (issue 12: each element kind loads and lays out its own
# component before the grid can paint): the KPIs are one line, not five metric cards, and the
# downloads wait in a popover. The line is laid out here but filled after the table: Streamlit
# sends elements in call order, so the grid (what a visitor waits for) reaches the browser first.
kpi_line = st.empty()

# Sort with the widget's value: session_state["sort"] is not seeded from the URL until the
# selectbox is drawn, so reading it earlier ignored a shared link's sort on the first load.
# In a popover: its widgets are drawn only when it is opened, so the first paint does not load
# and lay out the select box and number input before the grid (issue 12). Its label stays fixed
# (a new label re-creates it, closed); the caption under the table says the sort in force.
controls = st.container(horizontal=True)
downloads = controls.container(width="content")  # filled after the table, left of Sort
with controls.popover("Sort & blend", icon=":material/sort:"):
    # The URL holds the sort's key (?sort=price_in), the widget its label (ui/url_state.py).
    url_state.seed("sort", "sort", SORT_LABELS, DEFAULT_SORT)
    sort = st.selectbox(BY_NAME["sort"].label, list(SORT_LABELS.values()), key="sort")
    sort_key = SORT_KEYS.get(sort, DEFAULT_SORT)
    url_state.write("sort", "sort", sort_key, DEFAULT_SORT)
    blend = BY_NAME["blend"]
    ratio = st.number_input(
        blend.label,
        min_value=blend.minimum,
        max_value=blend.maximum,
        step=1.0,
        value=blend.default,
        key=blend.url,
        bind="query-params",
        format="%g",
        help=blend.help,
    )
# Shared between sessions under the server (ui/shared_views.py): nothing per session to keep.
view = shared_views.models_view(catalog.models, filters, sort_key, cur, ratio)


@st.fragment
def models_table() -> None:
    """The table and the link to the selected row: picking a row reruns only this, not the
    sidebar, the KPIs and the downloads."""
    if view.empty:
        st.info(
            "No model matches these filters. Loosen a filter or clear them all in the sidebar.",
            icon=":material/search_off:",
        )
        return
    shown = shared_views.table_frame(view, filters, sort_key, cur, ratio)
    selection = st.dataframe(
        shown,
        column_config=tables.column_config(cur, ratio, shown),  # each price column's decimals
        hide_index=True,
        placeholder="—",
        width="stretch",
        height=min(640, 35 * (len(view) + 1) + 3),
        on_select="rerun",
        selection_mode="single-row",
        key="models_table",
    )
    rows = selection.selection.rows if selection else []
    if rows:
        picked = view.iloc[rows[0]]
        st.page_link(
            nav.MODEL_DETAIL,
            label=f"Details of {md_text(picked['name'])}",
            icon=":material/arrow_forward:",
            query_params=model_pick.detail_params(picked),
        )
    else:
        blended = f", blended at {ratio:g}:1" if sort_key == "blended" else ""  # the ratio only matters then
        st.caption(
            f"Sorted by **{md_text(sort)}**{blended} (**Sort & blend** above). Select a row to "
            "open its details, or use the **Open** links."
        )


models_table()

k = kpis(view, cur)  # the view's rows, sorted: the same numbers
speed = telemetry_kpis(view)
median_tps = "—" if speed["median_tps"] is None else f"{speed['median_tps']:,.0f} tok/s"
kpi_line.markdown(
    f"**{k['shown']:,}** of {len(catalog.models):,} models shown · **{k['hot']:,}** hot now · "
    f"median input **{md_text(fmt.price(k['median_input_price'], cur, unit=' /1M'))}** · "
    f"largest context **{fmt.size(k['max_context'])}** · median speed **{median_tps}**",
    help=f"**Hot**: at least one active, verified instance. **Median input**: exactly "
    f"{md_text(fmt.money(k['median_input_price'], cur, ' per 1M input tokens'))}. **Median "
    f"speed**: 7-day output tokens/s of the {speed['with_speed']:,} models in this view with "
    "a known speed.",
)

# Files are built only when a button is clicked, and a click does not rerun the page (a rerun
# racing the download could replace the file it is fetching).
with downloads.popover("Download", icon=":material/download:"):
    button = {"icon": ":material/download:", "on_click": "ignore", "width": "stretch"}
    st.download_button(
        "This view (CSV)",
        lambda: export.to_csv(view),
        "chutes-models-view.csv",
        "text/csv",
        disabled=view.empty,
        **button,
    )
    st.download_button(
        "This view (JSON)",
        lambda: export.to_json(
            export.document(
                catalog,
                view,
                view={**view_record(filters, sort_key), "blend_ratio": ratio},
                settings=data.settings(),
            )
        ),
        "chutes-models-view.json",
        "application/json",
        disabled=view.empty,
        **button,
    )
    st.download_button(
        "This view (Markdown)",
        lambda: tables.markdown_view(
            shared_views.table_frame(view, filters, sort_key, cur, ratio), cur, datetime.now(UTC)
        ),
        "chutes-models-view.md",
        "text/markdown",
        disabled=view.empty,
        help="The table as shown, for pasting into an issue or a doc",
        **button,
    )
    st.download_button(
        "Everything (CSV)", lambda: export.to_csv(catalog.models), "chutes-models.csv", "text/csv", **button
    )
    st.download_button(
        "Everything (JSON)",
        lambda: export.to_json(export.document(catalog, settings=data.settings())),
        "chutes-models.json",
        "application/json",
        **button,
    )
    st.caption(
        "JSON follows the `python -m chutes_data export` format (sources, merge report, "
        "rows). CSV cells that a spreadsheet would run as a formula are neutralized."
    )

route_section(catalog.models, "models", filters, ratio)
