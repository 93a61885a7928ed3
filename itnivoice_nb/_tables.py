"""Reading a recipients file the way people save them: one reader for the CLI, the form and lists.

Every cell is read as text (a leading ``00`` or ``+`` stays; no number goes through a float).
CSV/TSV/TXT: the separator is detected (``,`` ``;`` tab ``|``: the one that splits the first
lines into the same number of fields, more than one), a byte-order mark is dropped, and a file
that is not UTF-8 is read as Windows-1252/latin-1 (what Excel writes in much of the world).
Excel: the first sheet, or the one named.

Example:
    >>> read_table(b"name;phone\\nAsha;+91 85632 14120\\n", "list.csv")["phone"].tolist()
    ['+91 85632 14120']
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TABLE_SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES
"""The file types a recipients file (or a suppression list) may have."""

SEPARATORS = (",", ";", "\t", "|")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def detect_separator(text: str) -> str:
    """The separator that splits the first lines into the same number (> 1) of fields.

    Example:
        >>> detect_separator("a;b;c\\n1;2,5;3\\n"), detect_separator("phone\\n+91 1\\n")
        (';', ',')
    """
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_fields = ",", 1
    for sep in SEPARATORS:
        try:
            counts = {len(row) for row in csv.reader(lines, delimiter=sep)}
        except csv.Error:
            continue
        if len(counts) == 1:
            fields = counts.pop()
            if fields > best_fields:
                best, best_fields = sep, fields
    return best


def read_table(
    source: str | os.PathLike[str] | bytes, name: str | None = None, *, sheet: str | None = None
) -> pd.DataFrame:
    """A DataFrame of text cells from a CSV/TSV/TXT/Excel file's path, or its bytes and name.

    Example:
        >>> data = "\\ufeffname\\tphone\\nB\\t0091 856 321 4121\\n".encode()
        >>> read_table(data, "x.tsv").columns.tolist()
        ['name', 'phone']
    """
    if isinstance(source, bytes):
        raw, label = source, name or "the file"
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"file not found: {path}")
        raw, label = path.read_bytes(), name or path.name
    suffix = Path(label).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(
            f"{label}: unknown file type {suffix or '(none)'!r}; allowed: "
            + ", ".join(TABLE_SUFFIXES)
        )
    if suffix in EXCEL_SUFFIXES:
        return pd.read_excel(io.BytesIO(raw), sheet_name=sheet or 0, dtype=str)
    text = _decode(raw)
    sep = "\t" if suffix == ".tsv" else detect_separator(text)
    return pd.read_csv(
        io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
        skipinitialspace=False,
    )  # fmt: skip
