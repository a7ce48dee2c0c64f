"""Model detail: everything both APIs say about one model, addressable by ?chute_id=… or ?name=…"""

import pandas as pd
import streamlit as st

from chutes_data import calc, query, schema
from chutes_data import formatting as fmt
from chutes_data.textsafe import md_text, safe_readme
from chutes_data.views import changes as timeline
from ui import data, detail_view, history_chart, market, model_pick, nav, probe_view, sidebar, speed, use_it

catalog = data.catalog()
cur = sidebar.filters().currency
models = catalog.models
labels = model_pick.labels(models)
index_of = {labels[i]: i for i in models.index}
options = sorted(index_of, key=str.casefold)

# ---------------------------------------------------------------------------- which model
raw_id = st.query_params.get("chute_id")
raw_name = st.query_params.get("name")
has_id, has_name = "chute_id" in st.query_params, "name" in st.query_params
idx, matches = model_pick.find(models, chute_id=raw_id) if has_id else (None, 0)
if idx is None and has_name:
    idx, matches = model_pick.find(models, name=raw_name)


def _open_picked() -> None:
    i = index_of.get(st.session_state.get("detail_pick"))
    if i is None:
        return
    for key in ("chute_id", "name"):
        if key in st.query_params:
            del st.query_params[key]
    st.query_params.update(model_pick.detail_params(models.loc[i]))


st.session_state["detail_pick"] = labels[idx] if idx is not None else None
if idx is None:
    st.title("Model detail")
st.selectbox(
    "Model",
    options,
    index=None,
    key="detail_pick",
    on_change=_open_picked,
    placeholder="Pick a model…",
    label_visibility="collapsed" if idx is not None else "visible",
    help="Every model in the catalog; the URL follows your pick, so you can share it.",
)

if idx is None:
    if has_id or has_name:
        what, value = ("chute_id", raw_id) if has_id else ("name", raw_name)
        if isinstance(value, str) and value.strip():
            st.warning(
                f"No model with {what} “{md_text(value, 80)}” was found in the current "
                "catalog. It may have been removed, or the link is mistyped. Pick a model "
                "above.",
                icon=":material/search_off:",
            )
        else:
            st.warning(
                f"No model was found: the link's {what} is empty. Pick a model above.",
                icon=":material/search_off:",
            )
    else:
        st.info(
            "Pick a model above to see everything both APIs say about it: prices in USD and "
            "TAO, limits, hardware, the readme and a ready-to-run client snippet.",
            icon=":material/info:",
        )
else:
    r = models.loc[idx]
    chute_id = r["chute_id"] if isinstance(r["chute_id"], str) else None
    chute = (
        detail_view.source_row(catalog.chutes.frame, "chute_id", chute_id) if r["source"] != "v1" else None
    )
    v1 = detail_view.source_row(catalog.v1.frame, "v1_id", r["v1_id"])
    kind = calc.pricing(models.loc[[idx]]).iloc[0]
    hot, tee, public = (detail_view.flag(r[c]) for c in ("hot", "tee", "public"))

    st.title(md_text(r["name"], 150))
    if isinstance(r["tagline"], str) and r["tagline"].strip():
        st.markdown(f"*{md_text(r['tagline'], 300)}*")
    fam = query.family(r["name"])
    variants = (
        [
            j
            for j in models.index[query.families(models).eq(fam).fillna(False).to_numpy(dtype=bool)]
            if models.loc[j, "name"] != r["name"]
        ]
        if fam
        else []
    )
    if variants:  # the -TEE twin, -FP8, -turbo builds of the same model
        st.caption(
            f"Family **{md_text(fam, 120)}**: {len(variants)} other variant"
            f"{'s' if len(variants) != 1 else ''} of this model:"
        )
        with st.container(horizontal=True):
            for j in variants[:8]:
                st.page_link(
                    nav.MODEL_DETAIL,
                    label=md_text(labels[j], 80),
                    icon=":material/call_split:",
                    query_params=model_pick.detail_params(models.loc[j]),
                )
    if matches > 1:
        st.caption(
            f"{matches} chutes are named “{md_text(raw_name, 120)}”; this is the official one "
            "(else the one in both APIs, else the most used). The others:"
        )
        same = models[models["name"].astype("string").eq(str(raw_name)).fillna(False).to_numpy(dtype=bool)]
        with st.container(horizontal=True):
            for j in [j for j in same.index if j != idx][:6]:
                st.page_link(
                    nav.MODEL_DETAIL,
                    label=md_text(labels[j], 80),
                    icon=":material/arrow_forward:",
                    query_params=model_pick.detail_params(models.loc[j]),
                )

    # badges
    with st.container(horizontal=True, gap="small"):
        if isinstance(r["template"], str):
            st.badge(
                md_text(r["template"], 30), icon=":material/category:", color="blue", help="Chute template"
            )
        if hot is True:
            st.badge(
                f"hot · {detail_view.number(r['instances_active'])} instance(s)",
                icon=":material/local_fire_department:",
                color="orange",
            )
        elif hot is False:
            st.badge("cold", icon=":material/ac_unit:", color="gray")
        if tee is True:
            st.badge("TEE", icon=":material/lock:", color="violet", help="Trusted Execution Environment")
        if detail_view.flag(r["official"]):
            st.badge("official", icon=":material/verified:", color="green", help="Owned by user chutes")
        elif isinstance(r["owner"], str):
            st.badge(f"community · {md_text(r['owner'], 40)}", icon=":material/group:", color="gray")
        if public is True:
            st.badge("public", icon=":material/public:", color="gray")
        elif public is False:
            st.badge("private", icon=":material/lock_person:", color="gray")
        method = r["match_method"]
        if isinstance(method, str):
            score = (
                f" ({float(r['match_score']):.0f})"
                if pd.notna(r["match_score"]) and (method == "fuzzy" or r["match_score"] < 100)
                else ""
            )
            st.badge(
                f"joined by {md_text(method, 20)}{score}",
                icon=":material/join:",
                color="primary",
                help="How the /chutes/ and /v1/models entries were matched (fuzzy: score 0-100)",
            )
        else:
            st.badge(
                "only in /chutes/" if r["source"] == "chutes" else "only in /v1/models",
                icon=":material/join_inner:",
                color="gray",
            )

    # headline numbers
    with st.container(horizontal=True):
        if kind == "per_1m_tokens":
            for side in ("input", "output"):
                price = r[f"price_{side}_{cur}"]
                st.metric(
                    f"{side.capitalize()} /1M tokens",
                    fmt.price(price, cur),
                    border=True,
                    help=f"Exactly {fmt.money(price, cur)} per 1M {side} tokens",
                )
        elif kind in ("per_step", "per_request", "per_hour"):
            stem = {"per_step": "step", "per_request": "request", "per_hour": "hour"}[kind]
            st.metric(
                f"Price {calc.PRICING_LABELS[kind]}",
                fmt.price(r[f"price_{stem}_{cur}"], cur),
                border=True,
                help=f"Exactly {fmt.money(r[f'price_{stem}_{cur}'], cur)}",
            )
        else:
            st.metric("Price", "unknown", border=True)
        context = r["context_tokens"]
        st.metric(
            "Context",
            fmt.size(context),  # as the tables show it: 131K
            border=True,
            help="Advertised context (else the engine limit), tokens",
        )
        st.metric(
            "Max output",
            fmt.size(r["max_output_length"]),
            border=True,
        )
        st.metric("Hot instances", detail_view.number(r["instances_active"]), border=True)

    # speed and capacity (Chutes' own telemetry), and the user's own measurement
    st.subheader("Speed and capacity", divider="gray")
    speed.speed_section(catalog, r, key="detail_speed")
    probe_view.test_now(r, key="detail_probe")

    # prices, limits, hardware
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Prices", divider="gray")
        prices = detail_view.price_table(r, cur)
        if prices.empty:
            st.info("No published price for this model.", icon=":material/money_off:")
        else:
            st.dataframe(
                prices,
                hide_index=True,
                width="stretch",
                key="detail_prices",
                column_config={"price": "Price", "unit": "Unit", "usd": "USD", "tao": "TAO (τ)"},
                placeholder="—",
            )
            st.caption(
                "— means unknown, never free. /chutes/ prices win over /v1/models where both "
                "state one. The compute price per instance-hour applies to every chute."
            )
        st.subheader("Hardware", divider="gray")
        hw = {
            "GPUs it may run on": detail_view.listing(r["supported_gpus"]),
            "GPUs per instance": detail_view.number(r["gpu_count"]),
            "Min VRAM per GPU (GB)": detail_view.number(chute["min_vram_gb"]) if chute is not None else "—",
            "Instances (active / listed)": f"{detail_view.number(r['instances_active'])} / "
            f"{detail_view.number(r['instances_total'])}",
            "Regions (active)": detail_view.listing(r["regions"]),
        }
        detail_view.facts_table(hw, key="detail_hw")
    with right:
        st.subheader("Limits and capabilities", divider="gray")
        caps = {
            "Context length (advertised)": detail_view.number(r["context_length"]),
            "Engine limit (max_model_len)": detail_view.number(r["max_model_len"]),
            "Max output tokens": detail_view.number(r["max_output_length"]),
            "Quantization": r["quantization"] if isinstance(r["quantization"], str) else "—",
            "Input modalities": detail_view.listing(r["input_modalities"]),
            "Output modalities": detail_view.listing(r["output_modalities"]),
            "Features": detail_view.listing(r["supported_features"]),
            "Sampling parameters": detail_view.listing(v1["supported_sampling_parameters"])
            if v1 is not None
            else "—",
            "Engine": r["owned_by"] if isinstance(r["owned_by"], str) else "—",
            "Base checkpoint (root)": r["root"] if isinstance(r["root"], str) else "—",
            schema.INVOCATIONS_LABEL: detail_view.number(r["invocation_count"]),
        }
        detail_view.facts_table(caps, key="detail_caps")

    use_it.use_it_section(r, kind, chute_id, labels[idx])

    # what it is and what it costs elsewhere (models.dev, OpenRouter: issue 19)
    market.about_section(r, key="detail_about")
    market.elsewhere_section(catalog, r, key="detail_elsewhere")

    # readme
    readme = chute["readme"] if chute is not None else None
    if isinstance(readme, str) and readme.strip():
        st.subheader("Readme", divider="gray")
        with st.container(border=True):
            st.markdown(detail_view.demote_headings(safe_readme(readme)))
        st.caption("Written by the chute's owner. Links are shown but images are not loaded.")

    # history
    st.subheader("Price history", divider="gray")
    history = data.price_history(chute_id or str(r["name"]))
    fig = history_chart.price_step_figure(history, title=timeline.UNIT_AXIS.get(kind, "USD"), price_unit=kind)
    if fig is None:
        st.caption(
            "No price history for this model yet. History builds up as the app refreshes the "
            "live catalog: each change in price becomes a step here."
        )
    else:
        st.plotly_chart(fig, width="stretch", key="detail_history")

    # raw
    with st.expander("Raw fields from both APIs"):
        c1, c2 = st.columns(2)
        with c1:
            st.caption("`GET /chutes/` (normalized; readme above)")
            if chute is None:
                st.caption("Not listed in /chutes/.")
            else:
                st.json(detail_view.record(chute, drop=("readme",)), expanded=1)
        with c2:
            st.caption("`GET /v1/models` (normalized)")
            if v1 is None:
                st.caption("Not listed in /v1/models.")
            else:
                st.json(detail_view.record(v1), expanded=1)
