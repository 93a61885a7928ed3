"""A whole column of text at once: :func:`clean_vec` (what :func:`._scalar.clean_text` does to
one cell) and :func:`apply_default_rules` (the vendor's length and leading-zero rules).

The common shapes (digits, separators, '+', '00', a "(0)" trunk prefix, float artifacts such as
"91856.0", scientific notation, letters, several numbers in a cell) are done on the raw UTF-8
buffers with numpy and pyarrow, with the patterns of :mod:`._rules`; every other row goes
through :func:`._scalar.clean_text` once per distinct value.

Example:
    >>> import pyarrow as pa
    >>> from ._arrow import Reasons
    >>> text = pa.array(["+91 85632 14120", "0091-856-321-4120", "n/a x", None], LSTR)
    >>> codes, reasons = np.full(4, -1, dtype=np.int32), Reasons()
    >>> digits, international, national = clean_vec(text, codes, reasons)
    >>> digits.take().to_pylist()[:2], international.tolist()
    (['918563214120', '918563214120'], [True, True, False, False])
    >>> reasons.to_arrow(codes).to_pylist()
    [None, None, 'contains letters', 'missing']
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._vendor import NUMBER_MAX_DIGITS, NUMBER_MIN_DIGITS
from ._arrow import (
    LSTR,
    Digits,
    Reasons,
    buffers,
    byte_at,
    compact,
    fold,
    np_bool,
    ranges,
    strings,
)
from ._rules import (
    DATE,
    DECIMAL,
    DELIMITER_CLASS,
    DIGIT,
    EXTENSION,
    EXTENSION_REASON,
    EXTENSION_SYMBOLS,
    FLOAT_TEXT,
    FORMATTED,
    LETTER,
    LETTERS,
    MISPLACED,
    MISPLACED_PLUS,
    MISSING,
    MISSING_WORDS,
    NATIONAL,
    NON_DIGITS,
    SCIENTIFIC,
    SEPARATORS,
    SEVERAL,
    SLASH,
    SPLIT_CLASS,
    STRIP,
    STRIP_CLASS,
    TEL,
    TRUNK_ZERO,
    VANITY,
    VANITY_REASON,
    ZERO_CC,
    char_class,
    date_reason,
    hidden_digits_reason,
    length_reason,
    not_whole_reason,
    split_reason,
    vanity_counts,
    whole_cell,
)
from ._scalar import clean_text

_KEEP_LUT: Final = np.ones(256, dtype=bool)
_KEEP_LUT[np.frombuffer(SEPARATORS.encode(), dtype=np.uint8)] = False
_PLUS, _ZERO = ord("+"), ord("0")
_DECIMAL_CELL: Final = whole_cell(DECIMAL)
_FLOAT_TEXT_CELL: Final = whole_cell(FLOAT_TEXT)
_SCIENTIFIC_CELL: Final = whole_cell(SCIENTIFIC)
_DATE_CELL: Final = whole_cell(DATE)
_EXTENSION_CELL: Final = whole_cell(EXTENSION)
_VANITY_CELL: Final = whole_cell(VANITY)
_ODD: Final = f"{LETTER}|{char_class(EXTENSION_SYMBOLS)}"
"""Cells that may be a missing word, an extension, a vanity number, or letters."""
_MISSING_WORDS: Final = pa.array(sorted(MISSING_WORDS), LSTR)


def _scientific_vec(
    text: pa.Array, rows: np.ndarray, codes: np.ndarray, r: Reasons
) -> tuple[np.ndarray, pa.Array]:
    """:func:`._scalar.scientific` for the rows of ``text`` written like "9.18563214120E+11".

    Exact string arithmetic, no floats: with mantissa ``I.F`` and exponent ``E`` the number is
    whole and complete iff ``len(F) >= E`` and ``F[E:]`` is only zeros, and then its digits are
    ``I + F[:E]``. Rows with no digit before the point or a negative exponent are left to the
    per-value path. Returns the rows handled and their digits; refusals go to ``codes``.
    """
    sub = text.take(pa.array(rows))
    parts = pc.extract_regex(sub, _SCIENTIFIC_CELL)
    matched = np_bool(parts.is_valid())
    if matched.any():
        whole = pc.fill_null(parts.field("whole"), "")
        matched &= np_bool(pc.not_equal(whole, "")) & np_bool(
            pc.not_equal(parts.field("sign"), "-")
        )
    if not matched.any():
        return rows[:0], pa.array([], LSTR)
    rows, sub = rows[matched], sub.filter(pa.array(matched))
    parts = parts.filter(pa.array(matched))
    whole = parts.field("whole")
    frac = pc.fill_null(parts.field("fraction"), "")
    exp = pc.cast(parts.field("exponent"), pa.int64()).to_numpy()
    frac_len = pc.binary_length(frac).to_numpy()
    frac_nz = pc.ascii_rtrim(frac, "0")
    nz_len = pc.binary_length(frac_nz).to_numpy()
    hides = exp > frac_len
    fraction = ~hides & (nz_len > exp)
    for bad, why in ((hides, hidden_digits_reason), (fraction, not_whole_reason)):
        if bad.any():
            shown = pc.utf8_trim(sub.filter(pa.array(bad)), STRIP)
            codes[rows[bad]] = r.codes_for(shown, why)
    pad = pc.binary_repeat(pa.scalar("0", LSTR), pa.array(np.maximum(exp - nz_len, 0)))
    digits = pc.binary_join_element_wise(whole, frac_nz, pad, pa.scalar("", LSTR))
    digits = pc.ascii_ltrim(digits, "0")
    digits = pc.if_else(pc.equal(digits, ""), pa.scalar("0", LSTR), digits)
    return rows, digits


def _part_counts(texts: pa.Array, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """Per text, split on ``pattern``: (parts holding a digit, parts holding 7+ digits)."""
    parts = pc.split_pattern_regex(texts, pattern)
    parent = pc.list_parent_indices(parts).to_numpy()
    digits = pc.binary_length(pc.replace_substring_regex(parts.flatten(), NON_DIGITS, ""))
    digits = digits.to_numpy()
    k = len(texts)
    return (
        np.bincount(parent, weights=digits > 0, minlength=k),
        np.bincount(parent, weights=digits >= NUMBER_MIN_DIGITS, minlength=k),
    )


def _refusals_vec(text: pa.Array, rows: np.ndarray, codes: np.ndarray, r: Reasons) -> np.ndarray:
    """The common refusals of :func:`._scalar.clean_text`, vectorised: missing words,
    extensions, vanity numbers, letters, several numbers, a misplaced '+'.

    Only ASCII rows that ``clean_text`` would decide at exactly these steps are decided here
    (returned); every other row is left to it.
    """
    sub = text.take(pa.array(rows))
    ascii_ = np_bool(pc.string_is_ascii(sub))
    lettered = ascii_ & np_bool(pc.match_substring_regex(sub, LETTER))
    odd = ascii_ & np_bool(pc.match_substring_regex(sub, _ODD))
    odd &= ~np_bool(pc.match_substring_regex(sub, _SCIENTIFIC_CELL))
    decided = np.zeros(len(rows), dtype=bool)
    if odd.any():
        at = np.flatnonzero(odd)
        cells = sub.take(pa.array(at))
        letters = lettered[at]
        key = pc.ascii_lower(pc.replace_substring_regex(cells, f"{STRIP_CLASS}+", ""))
        missing = letters & np_bool(pc.is_in(key, value_set=_MISSING_WORDS))
        extension = ~missing & np_bool(pc.match_substring_regex(cells, _EXTENSION_CELL))
        worded = letters & ~missing & ~extension
        vanity = worded & np_bool(pc.match_substring_regex(cells, _VANITY_CELL))
        if vanity.any():
            shaped = cells.filter(pa.array(vanity))
            vanity[vanity] = vanity_counts(
                pc.count_substring_regex(shaped, LETTER).to_numpy(),
                pc.count_substring_regex(shaped, DIGIT).to_numpy(),
            )
        for which, reason in (
            (missing, MISSING),
            (extension, EXTENSION_REASON),
            (vanity, VANITY_REASON),
            (worded & ~vanity, LETTERS),
        ):
            codes[rows[at[which]]] = r.code(reason)
        decided[at[letters | extension]] = True
    split = ascii_ & ~decided & np_bool(pc.match_substring_regex(sub, SPLIT_CLASS))
    if split.any():
        _several_vec(sub, rows, np.flatnonzero(split), decided, codes, r)
    # "+91+8563214120": no rule before this one looks at a cell without letters and '+'
    plus = ascii_ & ~decided & ~lettered
    if plus.any():
        at = np.flatnonzero(plus)
        misplaced = np_bool(pc.match_substring_regex(sub.take(pa.array(at)), MISPLACED.pattern))
        codes[rows[at[misplaced]]] = r.code(MISPLACED_PLUS)
        decided[at[misplaced]] = True
    return rows[decided]


def _several_vec(
    sub: pa.Array,
    rows: np.ndarray,
    where: np.ndarray,
    decided: np.ndarray,
    codes: np.ndarray,
    r: Reasons,
) -> None:
    """Cells of ``sub`` at ``where`` that hold several numbers, or digits split by a delimiter."""
    cells = sub.take(pa.array(where))
    with_digits, long_parts = _part_counts(cells, DELIMITER_CLASS)
    several = long_parts >= 2
    split_by = ~several & (with_digits >= 2)
    slashed = (with_digits < 2) & np_bool(pc.match_substring(cells, SLASH))
    if slashed.any():
        several[slashed] = _part_counts(cells.filter(pa.array(slashed)), SLASH)[1] >= 2
    codes[rows[where[several]]] = r.code(SEVERAL)
    if split_by.any():
        first = pc.extract_regex(
            pc.utf8_trim(cells.filter(pa.array(split_by)), STRIP), f"(?P<d>{DELIMITER_CLASS})"
        )
        codes[rows[where[split_by]]] = r.codes_for(first.field("d"), split_reason)
    decided[where[several | split_by]] = True


def clean_vec(
    text: pa.Array,
    codes: np.ndarray,
    reasons: Reasons,
    fold_text: bool = True,
    tel: bool = True,
) -> tuple[Digits, np.ndarray, np.ndarray]:
    """:func:`._scalar.clean_text` over a column: (digits, international, national_form).

    Refusals go to ``codes``; rows already refused (``codes >= 0``) are left alone. Non-ASCII
    rows (``fold_text``) and "tel:" rows (``tel``) are cleaned apart, by the same function on
    their folded text or the text after "tel:".
    """
    n = len(text)
    is_null = text.is_null().to_numpy(zero_copy_only=False)
    slow = np.zeros(n, dtype=bool)
    open_ = codes < 0

    # Non-ASCII: other scripts' digits, Unicode spaces and dashes folded to ASCII, then the
    # same steps on those few rows (done apart; their results replace the main pass's).
    folded_rows = np.zeros(0, dtype=np.int64)
    if fold_text:
        folded_rows = np.flatnonzero(~np_bool(pc.string_is_ascii(text), True) & open_)
    if len(folded_rows):
        folded_codes = codes[folded_rows]
        folded_digits, folded_intl, folded_national = clean_vec(
            fold(text.take(folded_rows)), folded_codes, reasons, fold_text=False
        )
        open_[folded_rows] = False

    offsets, data = buffers(text)
    written = np.diff(offsets)
    keep = np.take(_KEEP_LUT, data)
    # "+44 (0)20 …": the parentheses are separators, the 0 goes too.
    trunk = np.flatnonzero(np_bool(pc.match_substring(text, "(0)")))
    if len(trunk):
        written_head = pc.extract_regex(text.take(trunk), TRUNK_ZERO.pattern)
        found = np_bool(written_head.is_valid())
        head = written_head.filter(pa.array(found)).field("head")
        keep[offsets[trunk[found]] + pc.binary_length(head).to_numpy() + 1] = False

    # A dot could be a float written as text: "918563214120.0" is 12 digits, not 13.
    artifacts = np.zeros(0, dtype=np.int64)
    dotted = np_bool(pc.match_substring(text, "."))
    if dotted.any():
        rows = np.flatnonzero(dotted)
        decimal = np_bool(pc.match_substring_regex(text.take(rows), _DECIMAL_CELL))
        rows = rows[decimal]
        sub = text.take(rows)
        artifact = np_bool(pc.match_substring_regex(sub, _FLOAT_TEXT_CELL))
        slow[rows[~artifact]] = True  # "91856.5": refused by clean_text
        if artifact.any():  # drop ".0…" to the end of the cell
            rows = artifacts = rows[artifact]
            dot = pc.find_substring(sub.filter(pa.array(artifact)), ".").to_numpy()
            starts = offsets[rows] + dot
            keep[ranges(starts, offsets[rows + 1] - starts)] = False

    offsets, data = compact(offsets, data, keep)
    lengths = np.diff(offsets)
    # "2024-01-31" would pass for 8 digits.
    maybe_date = np.flatnonzero(open_ & ~slow & (lengths >= 4) & (lengths <= 8))
    if len(maybe_date):
        date = np_bool(pc.match_substring_regex(text.take(maybe_date), _DATE_CELL))
        if date.any():
            rows = maybe_date[date]
            shown = pc.utf8_trim(text.take(rows), STRIP)
            codes[rows] = reasons.codes_for(shown, date_reason)
            open_[rows] = False
    # A leading '+' or '00' marks an international number; it goes.
    heads = offsets[:-1]
    plus = byte_at(data, heads, lengths > 0) == _PLUS
    zeros = ~plus & (byte_at(data, heads, lengths > 1) == _ZERO)
    zeros &= byte_at(data, heads + 1, lengths > 1) == _ZERO
    skip = plus.astype(np.int64) + 2 * zeros
    if skip.any():
        keep = np.ones(len(data), dtype=bool)
        keep[heads[plus | zeros]] = False
        keep[heads[zeros] + 1] = False
        data = data[keep]
        offsets = offsets - np.concatenate(([0], np.cumsum(skip)))
        lengths = lengths - skip
    digits = strings(offsets, data)
    slow |= ~is_null & (lengths > 0) & ~np_bool(pc.ascii_is_decimal(digits))
    international = plus | zeros
    # Formatted by hand without '+' or '00' (separators were dropped, not just spaces around).
    national = np.zeros(n, dtype=bool)
    maybe = np.flatnonzero(~international & ~slow & open_ & (lengths > 0) & (lengths < written))
    if len(maybe):
        national[maybe] = np_bool(pc.match_substring_regex(text.take(maybe), FORMATTED.pattern))
        national[artifacts] = False  # its dot was the float's, not a separator
    codes[(is_null | (lengths == 0)) & ~slow & open_] = reasons.code(MISSING)
    lead_zero = byte_at(data, offsets[:-1], lengths > 0) == _ZERO
    out = Digits(digits, lengths, lead_zero)

    slow &= open_
    # "tel:+1-201-555-0123": the rest of the cell is cleaned as a cell of its own.
    tel_rows = np.zeros(0, dtype=np.int64)
    if tel and slow.any():
        rows = np.flatnonzero(slow)
        uri = np_bool(pc.match_substring_regex(text.take(rows), TEL.pattern))
        if uri.any():
            tel_rows = rows[uri]
            rest = pc.replace_substring_regex(
                text.take(tel_rows), TEL.pattern, "", max_replacements=1
            )
            tel_codes = codes[tel_rows]
            tel_digits, tel_intl, tel_national = clean_vec(
                rest, tel_codes, reasons, fold_text=False, tel=False
            )
            slow[tel_rows] = False
    if slow.any():
        rows, sci = _scientific_vec(text, np.flatnonzero(slow), codes, reasons)
        slow[rows] = False
        international[rows] = national[rows] = False
        out.replace(rows, sci)
    if slow.any():
        slow[_refusals_vec(text, np.flatnonzero(slow), codes, reasons)] = False
    rows = np.flatnonzero(slow)
    if len(rows):
        encoded = pc.dictionary_encode(text.take(rows))
        index = encoded.indices.to_numpy(zero_copy_only=False)
        results = [clean_text(v, tel=tel) for v in encoded.dictionary.to_pylist()]
        u_codes = np.array(
            [reasons.code(r) if isinstance(r, str) else -1 for r in results], dtype=np.int32
        )
        u_intl = np.array([not isinstance(r, str) and r[1] for r in results], dtype=bool)
        u_national = np.array([not isinstance(r, str) and r[2] for r in results], dtype=bool)
        u_digits = pa.array([None if isinstance(r, str) else r[0] for r in results], LSTR)
        codes[rows] = u_codes[index]
        international[rows] = u_intl[index]
        national[rows] = u_national[index]
        out.replace(rows, u_digits.take(pa.array(index)))
    if len(tel_rows):
        codes[tel_rows] = tel_codes
        international[tel_rows] = tel_intl
        national[tel_rows] = tel_national
        out.replace(tel_rows, tel_digits.take())
    if len(folded_rows):
        codes[folded_rows] = folded_codes
        international[folded_rows] = folded_intl
        national[folded_rows] = folded_national
        out.replace(folded_rows, folded_digits.take())
    return out, international, national


def apply_default_rules(digits: Digits, intl: np.ndarray, codes: np.ndarray, r: Reasons) -> None:
    """The vendor's rules on open rows: 7-15 digits, and no leading 0 (national or bad code)."""
    open_ = codes < 0
    lengths = digits.lengths
    bad_length = open_ & ((lengths < NUMBER_MIN_DIGITS) | (lengths > NUMBER_MAX_DIGITS))
    if bad_length.any():
        rows = np.flatnonzero(bad_length)
        distinct, inverse = np.unique(lengths[rows], return_inverse=True)
        table = np.array([r.code(str(length_reason(int(x)))) for x in distinct], np.int32)
        codes[rows] = table[inverse]
    zero = open_ & ~bad_length & digits.lead_zero
    codes[zero & intl] = r.code(ZERO_CC)
    codes[zero & ~intl] = r.code(NATIONAL)
