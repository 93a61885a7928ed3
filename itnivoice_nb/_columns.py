"""Making room for the toolkit's columns without touching the user's data.

A user column whose name the toolkit needs is kept under ``<name>_input`` (then ``_input2``…).

Example:
    >>> free_labels(["phone", "status", "status_input"], {"status"})
    (['phone', 'status_input2', 'status_input'], {'status': 'status_input2'})
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence


def free_labels(
    labels: Sequence[Hashable], reserved: Collection[str]
) -> tuple[list[Hashable], dict[Hashable, str]]:
    """Rename labels found in ``reserved``; returns the new labels and ``{old: new}``."""
    out: list[Hashable] = list(labels)
    taken = set(out) | set(reserved)
    renamed: dict[Hashable, str] = {}
    for i, label in enumerate(out):
        if label in reserved:
            k, new = 1, f"{label}_input"
            while new in taken:
                k += 1
                new = f"{label}_input{k}"
            taken.add(new)
            out[i] = new
            renamed[label] = new
    return out, renamed
