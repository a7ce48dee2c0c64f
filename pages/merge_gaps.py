"""Merge gaps: how `/chutes/` and `/v1/models` were joined, and what only one of them lists.

Everything here comes from the merge report (`catalog.report`) of the whole catalog; the sidebar
filters do not apply. Tables are shaped by `chutes_data.views.gaps` and shown as plain text.
"""

import streamlit as st

from chutes_data.schema import INVOCATIONS_HELP, INVOCATIONS_LABEL
from chutes_data.views import gaps as diag
from ui import data, market_pages, tables
from ui.scores_view import gaps_section
from ui.sections import table_section

catalog = data.catalog()
report = catalog.report
models = catalog.models
cc = st.column_config
link = tables.detail_url
details_col = tables.details_column(help="This model's detail page")
score_col = cc.ProgressColumn("Score", format="%.1f", min_value=0.0, max_value=100.0)

st.title("Merge gaps")
st.caption(
    "How the two APIs were joined and what only one of them lists. This covers the whole "
    "catalog: the sidebar filters do not apply here."
)

with st.container(horizontal=True):
    st.metric("Chutes", f"{report.chutes_total:,}", border=True, help="Entries of GET /chutes/")
    st.metric("v1 models", f"{report.v1_total:,}", border=True, help="Entries of GET /v1/models")
    st.metric("Matched", f"{report.matched:,}", border=True, help="Chutes joined to a /v1/models entry")
    st.metric(
        "Only in /chutes/",
        f"{report.only_in_chutes:,}",
        border=True,
        help="Chutes with no /v1/models entry (expected for most: see below)",
    )
    st.metric(
        "Only in /v1/models",
        f"{report.only_in_v1:,}",
        border=True,
        help="/v1/models entries that match no listed chute",
    )

with st.container(border=True):
    st.markdown(
        "**Why one-sided rows are expected.** `/v1/models` lists only the *official*, "
        "*public* LLM chutes (template `vllm`, owner `chutes`) together with their "
        "engine details (context, modalities, features). `/chutes/` lists every chute: "
        "image (diffusion), embedding (tei, embedding) and custom chutes, and community "
        "chutes from any owner. So most chutes are only in `/chutes/`. An entry only in "
        "`/v1/models` usually means its chute is private, was renamed, or is not in the "
        "`/chutes/` page that was fetched."
    )

left, right = st.columns([5, 3])
with left:
    st.subheader("Joined by", divider="gray")
    st.dataframe(
        diag.method_frame(report),
        hide_index=True,
        width="stretch",
        column_config={
            "method": cc.TextColumn("Method", width="small"),
            "joined": cc.NumberColumn("Joined", format="%d", width="small"),
            "share": cc.ProgressColumn("Share of matched", format="percent", min_value=0.0, max_value=1.0),
            "how": cc.TextColumn("How", width="medium"),
        },
        placeholder="—",
    )
    st.caption(
        "Strongest evidence first: each step only sees what the earlier steps left. "
        "A context conflict shows the engine limit in the /chutes/ column."
    )
with right:
    st.subheader("Only in /chutes/", divider="gray")
    breakdown = diag.only_in_chutes_breakdown(models)
    st.dataframe(
        breakdown,
        hide_index=True,
        width="stretch",
        column_config={
            "template": cc.TextColumn("Template"),
            "official": cc.NumberColumn("Official", format="%d", help="Owner 'chutes'"),
            "community": cc.NumberColumn("Community", format="%d", help="Any other owner"),
            "total": cc.NumberColumn("Total", format="%d"),
        },
        placeholder="—",
    )
    st.caption(
        f"{report.unofficial_only_in_chutes:,} of {report.only_in_chutes:,} are community "
        "chutes, which `/v1/models` never lists."
    )

missing = diag.missing_official_llms(models, link)
with st.expander(f"Official LLM chutes not in /v1/models ({len(missing):,})", icon=":material/help:"):
    if missing.empty:
        st.caption("None: every official vllm chute has a /v1/models entry.")
    else:
        st.caption(
            "Official vllm chutes are the ones `/v1/models` could list; these are not there "
            "(often private, cold or without engine details). Most used first."
        )
        st.dataframe(
            missing,
            hide_index=True,
            width="stretch",
            column_config={
                "name": cc.TextColumn("Chute", width="large"),
                "hot": cc.CheckboxColumn("Hot"),
                "public": cc.CheckboxColumn("Public"),
                "invocations": cc.NumberColumn(INVOCATIONS_LABEL, format="compact", help=INVOCATIONS_HELP),
                "details": details_col,
            },
            placeholder="—",
        )

table_section(
    "Only in /v1/models",
    diag.only_in_v1_frame(models, report, link),
    {
        "v1_id": cc.TextColumn("v1 id", width="large"),
        "chute_id": cc.TextColumn("chute_id stated by v1", help="— when the entry carries none"),
        "context": cc.NumberColumn("Context", format="compact", help="Tokens"),
        "details": details_col,
    },
    count=report.only_in_v1,
    ok=True,
    empty="Every /v1/models entry matched a chute.",
)

table_section(
    "Conflicts",
    diag.conflicts_frame(report, link),
    {
        "name": cc.TextColumn("Model", width="medium"),
        "details": details_col,
        "field": cc.TextColumn("Field", help="Prices are USD per 1M tokens"),
        "chutes_value": cc.TextColumn("/chutes/ value"),
        "v1_value": cc.TextColumn("/v1/models value"),
        "note": cc.TextColumn("Note", width="medium"),
    },
    ok=True,
    empty="The two APIs agree on every field they both state.",
    note="Fields both APIs state and disagree on. Prices compare USD only (TAO moves with the "
    "rate between the two fetches); where both price a model, the /chutes/ price wins.",
)

cutoff, margin = report.fuzzy_cutoff, report.review_margin
table_section(
    "Fuzzy joins",
    diag.fuzzy_frame(report, link),
    {
        "v1_id": cc.TextColumn("v1 id", width="medium"),
        "name": cc.TextColumn("Joined to chute", width="medium"),
        "score": score_col,
        "details": details_col,
    },
    empty="No fuzzy join: every match was exact (id or name).",
    caption=f"Joined on similar names (rapidfuzz score ≥ {cutoff:g} of 100, and the same version "
    "numbers such as 32B or V3.1). Worth a glance: a wrong join would mix two models' data.",
)

table_section(
    "Near misses",
    diag.near_miss_frame(report, link),
    {
        "v1_id": cc.TextColumn("v1 id", width="medium"),
        "candidate": cc.TextColumn("Closest chute", width="medium"),
        "score": score_col,
        "reason": cc.TextColumn("Why not joined", width="large"),
        "details": tables.details_column("Candidate"),
    },
    empty="No near miss to review.",
    caption=f"Unmatched /v1/models entries with a candidate that almost joined (score from "
    f"{max(cutoff - margin, 0):g} up to {cutoff:g}, a version-number clash, or a tie). "
    "They were not joined.",
)

gaps_section(catalog)
market_pages.gaps_section(catalog)  # issue 19: no market match, and the refused market near misses
