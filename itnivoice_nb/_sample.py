"""The bundled sample: 100 rows of messy phone numbers, as real sheets hold them.

Example:
    >>> df = sample_recipients()
    >>> len(df), list(df.columns)
    (100, ['name', 'segment', 'phone'])
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

SAMPLE = "sample_recipients.csv"


def sample_recipients() -> pd.DataFrame:
    """The bundled sample list (every cell as text, as ``pd.read_csv(..., dtype=str)`` reads it).

    Example:
        >>> sample_recipients()["phone"].iloc[0]
        '+91 85632 14120'
    """
    source = resources.files("itnivoice_nb") / "data" / SAMPLE
    with resources.as_file(source) as path:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
