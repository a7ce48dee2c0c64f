"""One formatter for money, sizes, changes and times: the rules of chutes_data/formatting.py,
including the new user's list of issue 22 ("$1" beside "$0.2989", "$900.0000" per day, 131k vs
131K, "↓ -43%", a future timestamp shown as "just now")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from chutes_data import formatting as fmt

NOW = datetime(2026, 12, 8, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    "value,text",
    [
        (1, "$1.00"),
        (0.5, "$0.50"),
        (0.2989, "$0.2989"),
        (0.29891234, "$0.2989"),
        (3.25, "$3.25"),
        (12.3456, "$12.35"),  # 4 significant digits
        (0.1, "$0.10"),
        (0.00275, "$0.00275"),
        (0, "$0.00"),
        (1234.5, "$1,234.50"),
        (-0.5, "-$0.50"),
        (None, "—"),
        (float("nan"), "—"),
        (pd.NA, "—"),
        (float("inf"), "—"),
        ("abc", "—"),
    ],
)
def test_a_price_has_2_to_4_decimals_at_4_significant_digits(value, text):
    assert fmt.price(value) == text


def test_tiny_tao_prices_keep_their_4_digits_and_never_use_exponents():
    assert fmt.price(0.000012826, "tao") == "0.00001283 τ"
    assert fmt.price(1e-12, "tao") == "0.0000000000 τ"  # capped at 10 decimals, still no `e-12`
    assert "e" not in fmt.price(1e-7, "usd")


def test_a_column_of_prices_shares_its_decimals():
    column = fmt.price_column([1, 0.5, 0.2989, None, 2.0], "usd")
    assert column == ["$1.0000", "$0.5000", "$0.2989", "—", "$2.0000"]
    assert {len(t.partition(".")[2]) for t in column if t != "—"} == {4}
    assert fmt.price_column([1, 0.5]) == ["$1.00", "$0.50"]
    assert fmt.price_column([]) == []
    assert fmt.price_printf([1, 0.2989]) == "$%.4f" and fmt.price_printf([1, 0.5]) == "$%.2f"
    assert fmt.price_printf([0.000012826], "tao") == "%.8f τ"
    assert fmt.price_printf(pd.Series([np.nan, 3.1])) == "$%.2f"


@pytest.mark.parametrize(
    "value,currency,text",
    [
        (900, "usd", "$900.00"),
        (27000, "usd", "$27,000.00"),
        (1200, "usd", "$1,200.00"),
        (0.004, "usd", "< $0.01"),
        (0.005, "usd", "$0.01"),
        (0, "usd", "$0.00"),
        (1234.56789, "tao", "1,234.5679 τ"),
        (0.00001, "tao", "< 0.0001 τ"),
        (None, "usd", "—"),
    ],
)
def test_amounts_have_thousands_separators_and_fixed_decimals(value, currency, text):
    assert fmt.amount(value, currency) == text


def test_amount_and_price_take_a_unit_suffix():
    assert fmt.amount(27000, "usd", " per month") == "$27,000.00 per month"
    assert fmt.price(0.5, "usd", unit=" /1M") == "$0.50 /1M"


@pytest.mark.parametrize(
    "value,text",
    [
        (512, "512"),
        (999, "999"),
        (1000, "1K"),
        (8192, "8.2K"),
        (32768, "33K"),
        (131072, "131K"),
        (163840, "164K"),
        (999_499, "999K"),
        (999_500, "1M"),
        (1_048_576, "1M"),
        (1_500_000, "1.5M"),
        (2_000_000_000, "2B"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_sizes_read_as_the_tables_compact_format(value, text):
    assert fmt.size(value) == text


@pytest.mark.parametrize(
    "value,text,direction",
    [
        (-0.43, "↓ 43%", "down"),
        (0.12, "↑ 12%", "up"),
        (0.0, "→ 0%", "off"),
        (0.004, "→ 0%", "off"),
        (-0.005, "↓ 1%", "down"),
        (2.5, "↑ 250%", "up"),
        (None, "—", "off"),
    ],
)
def test_a_percent_change_carries_its_sign_in_the_arrow(value, text, direction):
    assert fmt.percent_change(value) == text
    assert "-" not in fmt.percent_change(value)
    assert fmt.change_direction(value) == direction
    if value is not None:
        assert fmt.percent_change(value, arrow=False) == text.split(" ")[-1]


@pytest.mark.parametrize(
    "at,text",
    [
        (NOW - timedelta(hours=3), "3 hours ago"),
        (NOW - timedelta(seconds=20), "just now"),
        (NOW + timedelta(seconds=30), "just now"),  # a little skew is not worth a flag
        (NOW + timedelta(hours=10), "in 10 hours (in the future — clock skew?)"),
        (NOW + timedelta(days=2, hours=1), "in 2 days (in the future — clock skew?)"),
        (None, "—"),
    ],
)
def test_relative_times_flag_the_future(at, text):
    assert fmt.relative_time(at, NOW) == text


def test_human_age_no_longer_hides_a_future_time_as_just_now():
    assert fmt.human_age(-36000) == "in 10 hours (in the future — clock skew?)"
    assert fmt.human_age(float("nan")) == "—" and fmt.human_age(None) == "—"
    assert fmt.human_age(120) == "2 minutes ago"
