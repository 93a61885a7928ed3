"""The charts draw what the results frame says: heights, labels, colours, and words when empty."""

from __future__ import annotations

import copy
import inspect
import re
import time
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox
from results_factory import (
    bar_boxes,
    drawn,
    figure_texts,
    make_results,
    overlaps,
    sent_within,
    text_boxes,
    tick_boxes,
)

from itnivoice_nb import _reporting as plots
from itnivoice_nb import _reporting as reporting
from itnivoice_nb._outcomes import OUTCOME_COLORS, OUTCOME_DTYPE, OUTCOMES, RECORD_COLUMNS
from itnivoice_nb._reporting import (
    NO_RECORDS,
    NOT_SUBMITTED,
    plot_by_country,
    plot_call_results,
    plot_cost,
    plot_durations,
    plot_failure_reasons,
    plot_funnel,
    plot_outcomes,
    plot_responses,
    plot_timeline,
    report,
)

ALL_CHARTS = (
    plot_outcomes,
    plot_failure_reasons,
    plot_by_country,
    plot_timeline,
    plot_call_results,
    plot_durations,
    plot_cost,
    plot_funnel,
    plot_responses,
)
RECORD_CHARTS = (plot_call_results, plot_durations, plot_cost, plot_responses)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """3,000 rows with call records; module-scoped, so tests must not (and do not) change it."""
    return make_results(3000, seed=7, with_records=True)


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    """2,000 rows straight from send: no call records yet."""
    return make_results(2000, seed=3)


def frame(outcomes: list[str], **columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": pd.Series(outcomes, dtype=OUTCOME_DTYPE), **columns})


def hexes(patches: list) -> list[str]:  # type: ignore[type-arg]
    return [to_hex(p.get_facecolor()) for p in patches]


def containers(ax: Axes) -> dict[str, BarContainer]:
    return {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}


def tick_texts(labels: list) -> list[str]:  # type: ignore[type-arg]
    return [t.get_text() for t in labels]


def center_text(ax: Axes) -> str:
    return " ".join(t.get_text() for t in ax.texts)


# --------------------------------------------------------------------------- plot_outcomes


def test_outcome_bars_are_the_counts_in_outcome_order_with_fixed_colours(
    records: pd.DataFrame,
) -> None:
    expected = records["outcome"].astype(str).value_counts().reindex(OUTCOMES, fill_value=0)
    ax = plot_outcomes(records)
    assert [p.get_height() for p in ax.patches] == expected.tolist()
    assert [t.replace("\n", "_") for t in tick_texts(ax.get_xticklabels())] == list(OUTCOMES)
    assert hexes(ax.patches) == [OUTCOME_COLORS[o].lower() for o in OUTCOMES]
    assert "3,000" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.texts]
    submitted = expected["submitted"]
    assert f"{submitted:,}\n{submitted / 3000:.1%}" in labels


def test_outcome_bars_include_zero_outcomes() -> None:
    ax = plot_outcomes(frame(["submitted", "submitted", "failed"]))
    assert [p.get_height() for p in ax.patches] == [2, 0, 1] + [0] * (len(OUTCOMES) - 3)


def test_outcome_by_group_stacks_to_the_group_sizes(records: pd.DataFrame) -> None:
    segment = records["segment"].astype(object).fillna("(missing)")
    table = pd.crosstab(segment, records["outcome"].astype(str))
    groups = ["retail", "vip", "wholesale", "(missing)"]
    ax = plot_outcomes(records, by="segment")

    ticks = tick_texts(ax.get_yticklabels())
    assert [t.split("  ")[0] for t in ticks] == groups
    sizes = segment.value_counts()
    assert ticks[0] == f"retail  n={sizes['retail']:,}"

    bars = containers(ax)
    assert list(bars) == [o for o in OUTCOMES if o in table.columns]
    for name, container in bars.items():
        assert [p.get_width() for p in container] == table.loc[groups, name].tolist()
        assert set(hexes(list(container))) == {OUTCOME_COLORS[name].lower()}
    stacked = np.sum([[p.get_width() for p in c] for c in bars.values()], axis=0)
    assert stacked.tolist() == sizes[groups].tolist()
    # the share of the biggest segment is written inside it
    share = table.loc["retail", "submitted"] / sizes["retail"]
    assert f"{share:.0%}" in [t.get_text() for t in ax.texts]
    assert ax.get_ylabel() == "segment"
    assert "segment" in ax.get_title()


def test_outcome_by_group_merges_groups_beyond_max_groups(plain: pd.DataFrame) -> None:
    ax = plot_outcomes(plain, by="name", max_groups=5)
    ticks = tick_texts(ax.get_yticklabels())
    assert len(ticks) == 6
    assert ticks[-1].startswith("(other 1,995 groups)")
    total = sum(p.get_width() for c in containers(ax).values() for p in c)
    assert total == len(plain)


# --------------------------------------------------------------------------- failure reasons


def expected_reasons(results: pd.DataFrame) -> pd.Series:
    """Rows per (outcome, reason) of the rows not submitted, most common first; ties in outcome
    order, then by reason. Duplicates have one reason; dates in reasons are "…"."""
    failing = results[results["outcome"] != "submitted"]
    reason = failing["outcome_reason"].fillna(failing["invalid_reason"])
    reason = reason.str.replace(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "…", regex=True)
    reason = reason.mask(failing["outcome"] == "duplicate", "same number as an earlier row")
    pairs = pd.DataFrame({"outcome": failing["outcome"].astype(str), "reason": reason})
    counts = pairs.value_counts().rename("rows").reset_index()
    counts["rank"] = counts["outcome"].map(OUTCOMES.index)
    counts = counts.sort_values(["rows", "rank", "reason"], ascending=[False, True, True])
    return counts.set_index(["outcome", "reason"])["rows"]


def test_failure_reasons_are_the_top_n_most_common(records: pd.DataFrame) -> None:
    expected = expected_reasons(records)
    top = expected.head(4)
    ax = plot_failure_reasons(records, top=4)
    widths = [p.get_width() for p in ax.patches]
    assert widths == [*top.tolist(), expected.iloc[4:].sum()]
    assert widths[:4] == sorted(widths[:4], reverse=True)
    ticks = [t.replace("\n", " ") for t in tick_texts(ax.get_yticklabels())]
    assert ticks == [reason for _, reason in top.index] + [f"(other {len(expected) - 4} reasons)"]
    assert hexes(ax.patches)[:4] == [OUTCOME_COLORS[outcome].lower() for outcome, _ in top.index]
    assert hexes(ax.patches)[4] == to_hex(reporting.NEUTRAL)
    assert f"top 4 of {len(expected)} reasons" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(legend) <= set(NOT_SUBMITTED)


def test_a_reason_under_two_outcomes_gets_a_bar_for_each() -> None:
    results = frame(
        ["failed", "failed", "unknown", "rejected", "submitted", "duplicate"],
        outcome_reason=["timeout", "timeout", "timeout", "number in blacklist", None, "dup"],
    )
    ax = plot_failure_reasons(results)
    # ties: in outcome order (rejected before unknown before duplicate)
    assert tick_texts(ax.get_yticklabels()) == [
        "timeout",
        "number in blacklist",
        "timeout",
        "same number as an earlier row",
    ]
    assert [p.get_width() for p in ax.patches] == [2, 1, 1, 1]
    assert hexes(ax.patches) == [
        OUTCOME_COLORS["failed"].lower(),
        OUTCOME_COLORS["rejected"].lower(),
        OUTCOME_COLORS["unknown"].lower(),
        OUTCOME_COLORS["duplicate"].lower(),
    ]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["rejected", "failed", "unknown", "duplicate"]


def test_invalid_rows_fall_back_to_invalid_reason() -> None:
    results = frame(
        ["invalid", "invalid", "invalid"],
        outcome_reason=[None, None, "empty"],
        invalid_reason=["too short: 6 digits", "too short: 6 digits", "empty"],
    )
    ax = plot_failure_reasons(results)
    assert tick_texts(ax.get_yticklabels()) == ["too short: 6 digits", "empty"]
    assert [p.get_width() for p in ax.patches] == [2, 1]


def test_failure_reasons_rejects_a_bad_top(records: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="top"):
        plot_failure_reasons(records, top=0)
    with pytest.raises(ValueError, match="outcomes must name some of"):
        plot_failure_reasons(records, outcomes=["submitted"])


# --------------------------------------------------------------------------- countries


def test_numbers_are_grouped_by_calling_code() -> None:
    numbers = (
        ["919812345678"] * 3
        + ["14165550123", "12125550123"]
        + ["447700900123"]
        + ["2348031234567"] * 2
        + ["99912345678"]
        + [None] * 2
    )
    outcomes = ["submitted", "rejected", "submitted", "submitted", "failed", "unknown"]
    outcomes += ["submitted", "submitted", "not_sent", "invalid", "invalid"]
    ax = plot_by_country(frame(outcomes, number=numbers))
    ticks = [t.split("  n=")[0] for t in tick_texts(ax.get_yticklabels())]
    assert ticks == [
        "IN (+91)",
        "+1 (US/CA/…)",
        "NG (+234)",
        "(unknown calling code)",  # ties: in label order
        "+44 (GB/GG/IM/…)",
    ]
    stacked = np.sum([[p.get_width() for p in c] for c in containers(ax).values()], axis=0)
    assert stacked.tolist() == [3, 2, 2, 1, 1]
    assert [p.get_width() for p in containers(ax)["submitted"]] == [2, 1, 2, 0, 0]
    assert "2 rows without a number (invalid) not shown" in ax.get_title()
    assert "invalid" not in containers(ax)


def test_country_groups_match_leading_digits(records: pd.DataFrame) -> None:
    ax = plot_by_country(records, top=3)
    numbers = records["number"].dropna()
    ticks = tick_texts(ax.get_yticklabels())
    assert ticks[0] == f"IN (+91)  n={numbers.str.startswith('91').sum():,}"
    assert ticks[-1].startswith("(other 4 codes)")
    stacked = np.sum([[p.get_width() for p in c] for c in containers(ax).values()], axis=0)
    assert stacked.sum() == len(numbers)
    for name, container in containers(ax).items():
        assert set(hexes(list(container))) == {OUTCOME_COLORS[name].lower()}


# --------------------------------------------------------------------------- timeline


def test_timeline_totals_equal_the_sent_counts(records: pd.DataFrame) -> None:
    sent = records[records["sent_at"].notna()]
    expected = sent["outcome"].astype(str).value_counts()
    ax = plot_timeline(records)
    bars = containers(ax)
    assert set(bars) == set(expected.index)
    for name, container in bars.items():
        assert sum(p.get_height() for p in container) == expected[name]
        assert set(hexes(list(container))) == {OUTCOME_COLORS[name].lower()}
    assert sum(p.get_height() for p in ax.patches) == len(sent)
    assert f"n={len(sent):,}" in ax.get_title()
    assert "UTC" in ax.get_xlabel()


def test_timeline_bins_by_the_given_freq() -> None:
    stamps = pd.to_datetime(
        ["2024-05-01 10:00:10", "2024-05-01 10:00:50", "2024-05-01 10:02:05", None], utc=True
    )
    results = frame(["submitted", "failed", "submitted", "not_sent"], sent_at=stamps)
    ax = plot_timeline(results, freq="1min")
    bars = containers(ax)
    assert [p.get_height() for p in bars["submitted"]] == [1, 1]
    assert [p.get_height() for p in bars["failed"]] == [1, 0]
    assert "per 1 min" in ax.get_title()
    with pytest.raises(ValueError, match="fixed bin length"):
        plot_timeline(results, freq="MS")


# --------------------------------------------------------------------------- call records


def test_call_results_count_answered_and_each_sip_failure(records: pd.DataFrame) -> None:
    ax = plot_call_results(records)
    ticks = tick_texts(ax.get_yticklabels())
    widths = dict(zip(ticks, [p.get_width() for p in ax.patches], strict=True))
    assert ticks[0] == "answered"
    assert widths["answered"] == records["answered"].eq(True).sum()
    for code, words in (("486", "busy"), ("480", "no answer"), ("404", "not found")):
        assert widths[f"{code} {words}"] == (records["sip_code"] == code).sum()
    assert ax.patches[0].get_facecolor() != ax.patches[1].get_facecolor()
    assert to_hex(ax.patches[0].get_facecolor()) == OUTCOME_COLORS["submitted"].lower()
    pending = (records["outcome"] == "submitted") & records["sip_code"].isna()
    assert f"{pending.sum():,} submitted calls without a final record" in ax.get_title()


def test_unlisted_sip_codes_use_the_records_reason() -> None:
    results = frame(
        ["submitted"] * 2,
        answered=pd.array([False, False], dtype="boolean"),
        sip_code=["499", "499"],
        sip_reason=["Carrier Says No", "Carrier Says No"],
    )
    ax = plot_call_results(results)
    assert tick_texts(ax.get_yticklabels()) == ["answered", "499 Carrier Says No"]


def test_duration_histogram_holds_every_answered_call(records: pd.DataFrame) -> None:
    answered = records[records["answered"].eq(True)]
    ax = plot_durations(records)
    assert sum(p.get_height() for p in ax.patches) == len(answered)
    lines = [line for line in ax.get_lines() if isinstance(line, Line2D)]
    assert len(lines) == 1 and list(lines[0].get_xdata()) == [50, 50]  # from attrs
    assert "2×" in ax.get_legend().get_texts()[0].get_text()
    assert f"n={len(answered):,}" in ax.get_title()
    assert ax.get_xlabel() == "call duration (s)"


def test_duration_histogram_keeps_zero_and_over_limit_calls() -> None:
    results = frame(
        ["submitted"] * 5,
        answered=pd.array([True, True, True, False, None], dtype="boolean"),
        call_duration=pd.array([0, 50, 58, 0, None], dtype="Int64"),
    )
    ax = plot_durations(results, max_duration=50)
    assert sum(p.get_height() for p in ax.patches) == 3
    centres = [p.get_x() + p.get_width() / 2 for p in ax.patches if p.get_height()]
    assert centres == [0, 50, 58]  # one-second bars centred on whole seconds
    long_calls = results.assign(call_duration=pd.array([0, 50, 600, 0, None], dtype="Int64"))
    ax = plot_durations(long_calls, max_duration=50)
    assert sum(p.get_height() for p in ax.patches) == 3


def test_duration_limit_comes_from_the_argument_or_nowhere(records: pd.DataFrame) -> None:
    ax = plot_durations(records, max_duration=40)
    assert list(ax.get_lines()[0].get_xdata()) == [40, 40]
    no_attrs = records.copy()
    no_attrs.attrs = {}
    ax = plot_durations(no_attrs)
    assert ax.get_lines() == []
    with pytest.raises(ValueError, match="max_duration"):
        plot_durations(records, max_duration=-3)


def test_cost_totals_overall_and_per_group(records: pd.DataFrame) -> None:
    ax = plot_cost(records)
    assert ax.patches[0].get_width() == pytest.approx(records["cost"].sum())
    assert f"{records['cost'].sum():,.2f} USD" in ax.get_title()
    ax = plot_cost(records, by="segment")
    expected = records.groupby(records["segment"].astype(object).fillna("(missing)"))["cost"].sum()
    ticks = tick_texts(ax.get_yticklabels())
    assert ticks == ["retail", "vip", "wholesale", "(missing)"]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx(expected[ticks].tolist())


def test_costs_in_two_currencies_are_never_added() -> None:
    results = frame(
        ["submitted"] * 3,
        cost=pd.array([1.0, 2.0, 5.0], dtype="Float64"),
        currency=["USD", "USD", "EUR"],
    )
    ax = plot_cost(results)
    ticks = tick_texts(ax.get_yticklabels())
    widths = dict(zip(ticks, [p.get_width() for p in ax.patches], strict=True))
    assert widths == {"all calls · USD": 3.0, "all calls · EUR": 5.0}


# --------------------------------------------------------------------------- empty and odd


@pytest.mark.parametrize("chart", ALL_CHARTS)
def test_no_rows_is_said_in_words(chart, records: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    ax = chart(records.iloc[:0])
    assert isinstance(ax, Axes)
    assert "no rows" in center_text(ax)
    assert ax.get_title()


def test_only_invalid_rows(records: pd.DataFrame) -> None:
    invalid = records[records["outcome"] == "invalid"]
    assert center_text(plot_by_country(invalid)) == (
        f"no numbers to group: all {len(invalid):,} rows are invalid"
    )
    assert "nothing sent yet" in center_text(plot_timeline(invalid))
    ax = plot_failure_reasons(invalid)
    assert sum(p.get_width() for p in ax.patches) == len(invalid)
    assert [p.get_height() for p in plot_outcomes(invalid).patches][4] == len(invalid)
    for chart in RECORD_CHARTS:
        assert center_text(chart(invalid)) == NO_RECORDS
    report(invalid)  # no exception


@pytest.mark.parametrize("chart", RECORD_CHARTS)
def test_no_call_records_yet(chart, plain: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    assert center_text(chart(plain)) == NO_RECORDS
    empty_records = plain.assign(**{name: pd.NA for name in RECORD_COLUMNS})
    assert center_text(chart(empty_records)) == NO_RECORDS


def test_records_still_in_progress_are_said_in_words(plain: pd.DataFrame) -> None:
    status = np.where(plain["outcome"] == "submitted", "in_progress", None)
    pending = plain.assign(record_status=pd.Series(status, dtype="str"), answered=pd.NA)
    n = int((plain["outcome"] == "submitted").sum())
    for chart in RECORD_CHARTS:
        assert center_text(chart(pending)) == (
            f"no final call records yet ({n:,} in_progress) — "
            "run iv.call_outcomes(results) again later"
        )


def test_no_failures_is_said_in_words() -> None:
    ax = plot_failure_reasons(frame(["submitted", "submitted"], outcome_reason=[None, None]))
    assert center_text(ax) == "every row submitted"
    results = frame(["submitted", "duplicate"], outcome_reason=[None, "dup"])
    ax = plot_failure_reasons(results, outcomes=["rejected", "failed"])
    assert center_text(ax) == "no rejected, failed rows"
    assert "not counted: 1 duplicate" in ax.get_title()


@pytest.mark.parametrize(
    ("chart", "column"),
    [
        (plot_outcomes, "outcome"),
        (plot_failure_reasons, "outcome_reason"),
        (plot_by_country, "number"),
        (plot_timeline, "sent_at"),
        (plot_call_results, "outcome"),
        (plot_durations, "outcome"),
        (plot_cost, "outcome"),
        (plot_funnel, "outcome"),
        (plot_responses, "outcome"),
    ],
)
def test_a_missing_column_is_a_clear_error(chart, column: str, records: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=f"no column '{column}'.*expected the DataFrame iv.send"):
        chart(records.drop(columns=[column]))


def test_not_a_results_frame() -> None:
    with pytest.raises(ValueError, match="no column 'outcome'"):
        plot_outcomes(pd.DataFrame({"phone": ["919812345678"]}))
    with pytest.raises(TypeError, match="DataFrame"):
        plot_outcomes([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unexpected values \['sent'\]"):
        plot_outcomes(pd.DataFrame({"outcome": ["sent", "submitted"]}))


def test_by_must_be_a_column(records: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"by='segmnt' is not a column.*segment, name, number"):
        plot_outcomes(records, by="segmnt")
    with pytest.raises(ValueError, match="by='region'"):
        plot_cost(records, by="region")


def test_outcome_as_plain_strings_is_accepted(records: pd.DataFrame) -> None:
    as_text = records.assign(outcome=records["outcome"].astype(str))
    a = [p.get_height() for p in plot_outcomes(as_text).patches]
    b = [p.get_height() for p in plot_outcomes(records).patches]
    assert a == b


# --------------------------------------------------------------------------- whole figure


def test_report_with_records_has_eight_charts_and_one_outcome_legend(
    records: pd.DataFrame,
) -> None:
    fig = report(records, by="segment")
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 8
    assert titles[0].startswith("Outcome per segment")
    assert titles[4].startswith("Result of the calls")
    assert titles[5].startswith("Call duration")
    assert titles[6].startswith("Campaign funnel (n=3,000 rows)")
    assert titles[7].startswith("Keys pressed on answered calls")
    assert [ax.get_legend() is None for ax in fig.axes[:4]] == [True] * 4
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(OUTCOMES)
    assert "synthetic spring promo" in fig.get_suptitle()
    assert plt.get_fignums() == []  # not registered with pyplot: shown once in a notebook


def test_report_without_records_says_so(plain: pd.DataFrame) -> None:
    fig = report(plain)
    assert len(fig.axes) == 4
    assert NO_RECORDS in fig.get_suptitle()


def test_report_shows_missing_panels_in_words(plain: pd.DataFrame) -> None:
    fig = report(plain.drop(columns=["sent_at", "number"]))
    texts = " ".join(figure_texts(fig))
    assert "no sent_at column in results" in texts
    assert "no number column in results" in texts


def test_no_full_phone_number_is_drawn(records: pd.DataFrame) -> None:
    results = records.copy()
    rows = results.index[results["outcome"] == "rejected"]
    results.loc[rows, "outcome_reason"] = "number " + results.loc[rows, "number"] + " refused"
    drawn = "\n".join(
        figure_texts(report(results, by="number"))
        + figure_texts(plot_failure_reasons(results, top=50).figure)
        + figure_texts(plot_outcomes(results, by="number", max_groups=50).figure)
        + figure_texts(plot_cost(results, by="number", max_groups=50).figure)
    )
    numbers = set(results["number"].dropna())
    assert not [n for n in numbers if n in drawn]
    last4 = results.loc[rows[0], "number"][-4:]
    assert "•" * (len(results.loc[rows[0], "number"]) - 4) + last4 in drawn


def test_charts_do_not_mutate_the_input(records: pd.DataFrame) -> None:
    before = records.copy(deep=True)
    attrs = copy.deepcopy(records.attrs)
    for chart in ALL_CHARTS:
        chart(records)
    plot_outcomes(records, by="segment")
    plot_cost(records, by="segment")
    report(records, by="segment")
    pd.testing.assert_frame_equal(records, before)
    assert records.attrs == attrs


def test_charts_draw_on_the_given_axes(records: pd.DataFrame) -> None:
    _, axes = plt.subplots(1, 2)
    assert plot_outcomes(records, ax=axes[1]) is axes[1]
    assert plot_durations(records, ax=axes[0]) is axes[0]
    assert len(plt.get_fignums()) == 1


def test_a_new_figure_fits_a_notebook(records: pd.DataFrame) -> None:
    ax = plot_outcomes(records)
    width, height = ax.figure.get_size_inches()
    assert 7 <= width <= 11 and height < width


# --------------------------------------------------------------------------- speed


@pytest.mark.slow
def test_a_million_rows_draw_in_seconds() -> None:
    big = make_results(1_000_000, seed=11, with_records=True)
    timings = {}
    for chart in ALL_CHARTS:
        start = time.perf_counter()
        ax = chart(big)
        ax.figure.canvas.draw()
        timings[chart.__name__] = time.perf_counter() - start
        plt.close(ax.figure)
    start = time.perf_counter()
    plot_outcomes(big, by="segment").figure.canvas.draw()
    timings["plot_outcomes(by)"] = time.perf_counter() - start
    slow = {name: round(t, 2) for name, t in timings.items() if t > 3.0}
    assert not slow, f"slower than 3 s on 1M rows: {slow} (all: {timings})"
    assert plots.plot_by_country(big).get_title().startswith("Outcome per country calling code")


# --------------------------------------------------------------------------- signatures


def test_every_chart_takes_the_data_first_and_keywords_after(records: pd.DataFrame) -> None:
    for chart in ALL_CHARTS:
        params = list(inspect.signature(chart).parameters.values())
        assert params[0].name == "results", chart.__name__
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, chart.__name__
        assert [p.kind for p in params[1:]] == [inspect.Parameter.KEYWORD_ONLY] * (
            len(params) - 1
        ), chart.__name__
        assert inspect.signature(chart).parameters["ax"].default is None, chart.__name__
    with pytest.raises(TypeError):
        plot_outcomes(records, "segment")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        plot_timeline(records, "1s")  # type: ignore[call-arg]


@pytest.mark.parametrize("chart", ALL_CHARTS)
def test_ax_none_is_a_new_axes_and_a_given_ax_is_drawn_on(chart, records: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    ax = chart(records)
    assert isinstance(ax, Axes) and len(plt.get_fignums()) == 1
    figure = Figure()
    given = figure.subplots()
    assert chart(records, ax=given) is given
    assert given.get_title() and len(plt.get_fignums()) == 1


# --------------------------------------------------------------------------- currency


def test_cost_names_its_currency_and_never_a_question_mark(records: pd.DataFrame) -> None:
    some_unnamed = records.assign(currency=records["currency"].mask(records.index % 3 == 0))
    for results in (some_unnamed, records.drop(columns=["currency"])):
        ax = plot_cost(results, by="segment")
        assert not [t for t in figure_texts(ax.get_figure(root=True)) if "?" in t]
        assert ax.get_xlabel() == "cost (USD)"
        assert f"{records['cost'].sum():,.2f} USD over" in plot_cost(results).get_title()
        assert [t.get_text().split()[-1] for t in ax.texts] == ["USD"] * 4
        assert sum(p.get_width() for p in ax.patches) == pytest.approx(records["cost"].sum())
    # the account's currency is the one the other records name
    inr = some_unnamed.assign(currency=some_unnamed["currency"].replace("USD", "INR"))
    ax = plot_cost(inr)
    assert ax.get_xlabel() == "cost (INR)" and len(ax.patches) == 1
    # an explicit currency names costs whose records do not, and must agree with the others
    ax = plot_cost(records.drop(columns=["currency"]), currency="EUR")
    assert ax.get_xlabel() == "cost (EUR)" and " EUR over " in ax.get_title()
    with pytest.raises(ValueError, match=r"currency='EUR', but the call records say USD"):
        plot_cost(records, currency="EUR")
    with pytest.raises(ValueError, match="currency code"):
        plot_cost(records, currency="?")


# --------------------------------------------------------------------------- timeline


READABLE_TIME = re.compile(r"^(0 m?s|\+[\d.]+ m?s|\d\d:\d\d(:\d\d)?|(\d\d )?[A-Z][a-z]{2}|\d{4})$")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.05, "1 ms"), (0.35, "10 ms"), (45, "1 s"), (600, "10 s"), (5 * 3600, "5 min"),
     (3 * 86400, "2 h")],
)  # fmt: skip
def test_timeline_bins_and_ticks_read_at_every_time_scale(seconds: float, words: str) -> None:
    results = sent_within(seconds, n=60)
    figure = Figure(figsize=(5.0, 3.0), layout="constrained")
    ax = plot_timeline(results, ax=figure.subplots())
    renderer = drawn(figure)
    assert ax.get_title() == f"Rows sent per {words} (n=60)"
    assert sum(p.get_height() for p in ax.patches) == 60
    assert len([p for p in ax.patches if p.get_height()]) >= 5  # spread over bars
    ticks = tick_boxes(ax, "x", renderer)
    labels = [t for t, _ in ticks]
    assert len(labels) >= 3 and all(READABLE_TIME.match(t) for t in labels), labels
    assert overlaps(ticks) == []
    if seconds < 120:
        assert ax.get_xlabel() == "time after 2024-05-01 14:02:05.000 UTC (first bin)"
        assert labels[0] in ("0 s", "0 ms") and labels[1].startswith("+")
    else:
        assert ax.get_xlabel().startswith("sent at, UTC (2024-05-01 14:02:05 to ")


# --------------------------------------------------------------------------- legends and labels


def _legend_clear_of_bars(ax: Axes, legend_box: Bbox, renderer: Any) -> None:
    boxes = [("legend", legend_box)] + [("bar", b) for b in bar_boxes(ax, renderer)]
    assert [pair for pair in overlaps(boxes) if "legend" in pair] == [], ax.get_title()


def test_legends_never_sit_on_bars(records: pd.DataFrame) -> None:
    # a spike in the middle of the histogram, where a legend at "upper center" would sit
    spike = frame(
        ["submitted"] * 60,
        answered=pd.array([True] * 60, dtype="boolean"),
        call_duration=pd.array([25] * 55 + [50] * 5, dtype="Int64"),
    )
    spike.attrs = {"message": {"max_duration": 50, "loop_count": 2}}
    charts = [
        plot_durations(spike),
        plot_durations(records),
        plot_outcomes(records, by="segment"),
        plot_failure_reasons(records),
        plot_by_country(records),
        plot_timeline(records),
        plot_funnel(records, by="segment"),
        plot_responses(records, by="segment"),
    ]
    for ax in charts:
        renderer = drawn(ax.get_figure(root=True))
        legend = ax.get_legend()
        assert legend is not None, ax.get_title()
        _legend_clear_of_bars(ax, legend.get_window_extent(renderer), renderer)
    figure = report(records, by="segment")
    renderer = drawn(figure)
    outcome_legend = figure.legends[0].get_window_extent(renderer)
    for ax in figure.axes:
        _legend_clear_of_bars(ax, outcome_legend, renderer)
        own = ax.get_legend()
        if own is not None:
            _legend_clear_of_bars(ax, own.get_window_extent(renderer), renderer)


def _four_inch_axes() -> list[tuple[Figure, Axes]]:
    exact = Figure(figsize=(5.0, 4.0))
    constrained = Figure(figsize=(4.0, 3.0), layout="constrained")
    return [(exact, exact.add_axes((0.1, 0.4, 0.8, 0.5))), (constrained, constrained.subplots())]


def test_outcome_names_never_run_together_in_a_four_inch_axes(records: pd.DataFrame) -> None:
    for figure, ax in _four_inch_axes():
        plot_outcomes(records, ax=ax)
        renderer = drawn(figure)
        if figure.get_layout_engine() is None:
            assert ax.get_window_extent(renderer).width == pytest.approx(4 * figure.dpi)
        ticks = tick_boxes(ax, "x", renderer)
        assert [t.replace("\n", "_") for t, _ in ticks] == list(OUTCOMES)  # every name, whole
        assert overlaps(ticks) == []
        bar_labels = text_boxes(ax.texts, renderer)
        assert overlaps(bar_labels) == []
        top = ax.get_window_extent(renderer).y1
        assert all(box.y1 <= top + 1 for _, box in bar_labels)
    for figure, ax in _four_inch_axes():  # and the other charts of outcomes
        plot_timeline(sent_within(0.35), ax=ax)
        assert overlaps(tick_boxes(ax, "x", drawn(figure))) == []
        ax.clear()
        plot_outcomes(records, by="segment", ax=ax)
        renderer = drawn(figure)
        assert overlaps(text_boxes(ax.texts, renderer)) == []
        assert overlaps(tick_boxes(ax, "y", renderer)) == []


@pytest.mark.parametrize("by", [None, "segment"])
def test_no_labels_run_together_in_the_report(records: pd.DataFrame, by: str | None) -> None:
    figure = report(records, by=by)
    renderer = drawn(figure)
    for ax in figure.axes:
        assert overlaps(tick_boxes(ax, "x", renderer)) == [], ax.get_title()
        assert overlaps(tick_boxes(ax, "y", renderer)) == [], ax.get_title()
        assert overlaps(text_boxes(ax.texts, renderer)) == [], ax.get_title()
    if by is None:
        names = [t.replace("\n", "_") for t, _ in tick_boxes(figure.axes[0], "x", renderer)]
        assert names == list(OUTCOMES)


# --------------------------------------------------------------------------- counts add up


def _title_count(title: str, pattern: str) -> int:
    found = re.search(pattern, title)
    assert found, (pattern, title)
    return int(found.group(1).replace(",", ""))


def test_title_counts_are_the_sum_of_the_bars(records: pd.DataFrame) -> None:
    not_submitted = int((records["outcome"] != "submitted").sum())
    for top in (3, 10, 100):
        ax = plot_failure_reasons(records, top=top)
        bars = sum(p.get_width() for p in ax.patches)
        assert _title_count(ax.get_title(), r"\(([\d,]+) rows\)") == bars == not_submitted
    chosen_ = ["rejected", "duplicate"]
    ax = plot_failure_reasons(records, outcomes=chosen_)
    chosen = records["outcome"].isin(chosen_).sum()
    assert _title_count(ax.get_title(), r"\(([\d,]+) rows\)") == chosen
    assert sum(p.get_width() for p in ax.patches) == chosen
    counts = records["outcome"].astype(str).value_counts()
    others = [f"{counts[o]:,} {o}" for o in NOT_SUBMITTED if counts.get(o) and o not in chosen_]
    assert ax.get_title().endswith(f"\nnot counted: {', '.join(others)}")

    def widths(ax: Axes) -> float:
        return float(sum(p.get_width() for p in ax.patches))

    def heights(ax: Axes) -> float:
        return float(sum(p.get_height() for p in ax.patches))

    checks = [
        (plot_outcomes(records), r"n=([\d,]+)", heights),
        (plot_outcomes(records, by="segment"), r"n=([\d,]+)", widths),
        (plot_by_country(records), r"n=([\d,]+)", widths),
        (plot_timeline(records), r"n=([\d,]+)", heights),
        (plot_call_results(records), r"\(([\d,]+) calls with a record", widths),
        (plot_durations(records), r"n=([\d,]+)", heights),
    ]
    for ax, pattern, total in checks:
        assert _title_count(ax.get_title(), pattern) == total(ax), ax.get_title()
    funnel = plot_funnel(records)
    assert _title_count(funnel.get_title(), r"n=([\d,]+)") == funnel.patches[0].get_width()
    keys = plot_responses(records)
    assert widths(keys) == pytest.approx(1.0)  # shares of the answered calls in the title


# --------------------------------------------------------------------------- newer outcomes


def test_the_newer_outcomes_are_drawn_like_the_others() -> None:
    newer = ["already_called", "deferred", "excluded"]
    results = frame(
        [*newer, "deferred", "submitted"],
        number=["919812345678", "919812345679", "14165550123", "14165550124", "447700900123"],
        outcome_reason=[
            "called 2026-11-20 10:00 UTC in campaign 'spring'",
            "21:03 local (Asia/Kolkata); window 09:00-20:00; opens 2026-11-21 09:00 local",
            "on the suppression list 'opt-outs'",
            "21:03 local (Asia/Kolkata); window 09:00-20:00; opens 2026-11-21 09:00 local",
            None,
        ],
    )
    ax = plot_outcomes(results)
    heights = dict(zip(OUTCOMES, [p.get_height() for p in ax.patches], strict=True))
    assert [heights[o] for o in newer] == [1, 2, 1]
    assert hexes(ax.patches) == [OUTCOME_COLORS[o].lower() for o in OUTCOMES]
    ax = plot_by_country(results)
    for name in newer:
        assert set(hexes(list(containers(ax)[name]))) == {OUTCOME_COLORS[name].lower()}
    ax = plot_failure_reasons(results)
    assert ax.get_title() == "Why rows were not submitted (4 rows)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == newer
    assert tick_texts(ax.get_yticklabels())[0].startswith("21:03 local (Asia/Kolkata)")
    assert "called … in campaign 'spring'" in tick_texts(ax.get_yticklabels())
    figure = report(results)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == list(OUTCOMES)
