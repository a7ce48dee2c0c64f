"""Changes: what moved between stored snapshots of the two APIs (history database).

Every successful fetch is kept as a snapshot in `history.sqlite` in the cache directory; events
(added, removed, price, hot/cold, context) are derived between consecutive snapshots of a source.
Tables are shaped by `chutes_data.views.changes`; price events are in USD (TAO is stored
beside). "This week" is the 7 days up to the newest capture (see chutes_data/views/changes.py).
The sidebar filters do not apply here (a removed model is in no current filter); the currency
toggle only changes the current prices of "New this week".
"""

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from chutes_data import formatting as fmt
from chutes_data.history.state import EVENT_KINDS
from chutes_data.textsafe import md_text
from chutes_data.views import changes as timeline
from ui import data, history_chart, sidebar, tables

cc = st.column_config
cur = sidebar.filters().currency
events = data.history_events()
snapshots = data.history_snapshots()
models = data.catalog().models
link = timeline.listed_link(models, tables.detail_url)  # removed models have no page to open
BACKFILL = "python -m chutes_data import-snapshots DIR --source v1"
PERIODS = {"7 days": 7, "30 days": 30, "90 days": 90, "All": None}
KIND_ICONS = {
    "added": ":material/add_circle:",
    "removed": ":material/remove_circle:",
    "price_changed": ":material/sell:",
    "status_changed": ":material/mode_heat:",
    "context_changed": ":material/straighten:",
}

st.title("Changes")
st.caption(
    "Models added and removed, price moves, hot/cold flips and context limits, found by "
    "comparing the snapshots the app keeps of every successful fetch (`history.sqlite` in "
    "the cache directory). The sidebar filters do not apply here."
)


def _when(ts: object) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M UTC")


def _history_caption() -> None:
    parts = []
    for source, group in snapshots.groupby("source", sort=True):
        first, last = group["captured_at"].min(), group["last_seen_at"].max()
        parts.append(
            f"{timeline.SOURCE_LABELS.get(source, md_text(source, 20))}: "
            f"{len(group):,} distinct snapshot{'s' if len(group) != 1 else ''} from "
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d} ({int(group['observations'].sum()):,} captures)"
        )
    newest = snapshots["last_seen_at"].max().to_pydatetime()
    st.caption(" · ".join(parts) + f" · newest capture {fmt.relative_time(newest, datetime.now(UTC))}.")


for notice in data.history_notices():  # a corrupt or unreadable database, said out loud
    st.warning(md_text(notice, 600), icon=":material/report:")

if snapshots.empty and events.empty:
    st.info(
        "**No history yet.** History builds up as the app refreshes: every successful fetch "
        "of `/chutes/` or `/v1/models` is kept as a snapshot, and this page lists what changed "
        "between them (after two fetches with a difference). To start with a past, backfill "
        "saved raw responses, one JSON file per capture:",
        icon=":material/history:",
    )
    st.code(BACKFILL, language="bash")
    st.caption("Then `python -m chutes_data changes` prints the same timeline in a terminal.")
else:
    _history_caption()
    if cur == "tao":
        st.caption(
            ":material/info: Changes and price history are in **USD**: they compare USD "
            "prices only (TAO prices are stored beside them, but move with the TAO/USD "
            "rate on every capture)."
        )

    # ------------------------------------------------------------------------ this week
    end = timeline.reference_time(snapshots, events)
    kpi = timeline.week_kpis(events, end)
    with st.container(horizontal=True):
        st.metric(
            "Events, last 7 days",
            f"{kpi['events']:,}",
            border=True,
            help="Every event in the 7 days up to the newest capture",
        )
        st.metric(
            "Added this week", f"{kpi['added']:,}", border=True, help="Models that appeared in a source"
        )
        st.metric(
            "Removed this week",
            f"{kpi['removed']:,}",
            border=True,
            help="Models that disappeared from a source",
        )
        st.metric(
            "Price moves this week",
            f"{kpi['price_moves']:,}",
            border=True,
            help="Models repriced (input and output moving together count once)",
        )
    stale = datetime.now(UTC) - end > timedelta(days=1)
    st.caption(
        f"This week = the 7 days up to the newest capture, {_when(end)}"
        + (" (the history has not been refreshed since)." if stale else ".")
    )

    st.subheader("New this week", divider="gray")
    new = timeline.new_models(events, end, models, cur, tables.detail_url)
    if new.empty:
        st.caption("No model was added in the 7 days up to the newest capture.")
    else:
        money, unit = tables.price_format(cur), fmt.currency_unit(cur)  # as the Models table
        new_config = {
            "model": cc.TextColumn("Model", width="large"),
            "added": cc.DatetimeColumn("Added (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"),
            "source": cc.TextColumn("Seen in", width="small"),
            "listed": cc.CheckboxColumn("In catalog now", help="Listed in the catalog loaded now"),
            "price_input": cc.NumberColumn(
                "Input /1M now", format=money, help=f"{unit} per 1M input tokens, current catalog"
            ),
            "price_output": cc.NumberColumn(
                "Output /1M now", format=money, help=f"{unit} per 1M output tokens, current catalog"
            ),
            "details": tables.details_column(),
        }
        st.dataframe(
            new,
            hide_index=True,
            width="stretch",
            column_config=new_config,
            column_order=[c for c in new.columns if new[c].notna().any()],
            placeholder="—",
        )

    # ------------------------------------------------------------------------ timeline
    st.subheader("Timeline", divider="gray")
    if events.empty:
        st.info(
            "Nothing has changed yet between the stored snapshots. New events show here as "
            "soon as a fetch differs from the one before it.",
            icon=":material/hourglass_empty:",
        )
    else:
        counts = timeline.kind_counts(events)  # price: moves, counted as the tile above counts them
        with st.container(horizontal=True, vertical_alignment="bottom"):
            kinds = st.pills(
                "Kind",
                EVENT_KINDS,
                selection_mode="multi",
                key="chg_kinds",
                format_func=lambda k: f"{KIND_ICONS[k]} {timeline.KIND_NAMES[k]} · {counts.get(k, 0)}",
                help="None selected: every kind",
            )
            picked = st.multiselect(
                "Model",
                timeline.model_names(events),
                key="chg_model",
                placeholder="All models",
                width=420,
                help="Most recently changed first",
            )
            period = st.segmented_control(
                "Period",
                list(PERIODS),
                key="chg_period",
                default="All",
                required=True,
                help="Up to the newest capture",
            )
        days = PERIODS.get(period or "All")
        since = end - timedelta(days=days) if days else None
        # "What changed since…" (in the URL as ?since=YYYY-MM-DD, so it can be bookmarked):
        # events after that day are marked new; by default, since the snapshot before the current
        previous = timeline.previous_snapshot_time(snapshots)
        first = pd.Timestamp(events["at"].min()).date()
        since_day = st.date_input(
            "What changed since",
            value=(previous or end).date(),
            key="since",
            bind="query-params",
            min_value=first - timedelta(days=1),
            max_value=end.date(),
            format="YYYY-MM-DD",
            width=220,
            help="Events after the start of this day (UTC) are marked **new**. The "
            "default is the day of the snapshot before the current one.",
        )
        if previous is not None and since_day == previous.date():
            mark = previous  # the default: exactly the snapshot before the current one
        else:
            mark = datetime.combine(since_day, datetime.min.time(), UTC) if since_day else previous
        shown = timeline.filter_events(events, kinds, picked, since)
        table = timeline.timeline_frame(shown, link, since=mark)
        n_new = int(table["new"].sum()) if "new" in table.columns else 0
        st.caption(
            f"{len(table):,} of {len(events):,} events, newest first; {n_new:,} new since "
            f"{mark:%Y-%m-%d} (marked). Prices are USD."
            if mark is not None
            else f"{len(table):,} of {len(events):,} events, newest first. Prices are USD."
        )
        if table.empty:
            st.info("No event matches these filters.", icon=":material/filter_alt_off:")
        else:
            timeline_config = {
                "at": cc.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"),
                "new": cc.CheckboxColumn("New", width="small", help="After the 'What changed since' day"),
                "kind": cc.TextColumn("Kind"),
                "model": cc.TextColumn("Model", width="large"),
                "field": cc.TextColumn("What"),
                "change": cc.TextColumn(
                    "Old → new",
                    width="medium",
                    help="USD for prices, with the relative change; — means not advertised",
                ),
                "source": cc.TextColumn("Source"),
                "details": tables.details_column(
                    help="The model's detail page, for models in the catalog now"
                ),
            }
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                height=min(38 + 35 * len(table), 500),
                column_config=timeline_config,
                column_order=[c for c in table.columns if table[c].notna().any()],
                placeholder="—",
            )

    # ------------------------------------------------------------------------ price history
    st.subheader("Price history", divider="gray")
    priced = timeline.priced_models(events)
    if priced.empty:
        st.caption("No price has moved in the stored history yet.")
    else:
        labels = priced["label"].tolist()
        choice = st.selectbox(
            "Model",
            labels,
            key="chg_price_model",
            help="Models with at least one price move, most recent move first",
        )
        row = priced.iloc[labels.index(choice) if choice in labels else 0]
        price_unit = row["unit"]
        fig = history_chart.price_step_figure(
            data.price_history(row["key"], source=row["source"]),
            price_unit=price_unit,
            title=f"{row['name']}: {timeline.UNIT_AXIS.get(price_unit, 'USD')}",
            height=380,
        )
        if fig is None:
            st.caption("No stored prices for this model.")
        else:
            fig.update_layout(
                yaxis_title=timeline.UNIT_AXIS.get(price_unit, "USD"), xaxis_title="Snapshot time (UTC)"
            )
            st.plotly_chart(fig, width="stretch", key="chg_price_chart")
            st.caption(
                f"{row['moves']} repricing{'s' if row['moves'] != 1 else ''} "
                f"({row['price_moves']} price move{'s' if row['price_moves'] != 1 else ''}, "
                "cache read included), the last on "
                f"{_when(row['last_move'])} ({row['last_fields']}). A step holds from "
                "the snapshot that first showed a price until the next change; markers "
                "are stored snapshots. In USD"
                + (" (the TAO toggle does not apply to history)." if cur == "tao" else ".")
            )
