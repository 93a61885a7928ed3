"""summary(), its coloured view, and save_report(): the numbers are the frame's numbers."""

from __future__ import annotations

import ast
import copy
import importlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from results_factory import make_results

import itnivoice_nb as iv
from itnivoice_nb import _reporting as reporting
from itnivoice_nb._outcomes import OUTCOME_COLORS, OUTCOME_DTYPE, OUTCOMES, RECORD_COLUMNS
from itnivoice_nb._reporting import (
    LONG_COLUMNS,
    MISSING_GROUP,
    RECORD_SUMMARY_COLUMNS,
    SAVE_SUFFIXES,
    TOTAL_ROW,
    has_call_records,
    save_report,
    style_summary,
    styled,
    summary,
)

SHARES = [f"{o}_share" for o in OUTCOMES]


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return make_results(3000, seed=5, with_records=True)


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    return make_results(1500, seed=9)


def frame(outcomes: list[str], **columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": pd.Series(outcomes, dtype=OUTCOME_DTYPE), **columns})


def plain_of(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` without its call-record columns."""
    return results.drop(columns=[c for c in RECORD_COLUMNS if c in results.columns])


# --------------------------------------------------------------------------- summary


def test_overall_summary_counts_every_outcome(plain: pd.DataFrame) -> None:
    table = summary(plain)
    expected = plain["outcome"].astype(str).value_counts().reindex(OUTCOMES, fill_value=0)
    assert list(table.index) == [TOTAL_ROW]
    total = table.loc[TOTAL_ROW]
    assert total["rows"] == len(plain)
    assert total[list(OUTCOMES)].tolist() == expected.tolist()
    assert total[SHARES].sum() == pytest.approx(1.0)
    assert total["invalid_share"] == pytest.approx(expected["invalid"] / len(plain))
    interleaved = [c for o in OUTCOMES for c in (o, f"{o}_share")]
    assert list(table.columns) == ["rows", *interleaved]
    assert isinstance(table, pd.DataFrame)


def test_zero_outcomes_are_listed() -> None:
    table = summary(frame(["submitted", "submitted"]))
    assert table.loc[TOTAL_ROW, list(OUTCOMES)].tolist() == [2] + [0] * (len(OUTCOMES) - 1)
    assert table.loc[TOTAL_ROW, "submitted_share"] == 1.0
    assert table.loc[TOTAL_ROW, "not_sent_share"] == 0.0


def test_summary_by_group_keeps_missing_values_as_a_group(plain: pd.DataFrame) -> None:
    table = summary(plain, by="segment")
    assert list(table.index) == ["retail", "vip", "wholesale", MISSING_GROUP, TOTAL_ROW]
    assert table.index.name == "segment"
    segment = plain["segment"].astype(object).fillna(MISSING_GROUP)
    expected = pd.crosstab(segment, plain["outcome"].astype(str)).reindex(
        columns=OUTCOMES, fill_value=0
    )
    for group in ["retail", "vip", "wholesale", MISSING_GROUP]:
        assert table.loc[group, list(OUTCOMES)].tolist() == expected.loc[group].tolist()
        assert table.loc[group, "rows"] == (segment == group).sum()
    assert table.loc[MISSING_GROUP, "rows"] == plain["segment"].isna().sum() > 0
    groups = table.drop(index=TOTAL_ROW)
    assert groups[["rows", *OUTCOMES]].sum().tolist() == (
        table.loc[TOTAL_ROW, ["rows", *OUTCOMES]].tolist()
    )
    assert np.allclose(table[SHARES].sum(axis=1), 1.0)
    pd.testing.assert_series_equal(
        table.loc[TOTAL_ROW], summary(plain).loc[TOTAL_ROW], check_names=False
    )


def test_summary_by_a_categorical_keeps_category_order() -> None:
    results = frame(
        ["submitted", "failed", "submitted"],
        tier=pd.Categorical(["low", "high", None], categories=["low", "high"]),
    )
    table = summary(results, by="tier")
    assert list(table.index) == ["low", "high", MISSING_GROUP, TOTAL_ROW]
    assert table["submitted"].tolist() == [1, 0, 1, 2]


def test_summary_with_call_records(records: pd.DataFrame) -> None:
    table = summary(records, by="segment")
    assert list(table.columns[-len(RECORD_SUMMARY_COLUMNS) :]) == list(RECORD_SUMMARY_COLUMNS)
    assert list(table.columns[: -len(RECORD_SUMMARY_COLUMNS)]) == list(summary(plain_of(records)))
    total = table.loc[TOTAL_ROW]
    answered = records["answered"].eq(True)
    submitted = (records["outcome"] == "submitted").sum()
    assert total["answered"] == answered.sum()
    assert total["answered_share"] == pytest.approx(answered.sum() / submitted)
    responded = answered & records["feedback_value"].notna() & (records["feedback_value"] != "-1")
    assert 0 < total["responded"] == responded.sum() < total["answered"]
    assert total["responded_share"] == pytest.approx(responded.sum() / answered.sum())
    vip_answered = answered & (records["segment"] == "vip")
    assert table.loc["vip", "responded"] == (responded & vip_answered).sum()
    assert table.loc["vip", "responded_share"] == pytest.approx(
        (responded & vip_answered).sum() / vip_answered.sum()
    )
    assert total["total_cost"] == pytest.approx(records["cost"].sum())
    assert total["total_call_duration_s"] == records["call_duration"].sum()
    mean = records.loc[answered, "call_duration"].mean()
    assert total["mean_call_duration_s"] == pytest.approx(mean)
    vip = records["segment"] == "vip"
    assert table.loc["vip", "total_cost"] == pytest.approx(records.loc[vip, "cost"].sum())
    assert table.loc["vip", "answered"] == (answered & vip).sum()
    missing = records["segment"].isna()
    assert table.loc[MISSING_GROUP, "total_cost"] == pytest.approx(
        records.loc[missing, "cost"].sum()
    )
    assert table.attrs["currency"] == "USD"


def test_summary_without_call_records_has_no_record_columns(plain: pd.DataFrame) -> None:
    assert not has_call_records(plain)
    assert not set(RECORD_SUMMARY_COLUMNS) & set(summary(plain).columns)
    all_missing = plain.assign(**{name: pd.NA for name in RECORD_COLUMNS})
    assert not has_call_records(all_missing)
    assert not set(RECORD_SUMMARY_COLUMNS) & set(summary(all_missing).columns)


def test_summary_of_no_rows() -> None:
    table = summary(frame([], segment=[]), by="segment")
    assert list(table.index) == [TOTAL_ROW]
    assert table.loc[TOTAL_ROW, ["rows", *OUTCOMES]].sum() == 0
    assert table.loc[TOTAL_ROW, SHARES].isna().all()


def test_summary_accepts_outcome_as_text(plain: pd.DataFrame) -> None:
    as_text = plain.assign(outcome=plain["outcome"].astype(str))
    pd.testing.assert_frame_equal(summary(as_text, by="segment"), summary(plain, by="segment"))


def test_summary_errors_say_what_is_expected(plain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"by='region' is not a column.*segment, name, number"):
        summary(plain, by="region")
    with pytest.raises(ValueError, match="no column 'outcome'"):
        summary(pd.DataFrame({"phone": ["919812345678"]}))
    with pytest.raises(ValueError, match=r"unexpected values \['delivered'\].*submitted"):
        summary(pd.DataFrame({"outcome": ["delivered", "submitted"]}))
    with pytest.raises(ValueError, match="1 missing values"):
        summary(pd.DataFrame({"outcome": ["submitted", None]}))


def test_summary_does_not_mutate(records: pd.DataFrame) -> None:
    before = records.copy(deep=True)
    attrs = copy.deepcopy(records.attrs)
    summary(records, by="segment")
    styled(records, by="segment").to_html()
    pd.testing.assert_frame_equal(records, before)
    assert records.attrs == attrs


# --------------------------------------------------------------------------- styling


def test_style_summary_colours_and_formats(records: pd.DataFrame) -> None:
    table = summary(records, by="segment")
    html = style_summary(table).to_html()
    for outcome in OUTCOMES:
        assert re.search(f"background-color: {OUTCOME_COLORS[outcome]}", html, re.IGNORECASE)
    share = table.loc[TOTAL_ROW, "submitted_share"]
    assert f"{share:.1%}" in html
    assert f"{int(table.loc[TOTAL_ROW, 'rows']):,}" in html
    assert "font-weight: bold" in html
    assert "Outcomes per segment" in html
    assert "linear-gradient" in html  # the share bars
    assert isinstance(table, pd.DataFrame)  # a DataFrame that shows itself coloured
    assert "<table" in (table._repr_html_() or "") and type(table.head()) is pd.DataFrame


def test_styled_takes_results_or_a_summary(records: pd.DataFrame) -> None:
    from_results = styled(records, by="segment").to_html()
    from_summary = styled(summary(records, by="segment")).to_html()
    strip = re.compile(r"T_[0-9a-f_]+")  # the Styler's random table id
    assert strip.sub("", from_results) == strip.sub("", from_summary)
    with pytest.raises(ValueError, match=r"expected a table from iv\.summary"):
        style_summary(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="by= applies to a results frame"):
        styled(summary(records), by="segment")


def test_styled_masks_phone_numbers_in_the_index(plain: pd.DataFrame) -> None:
    html = styled(plain, by="number").to_html()
    numbers = plain["number"].dropna().unique()
    assert not [n for n in numbers if n in html]
    first = numbers[0]
    assert "•" * (len(first) - 4) + first[-4:] in html


# --------------------------------------------------------------------------- save_report


def test_save_report_png(records: pd.DataFrame, tmp_path: Path) -> None:
    out = save_report(records, tmp_path / "campaign.png", by="segment")
    assert out == tmp_path / "campaign.png"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF"), (".PNG", b"\x89PNG")]
)
def test_save_report_other_formats(
    plain: pd.DataFrame, tmp_path: Path, suffix: str, magic: bytes
) -> None:
    out = save_report(plain, str(tmp_path / f"campaign{suffix}"))
    assert isinstance(out, Path)
    assert out.read_bytes().startswith(magic)


def test_save_report_html_is_self_contained(records: pd.DataFrame, tmp_path: Path) -> None:
    out = save_report(records, tmp_path / "campaign.html", by="segment")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("data:image/png;base64,") == 1
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "<script" not in html
    assert "synthetic spring promo" in html
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", html)
    counts = records["outcome"].astype(str).value_counts()
    for outcome, count in counts.items():
        assert f"{count:,} {outcome}" in html  # the counts sentence
        assert f">{count:,}<" in html  # the table cell
        assert OUTCOME_COLORS[str(outcome)].lower() in html.lower()
    assert f"{len(records):,} rows" in html
    assert not [n for n in records["number"].dropna().unique() if n in html]


def test_save_report_without_records_or_attrs(plain: pd.DataFrame, tmp_path: Path) -> None:
    bare = plain.copy()
    bare.attrs = {}
    html = save_report(bare, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<title>Voice campaign report</title>" in html
    assert "data:image/png;base64," in html


def test_save_report_of_no_rows(plain: pd.DataFrame, tmp_path: Path) -> None:
    out = save_report(plain.iloc[:0], tmp_path / "empty.html")
    assert "0 rows" in out.read_text(encoding="utf-8")


def test_save_report_rejects_an_unknown_suffix(plain: pd.DataFrame, tmp_path: Path) -> None:
    for name in ("report.xlsx", "report"):
        with pytest.raises(ValueError, match=r"allowed suffixes: \.png, \.svg, \.pdf, \.html"):
            save_report(plain, tmp_path / name)
    assert list(tmp_path.iterdir()) == []
    assert SAVE_SUFFIXES == (".png", ".svg", ".pdf", ".html")


def test_save_report_checks_the_frame_before_drawing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no column 'outcome'"):
        save_report(pd.DataFrame({"a": [1]}), tmp_path / "r.png")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- long form


def test_summary_long_is_one_row_per_group_and_outcome(records: pd.DataFrame) -> None:
    wide = summary(records, by="segment")
    tidy = summary(records, by="segment", long=True)
    assert list(tidy.columns) == ["segment", *LONG_COLUMNS]
    assert len(tidy) == len(wide) * len(OUTCOMES)
    assert isinstance(tidy["outcome"].dtype, pd.CategoricalDtype)
    assert list(tidy["outcome"].cat.categories) == list(OUTCOMES)
    assert list(tidy["segment"].unique()) == list(wide.index)
    for group in wide.index:
        mine = tidy[tidy["segment"] == group]
        assert mine["outcome"].astype(str).tolist() == list(OUTCOMES)
        assert mine["count"].tolist() == wide.loc[group, list(OUTCOMES)].tolist()
        assert mine["share"].tolist() == pytest.approx(wide.loc[group, SHARES].tolist())
    assert tidy.groupby("segment", sort=False)["share"].sum().tolist() == pytest.approx(
        [1.0] * len(wide)
    )
    overall = summary(records, long=True)
    assert list(overall.columns) == ["group", *LONG_COLUMNS]
    assert set(overall["group"]) == {TOTAL_ROW} and overall["count"].sum() == len(records)
    pivot = tidy.pivot(index="segment", columns="outcome", values="count")
    assert pivot.loc["vip"].tolist() == wide.loc["vip", list(OUTCOMES)].tolist()


# --------------------------------------------------------------------------- currency


def test_summary_names_the_currency_of_its_costs(records: pd.DataFrame) -> None:
    no_column = records.drop(columns=["currency"])
    assert summary(no_column).attrs["currency"] == "USD"  # the vendor quotes US dollars
    assert summary(no_column, currency="EUR").attrs["currency"] == "EUR"
    assert "total_cost (USD)" in styled(no_column).to_html()
    assert "(cost in EUR)" in styled(no_column, currency="EUR").to_html()
    with pytest.raises(ValueError, match="call records say USD"):
        summary(records, currency="EUR")
    inr = records.assign(currency=records["currency"].replace("USD", "INR"))
    assert summary(inr).attrs["currency"] == "INR"
    mixed = records.assign(currency=np.where(records.index % 2 == 0, "USD", "EUR"))
    table = summary(mixed, by="segment")
    assert table.attrs["currency"] == "EUR, USD"
    assert table["total_cost"].isna().all()  # never added up across currencies
    html = styled(table).to_html()
    assert "costs in EUR, USD are not added up" in html and "total_cost (" not in html
    assert "?" not in summary(records.assign(currency=None)).attrs["currency"]


# --------------------------------------------------------------------------- styled


def css_rules(html: str) -> list[str]:
    return re.findall(r"\{([^{}]*)\}", html.split("</style>")[0])


def test_styled_share_bars_sit_under_the_text(records: pd.DataFrame) -> None:
    html = styled(records, by="segment").to_html()
    bars = [rule for rule in css_rules(html) if "linear-gradient" in rule]
    assert bars, "no share bars"
    for rule in bars:
        assert re.search(r"background-size: 100% [1-6]px", rule), rule
        assert "background-position: left bottom" in rule, rule
        assert "background-repeat: no-repeat" in rule, rule
        assert "color: #000000" in rule and "background-color: #ffffff" in rule, rule
    # one bar per share cell, in that outcome's colour
    submitted = [r for r in bars if OUTCOME_COLORS["submitted"] in r]
    assert len(submitted) == len(summary(records, by="segment"))
    share = summary(records, by="segment").loc["vip", "submitted_share"]
    assert f">{share:.1%}<" in html  # shares read as percentages


def test_styled_hides_outcomes_no_row_has() -> None:
    results = frame(["submitted", "excluded", "submitted"])
    html = styled(results).to_html()
    assert ">rejected<" not in html and ">excluded<" in html and ">excluded_share<" in html
    assert (
        "no rows: rejected, failed, unknown, invalid, duplicate, not_sent, already_called, "
        "deferred</caption>" in html
    )
    everything = styled(results, show_empty=True).to_html()
    assert all(f">{o}<" in everything for o in OUTCOMES) and "no rows:" not in everything


def test_summary_pipes_into_styled_for_its_html(records: pd.DataFrame) -> None:
    table = summary(records, by="segment")
    assert isinstance(table, pd.DataFrame)  # .loc, .to_csv, arithmetic as ever
    assert type(table * 1) is pd.DataFrame
    html = table.pipe(iv.styled)._repr_html_()
    assert "Outcomes per segment (cost in USD)" in html and "total_cost (USD)" in html
    assert f">{table.loc[TOTAL_ROW, 'submitted_share']:.1%}<" in html


# --------------------------------------------------------------------------- layout


ORDER = ("_common", "_summary", "_plots", "_report")


def _imports(module: str) -> tuple[set[str], set[str]]:
    """The sibling modules ``module`` imports, and the packages it imports when loaded (not
    under ``if TYPE_CHECKING:``)."""
    path = Path(importlib.import_module(f"itnivoice_nb._reporting.{module}").__file__ or "")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    siblings: set[str] = set()
    loaded: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # if TYPE_CHECKING: only for the type checker
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                siblings.add(node.module or "")
            elif node.level == 0 and node.module:
                loaded.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            loaded.update(alias.name.split(".")[0] for alias in node.names)
    return siblings, loaded


def test_reporting_modules_import_one_way() -> None:
    for i, module in enumerate(ORDER):
        siblings, _ = _imports(module)
        assert siblings <= set(ORDER[:i]), (module, siblings)
    for module in ("_common", "_summary"):  # a summary never loads matplotlib
        assert "matplotlib" not in _imports(module)[1], module


def test_public_names_are_importable_from_every_address() -> None:
    for name in reporting.__all__:
        assert hasattr(reporting, name), name
    functions = [name for name in reporting.__all__ if callable(getattr(reporting, name))]
    assert len(functions) == 16
    for name in functions:
        if name != "campaign_name":
            assert getattr(iv, name) is getattr(reporting, name), name
