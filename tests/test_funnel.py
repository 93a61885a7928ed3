"""The funnel and the keys pressed: charts, summary columns, report, and the sandbox behind them.

Charts are checked from what they draw (bar lengths, tick labels, bar labels, colours); the
sandbox's key presses and per-calling-code rates end to end through ``iv.send`` and
``iv.call_outcomes``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from results_factory import figure_texts, make_results

import itnivoice_nb as iv
from itnivoice_nb._outcomes import OUTCOME_DTYPE, RECORD_COLUMNS
from itnivoice_nb._reporting import (
    FUNNEL_COLORS,
    FUNNEL_MEANINGS,
    FUNNEL_NEEDS_RECORDS,
    FUNNEL_STAGES,
    KEY_COLORS,
    NO_RECORDS,
    plot_funnel,
    plot_responses,
    report,
    save_report,
    summary,
)
from itnivoice_nb._sandbox import Sandbox
from itnivoice_nb._sandbox.simulation import AcceptedRequest as Batch
from itnivoice_nb._sandbox.simulation import CallModel, _uniforms, call_record, tariff_for

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="f.mp3", max_duration=60, loop_count=2)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """3,000 rows with call records (module-scoped: tests must not change it)."""
    return make_results(3000, seed=7, with_records=True)


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    return make_results(2000, seed=3)


def frame(outcomes: list[str], **columns: object) -> pd.DataFrame:
    return pd.DataFrame({"outcome": pd.Series(outcomes, dtype=OUTCOME_DTYPE), **columns})


def widths(ax: Axes) -> list[float]:
    return [float(p.get_width()) for p in ax.patches if isinstance(p, Rectangle)]


def ticks(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def labels(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def colours(ax: Axes) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in ax.patches]


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}"


def stage_masks(results: pd.DataFrame) -> dict[str, pd.Series]:
    """The funnel stages computed straight from the frame's own columns."""
    key = results["feedback_value"]
    submitted = results["outcome"] == "submitted"
    answered = submitted & results["answered"].eq(True)
    skipped = results["outcome"].isin(["already_called", "deferred", "excluded"])
    return {
        "rows": pd.Series(True, index=results.index),
        "sendable": results["valid"] & ~results["duplicate"] & ~skipped,
        "submitted": submitted,
        "answered": answered,
        "responded": answered & key.notna() & (key != "-1"),
    }


def assert_labels_readable(ax: Axes) -> None:
    """Every bar label lies within the Axes, and inside its bar or right of it, never across
    the bar's start; no two labels overlap."""
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    figure.draw_without_rendering()
    renderer = figure._get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    extents = [t.get_window_extent(renderer) for t in ax.texts]
    for text, extent in zip(ax.texts, extents, strict=True):
        assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, text.get_text()
        assert box.y0 - 1 <= extent.y0 and extent.y1 <= box.y1 + 1, text.get_text()
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b) or a.x1 <= b.x0 or b.x1 <= a.x0


# --------------------------------------------------------------------------- the funnel


def test_funnel_counts_and_shares(records: pd.DataFrame) -> None:
    masks = stage_masks(records)
    counts = [int(m.sum()) for m in masks.values()]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0
    ax = plot_funnel(records)
    assert widths(ax) == counts
    assert ticks(ax) == list(FUNNEL_STAGES)
    assert colours(ax) == [FUNNEL_COLORS[s].lower() for s in FUNNEL_STAGES]
    rows, sendable, submitted, answered, responded = counts
    assert labels(ax) == [
        f"{rows:,}",
        f"{sendable:,}  ({pct(sendable, rows)} of rows)",
        f"{submitted:,}  ({pct(submitted, sendable)} of sendable · {pct(submitted, rows)} of rows)",
        f"{answered:,}  ({pct(answered, submitted)} of submitted · {pct(answered, rows)} of rows)",
        f"{responded:,}  ({pct(responded, answered)} of answered · {pct(responded, rows)} of rows)",
    ]
    assert ax.get_title().startswith("Campaign funnel (n=3,000 rows)")
    pending = (records["outcome"] == "submitted") & records["record_status"].eq("in_progress")
    assert f"{pending.sum():,} submitted calls without a final record yet" in ax.get_title()
    assert ax.get_xlabel() == "rows"
    assert ax.get_legend() is None
    assert_labels_readable(ax)


def test_funnel_of_a_small_frame_by_hand() -> None:
    results = frame(
        ["submitted"] * 4 + ["rejected", "invalid", "duplicate", "not_sent"],
        answered=pd.array([True, True, True, False] + [None] * 4, dtype="boolean"),
        sip_code=["200", "200", "200", "486"] + [None] * 4,
        feedback_value=["1", "#", "-1", "-1"] + [None] * 4,
    )
    ax = plot_funnel(results)
    assert widths(ax) == [8, 6, 4, 3, 2]
    assert labels(ax)[1:] == [
        "6  (75.0% of rows)",
        "4  (66.7% of sendable · 50.0% of rows)",
        "3  (75.0% of submitted · 37.5% of rows)",
        "2  (66.7% of answered · 25.0% of rows)",
    ]


def test_funnel_sendable_leaves_out_rows_never_meant_to_be_called() -> None:
    outcomes = ["submitted", "rejected", "not_sent", "already_called", "deferred", "excluded"]
    results = frame([*outcomes, "invalid", "duplicate"])
    ax = plot_funnel(results)
    assert widths(ax) == [8, 3, 1]  # sendable: submitted, rejected, not_sent
    assert labels(ax)[1] == "3  (37.5% of rows)"
    for word in ("already called", "deferred", "excluded", "duplicate"):
        assert word in FUNNEL_MEANINGS["sendable"]


def test_funnel_by_segment(records: pd.DataFrame) -> None:
    masks = stage_masks(records)
    segment = records["segment"].astype(object).fillna("(missing)")
    groups = ["retail", "vip", "wholesale", "(missing)"]
    ax = plot_funnel(records, by="segment")
    sizes = segment.value_counts()
    assert ticks(ax) == [f"{g}\nn={sizes[g]:,}" for g in groups]
    bars = widths(ax)
    texts = labels(ax)
    assert len(bars) == len(texts) == len(groups) * len(FUNNEL_STAGES)
    for g, group in enumerate(groups):
        mine = segment == group
        counts = [int((m & mine).sum()) for m in masks.values()]
        block = slice(g * 5, g * 5 + 5)
        assert bars[block] == pytest.approx([c / counts[0] for c in counts])
        expected = [f"{counts[0]:,}"] + [
            f"{counts[s]:,} ({pct(counts[s], counts[s - 1])})" for s in range(1, 5)
        ]
        assert texts[block] == expected
        assert colours(ax)[block] == [FUNNEL_COLORS[s].lower() for s in FUNNEL_STAGES]
    legend = ax.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == list(FUNNEL_STAGES)
    assert legend.get_title().get_text() == "stage"
    assert ax.get_title().startswith("Campaign funnel per segment")
    assert "each segment" in ax.get_xlabel()
    assert_labels_readable(ax)
    # the legend is beside the bars, not on them
    figure = ax.get_figure(root=True)
    renderer = figure._get_renderer()  # type: ignore[union-attr]
    assert legend.get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


def test_funnel_by_merges_small_groups_and_masks_numbers(records: pd.DataFrame) -> None:
    ax = plot_funnel(records, by="number", max_groups=3)
    tick_texts = ticks(ax)
    assert len(tick_texts) == 4 and tick_texts[-1].startswith("(other ")
    rows_bars = [int(t.split("n=")[1].replace(",", "")) for t in tick_texts]
    assert sum(rows_bars) == len(records)
    drawn = "\n".join(figure_texts(ax.get_figure(root=True)))  # type: ignore[arg-type]
    assert not [n for n in records["number"].dropna().unique() if n in drawn]
    assert "•" in drawn
    with pytest.raises(ValueError, match="max_groups"):
        plot_funnel(records, by="segment", max_groups=0)
    with pytest.raises(ValueError, match="by='segmnt'"):
        plot_funnel(records, by="segmnt")


def test_funnel_without_call_records_stops_at_submitted(plain: pd.DataFrame) -> None:
    missing: dict[str, object] = {name: pd.NA for name in RECORD_COLUMNS}
    for results in (plain, plain.assign(**missing)):  # type: ignore[arg-type]
        ax = plot_funnel(results)
        assert ticks(ax) == ["rows", "sendable", "submitted"]
        assert widths(ax)[2] == (plain["outcome"] == "submitted").sum()
        assert FUNNEL_NEEDS_RECORDS in ax.get_title()
    ax = plot_funnel(plain, by="segment")
    assert len(ax.patches) == 4 * 3
    assert FUNNEL_NEEDS_RECORDS in ax.get_title()


def test_funnel_without_feedback_stops_at_answered(records: pd.DataFrame) -> None:
    ax = plot_funnel(records.drop(columns=["feedback_value"]))
    assert ticks(ax) == ["rows", "sendable", "submitted", "answered"]
    assert "responses unknown" in ax.get_title()


@pytest.mark.parametrize("by", [None, "segment"])
def test_funnel_and_responses_of_no_rows(records: pd.DataFrame, by: str | None) -> None:
    for chart in (plot_funnel, plot_responses):
        ax = chart(records.iloc[:0], by=by)
        assert isinstance(ax, Axes)
        assert "no rows" in labels(ax)[0]
        assert ax.get_title()
    ax = plot_funnel(frame([]))
    assert labels(ax) == ["no rows"]


def test_funnel_draws_on_the_given_axes(records: pd.DataFrame) -> None:
    figure = Figure()
    axes = figure.subplots(1, 2)
    assert plot_funnel(records, ax=axes[1]) is axes[1]
    assert plot_responses(records, by="segment", ax=axes[0]) is axes[0]
    with pytest.raises(TypeError):
        plot_funnel(records, "segment")  # type: ignore[call-arg]


def test_charts_do_not_mutate_the_input(records: pd.DataFrame) -> None:
    before = records.copy(deep=True)
    plot_funnel(records, by="segment")
    plot_responses(records, by="segment")
    pd.testing.assert_frame_equal(records, before)


# --------------------------------------------------------------------------- keys pressed


def test_responses_are_shares_of_answered_calls(records: pd.DataFrame) -> None:
    answered = stage_masks(records)["answered"]
    keys = records.loc[answered, "feedback_value"].replace("-1", "no key")
    counts = keys.value_counts()
    order = ["1", "2", "3", "no key"]
    ax = plot_responses(records)
    assert ticks(ax) == ["key 1", "key 2", "key 3", "no key"]
    assert widths(ax) == pytest.approx([counts[k] / answered.sum() for k in order])
    assert labels(ax) == [f"{counts[k]:,} ({pct(counts[k], answered.sum())})" for k in order]
    assert colours(ax) == [KEY_COLORS[k].lower() for k in order]
    responded = answered.sum() - counts["no key"]
    assert f"{answered.sum():,} answered; {responded:,} pressed a key" in ax.get_title()
    assert "answered calls" in ax.get_xlabel()
    assert_labels_readable(ax)


def test_responses_by_segment(records: pd.DataFrame) -> None:
    answered = stage_masks(records)["answered"]
    segment = records["segment"].astype(object).fillna("(missing)")
    ax = plot_responses(records, by="segment")
    bars = widths(ax)
    order = ["1", "2", "3", "-1"]
    for g, group in enumerate(["retail", "vip", "wholesale", "(missing)"]):
        mine = answered & (segment == group)
        keys = records.loc[mine, "feedback_value"]
        expected = [(keys == k).sum() / mine.sum() for k in order]
        assert bars[g * 4 : g * 4 + 4] == pytest.approx(expected)
        assert ticks(ax)[g] == f"{group}\nanswered={mine.sum():,}"
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["key 1", "key 2", "key 3", "no key"]
    assert_labels_readable(ax)


def test_responses_read_keys_back_from_a_csv(tmp_path: Path) -> None:
    results = frame(
        ["submitted"] * 5,
        answered=pd.array([True, True, True, True, False], dtype="boolean"),
        feedback_value=["*", "1", "-1", None, "-1"],
    )
    path = tmp_path / "r.csv"
    results.to_csv(path, index=False)
    again = pd.read_csv(path)  # feedback_value comes back as text with NaN
    for data in (results, again):
        ax = plot_responses(data)
        assert ticks(ax) == ["key 1", "key *", "no key"]
        assert widths(ax) == pytest.approx([0.25, 0.25, 0.5])
    numbers = results.assign(feedback_value=[np.nan, 1.0, -1.0, np.nan, -1.0])
    assert ticks(plot_responses(numbers)) == ["key 1", "no key"]


def test_responses_without_records_or_answers(plain: pd.DataFrame) -> None:
    assert labels(plot_responses(plain)) == [NO_RECORDS]
    unanswered = frame(["submitted"], answered=pd.array([False], dtype="boolean"))
    assert labels(plot_responses(unanswered.assign(feedback_value=["-1"]))) == [
        "no answered calls yet"
    ]
    assert "no feedback_value column" in labels(plot_responses(unanswered))[0]


# --------------------------------------------------------------------------- summary and report


def test_summary_counts_responses(records: pd.DataFrame) -> None:
    masks = stage_masks(records)
    table = summary(records)
    total = table.loc["total"]
    assert total["responded"] == masks["responded"].sum()
    assert total["responded_share"] == pytest.approx(
        masks["responded"].sum() / masks["answered"].sum()
    )
    assert list(table.columns).index("responded") == list(table.columns).index("answered") + 2
    no_answers = frame(["submitted"], answered=pd.array([False], dtype="boolean"))
    row = summary(no_answers).loc["total"]
    assert row["responded"] == 0 and np.isnan(row["responded_share"])


def test_report_includes_the_funnel_and_keys_with_records(
    records: pd.DataFrame, plain: pd.DataFrame, tmp_path: Path
) -> None:
    fig = report(records)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[6].startswith("Campaign funnel (n=3,000 rows)")
    assert titles[7].startswith("Keys pressed on answered calls")
    funnel = fig.axes[6]
    assert widths(funnel) == [int(m.sum()) for m in stage_masks(records).values()]
    assert_labels_readable(funnel)
    assert_labels_readable(fig.axes[7])
    without = report(plain)
    assert not [ax for ax in without.axes if ax.get_title().startswith("Campaign funnel")]
    html = save_report(records, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "What the funnel stages mean" in html and "responded" in html
    plain_html = save_report(plain, tmp_path / "p.html").read_text(encoding="utf-8")
    assert "What the funnel stages mean" not in plain_html


# --------------------------------------------------------------------------- sandbox: key presses


def _batch(model: CallModel, size: int = 400) -> Batch:
    callees = ",".join(str(919_800_000_000 + i) for i in range(size))
    return Batch(
        first=5_000_001, prefix="240501090000", callees=callees, size=size,
        refused=frozenset(), display_num=None, file_id="f.mp3", max_duration=60, loop_count=1,
        called_info="", submitted=1_714_525_200.0, model=model,
    )  # fmt: skip


def _records(model: CallModel, seed: int) -> list[dict[str, object]]:
    batch = _batch(model)
    callees = batch.callees.split(",")
    return [
        call_record(seed, batch, i, callees[i], now=batch.submitted + 600, record_delay=0)
        for i in range(batch.size)
    ]


def test_default_key_presses_are_todays() -> None:
    """Without press_share/keys, a record's feedbackValue is what the sandbox always gave."""
    batch = _batch(CallModel())
    for rec in _records(CallModel(), seed=4):
        u = _uniforms(4, str(rec["voiceId"]))
        if rec["terminationCode"] == "200":
            assert rec["feedbackValue"] == (str(1 + int(u[7] * 9)) if u[6] < 0.15 else "-1")
        else:
            assert rec["feedbackValue"] == "-1"
    assert batch.model.press_share == 0.15 and batch.model.keys == "123456789"


def test_key_presses_follow_the_seed_and_only_answered_calls() -> None:
    model = CallModel(answer_share=0.6, press_share=0.4, keys="12")
    first, again, other = _records(model, 8), _records(model, 8), _records(model, 9)
    assert first == again
    assert [r["feedbackValue"] for r in first] != [r["feedbackValue"] for r in other]
    answered = [r for r in first if r["terminationCode"] == "200"]
    assert all(r["feedbackValue"] == "-1" for r in first if r["terminationCode"] != "200")
    pressed = [r["feedbackValue"] for r in answered if r["feedbackValue"] != "-1"]
    assert set(pressed) == {"1", "2"}
    assert 0.3 < len(pressed) / len(answered) < 0.5
    assert all(r["feedbackValue"] == "-1" for r in _records(CallModel(press_share=0), 8))
    everyone = _records(CallModel(press_share=1, keys="#"), 8)
    assert all(r["feedbackValue"] == "#" for r in everyone if r["terminationCode"] == "200")


def test_sandbox_key_presses_end_to_end() -> None:
    phones = [f"9198{i:08d}" for i in range(300)]
    df = pd.DataFrame({"phone": phones, "segment": ["a", "b", "c"] * 100})
    with Sandbox(seed=5, reject_share=0, answer_share=0.6, press_share=0.4, keys="12") as sb:
        assert (sb.press_share, sb.keys) == (0.4, "12")
        res = iv.send(df, MSG, client=sb.client(), journal=None, progress=False)
        calls = iv.call_outcomes(res, client=sb.client(), progress=False)
        again = iv.call_outcomes(res, client=sb.client(), progress=False)
        for voice_id, key in zip(calls["voice_id"][:20], calls["feedback_value"][:20], strict=True):
            record = sb.call_record(voice_id)
            assert record is not None and record["feedbackValue"] == key
    pd.testing.assert_series_equal(calls["feedback_value"], again["feedback_value"])
    answered = calls["answered"].eq(True)
    assert set(calls.loc[~answered, "feedback_value"]) == {"-1"}
    keys = calls.loc[answered, "feedback_value"]
    assert set(keys) == {"-1", "1", "2"}
    assert 0.28 < (keys != "-1").mean() < 0.52
    # the chart and the summary read them
    ax = plot_responses(calls)
    assert ticks(ax) == ["key 1", "key 2", "no key"]
    assert summary(calls).loc["total", "responded"] == (keys != "-1").sum()
    assert widths(plot_funnel(calls))[-1] == (keys != "-1").sum()


def test_sandbox_settings_are_checked() -> None:
    for kwargs, match in (
        ({"press_share": 1.5}, "press_share"),
        ({"keys": ""}, "keys"),
        ({"keys": "1a"}, "keys"),
        ({"keys": "11"}, "keys"),
        ({"rates": {"9x": 0.1}}, "calling-code prefix"),
        ({"rates": {"91": -0.01}}, ">= 0"),
        ({"rates": {"91": 0.00001}}, "4 decimal places"),
        ({"rates": {"91": 0.1, "+91": 0.2}}, "twice"),
        ({"default_rate": "abc"}, "default_rate"),
        ({"bill_period": "60"}, "bill_period"),
    ):
        with pytest.raises(ValueError, match=match):
            Sandbox(**kwargs)
    with pytest.raises(TypeError, match="rates"):
        Sandbox(rates=[("91", 0.1)])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sandbox: rates


def _cost(rate: str, charged: int) -> float:
    exact = Decimal(rate) * charged / 60
    return float(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


PHONES = {
    "IN": [f"9198{i:08d}" for i in range(40)],
    "US": [f"1415555{i:04d}" for i in range(40)],
    "JM": [f"1876555{i:04d}" for i in range(40)],
    "GB": [f"447700{i:06d}" for i in range(40)],
}


def _sent(sb: Sandbox) -> pd.DataFrame:
    phones = [p for group in PHONES.values() for p in group]
    area = [a for a, group in PHONES.items() for _ in group]
    df = pd.DataFrame({"phone": phones, "area": area})
    res = iv.send(df, MSG, client=sb.client(), journal=None, progress=False)
    return iv.call_outcomes(res, client=sb.client(), progress=False)


def test_sandbox_rates_per_calling_code_end_to_end() -> None:
    rates: dict[str, float | str] = {"91": 0.02, "1": "0.015", "1876": 0.09}
    with Sandbox(seed=2, reject_share=0, answer_share=1.0, rates=rates, default_rate=0.05) as sb:
        assert sb.rates == {"91": 0.02, "1": 0.015, "1876": 0.09}
        assert sb.default_rate == 0.05 and sb.bill_period is None
        calls = _sent(sb)
    assert calls["answered"].all()
    expected = {"IN": "0.0200", "US": "0.0150", "JM": "0.0900", "GB": "0.0500"}
    periods = {"IN": "20+20", "US": "60+60", "JM": "60+60", "GB": "1+1"}  # the country's own
    for area, rate in expected.items():
        rows = calls[calls["area"] == area]
        assert (rows["rate"] == float(rate)).all(), area
        assert (rows["bill_period"] == periods[area]).all(), area
        for charged, cost in zip(rows["charged_duration"], rows["cost"], strict=True):
            assert cost == pytest.approx(_cost(rate, int(charged)), abs=1e-9)
        assert (rows["cost"] > 0).all()
    assert summary(calls)["total_cost"].iloc[-1] == pytest.approx(calls["cost"].sum())


def test_sandbox_bill_period_for_every_call() -> None:
    with Sandbox(seed=2, reject_share=0, answer_share=1.0, rates={"44": 0.12},
                 bill_period="60+60") as sb:  # fmt: skip
        calls = _sent(sb)
    assert (calls["bill_period"] == "60+60").all()
    assert (calls["charged_duration"] % 60 == 0).all() and (calls["charged_duration"] > 0).all()
    gb = calls[calls["area"] == "GB"]
    assert (gb["rate"] == 0.12).all()
    assert list(gb["cost"]) == [_cost("0.12", int(c)) for c in gb["charged_duration"]]
    india = calls[calls["area"] == "IN"]
    assert (india["rate"] == float(tariff_for("91").rate)).all()  # built-in, no default_rate


def test_sandbox_default_rates_are_the_builtin_tariffs() -> None:
    model = CallModel()
    for number in ("919812345678", "14155550123", "447700900123", "99912345678"):
        assert model.tariff(number) == tariff_for(number)
