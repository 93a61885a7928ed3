"""The form's recipients: the DataFrame passed in or a CSV / Excel file uploaded, the phone
column and the default region.

:func:`guess_phone_column` picks the column a person most likely means; the region field is
checked by :func:`itnivoice_nb.prepare` itself. Any change calls ``on_change`` (the form drops
its plan). Uploaded files are read with every cell as text, so a leading ``00`` or ``+`` stays.

Example:
    >>> import pandas as pd
    >>> from itnivoice_nb._form._common import ErrorBox
    >>> part = RecipientsPart(on_change=lambda: None, errors=ErrorBox())
    >>> part.set_recipients(pd.DataFrame({"id": ["1"], "tel": ["+91 85632 14120"]}), "a frame")
    >>> part.column.value, part.region_value()
    ('tel', None)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from .._guess import GUESS_ROWS, PHONE_WORDS, guess_phone_column
from .._numbers import prepare
from .._tables import TABLE_SUFFIXES, read_table
from ._common import (
    BAD,
    FIELD_WIDTH,
    LABEL_STYLE,
    OK,
    ErrorBox,
    esc,
    for_people,
    guarded,
    html_out,
    note,
    plural,
    readable,
    row,
    text_field,
    uploaded,
    without_field,
)

__all__ = ["PHONE_WORDS", "TABLE_SUFFIXES", "RecipientsPart", "guess_phone_column", "read_upload"]


def read_upload(name: str, content: bytes) -> pd.DataFrame:
    """A DataFrame (every cell as text) from an uploaded CSV / TSV / Excel file's bytes, read by
    the package's one reader of recipients files (separator detected, byte-order mark dropped,
    a file that is not UTF-8 read as Windows-1252).

    Example:
        >>> read_upload("list.csv", b"name;phone\\nA;0091 856 321 4121\\n")["phone"].tolist()
        ['0091 856 321 4121']
    """
    return read_table(content, name)


class RecipientsPart:
    """The recipients section: upload, source line, phone column and default region.

    ``df`` is the frame in use (the caller's own object: the form never copies or edits it;
    the plan made at Check is a copy). ``on_change()`` is called after every change.
    """

    def __init__(self, on_change: Callable[[], None], errors: ErrorBox) -> None:
        self.on_change = on_change
        self.errors = errors
        self.df: pd.DataFrame | None = None
        self.upload = w.FileUpload(
            accept=",".join(TABLE_SUFFIXES), multiple=False, description="CSV / Excel…",
            tooltip="Choose a CSV or Excel file of recipients (every cell is read as text)",
            layout=w.Layout(width="180px"),
        )
        self.upload.add_class("iv-recipients-upload")
        self.source_label = html_out("iv-source")
        self.column = w.Dropdown(description="Phone column", options=[], style=LABEL_STYLE,
                                 layout=w.Layout(width=FIELD_WIDTH))
        self.column.add_class("iv-column")
        self.column_msg = html_out("iv-column-msg")
        self.region = text_field("Default region", "iv-region", "optional, e.g. IN, US, GB")
        self.region_msg = html_out("iv-region-msg")
        self.inputs: list[Any] = [self.upload, self.column, self.region]
        self.rows: list[Any] = [
            row(self.upload, self.source_label),
            row(self.column, self.column_msg),
            row(self.region, self.region_msg),
        ]
        self.column.observe(self._on_column, names="value")
        self.region.observe(self._on_region, names="value")
        self.upload.observe(self._on_upload, names="value")

    def report_error(self, err: BaseException) -> None:
        self.errors.show(err)

    # ------------------------------------------------------------------ the frame and column

    def set_recipients(self, df: pd.DataFrame | None, source: str | None) -> None:
        """Use ``df`` (read from ``source``, e.g. a file name) and guess its phone column."""
        self.df = df
        if df is None:
            self.source_label.value = note("No recipients yet: upload a CSV / Excel file (or, "
                                           "in a notebook, give the form a table).")
            self.column.options = []
            self.column_msg.value = ""
            self.on_change()
            return
        self.source_label.value = note(
            f"Using {esc(source)}: {plural(len(df), 'row')} × {plural(df.shape[1], 'column')}"
        )
        self.column.options = [(str(c), c) for c in df.columns]
        self.column.value = guess_phone_column(df)
        self.describe_column()
        self.on_change()

    def describe_column(self) -> None:
        """Say how many of the column's first values look like phone numbers."""
        df, col = self.df, self.column.value
        if df is None or col is None or col not in df.columns:
            self.column_msg.value = ""
            return
        sample = df.head(GUESS_ROWS)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                valid = int(prepare(sample.loc[:, [col]], column=col)["valid"].sum())
        except (ValueError, TypeError) as err:
            self.column_msg.value = note(esc(readable(err)), BAD)
            return
        self.column_msg.value = note(
            f"{valid:,} of the first {len(sample):,} values look like phone numbers",
            OK if valid else BAD,
        )

    @guarded
    def _on_upload(self, change: dict[str, Any]) -> None:
        got = uploaded(change["new"])
        if got is None:
            return
        name, content = got
        try:
            df = read_upload(name, content)
        except Exception as err:  # pandas raises many kinds for a file it cannot read
            self.source_label.value = note(f"Could not read {esc(name)}: {esc(readable(err))}",
                                           BAD)
            self.on_change()
            return
        self.set_recipients(df, name)

    @guarded
    def _on_column(self, change: dict[str, Any]) -> None:
        self.describe_column()
        self.on_change()

    # ------------------------------------------------------------------ region

    @guarded
    def _on_region(self, change: dict[str, Any]) -> None:
        self.validate_region()
        self.on_change()

    def region_value(self) -> str | None:
        """The default region typed, or None for none."""
        text = str(self.region.value).strip()
        return text or None

    def validate_region(self) -> bool:
        """Check the region with ``prepare`` and say so next to the field; True when usable."""
        region = self.region_value()
        if region is None:
            self.region_msg.value = ""
            return True
        try:
            prepare(pd.DataFrame({"phone": ["0"]}), column="phone", default_region=region)
        except ValueError as err:
            said = for_people(without_field(str(err), "default_region"))
            self.region_msg.value = note(esc(said), BAD)
            return False
        self.region_msg.value = note("✓", OK)
        return True
