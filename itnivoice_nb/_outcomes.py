"""The words a results DataFrame speaks: outcome values and column names.

Example:
    >>> OUTCOMES[:3]
    ('submitted', 'rejected', 'failed')
    >>> OUTCOME_COLORS["submitted"]
    '#009E73'
"""

from __future__ import annotations

from typing import Final

import pandas as pd

SUBMITTED: Final = "submitted"
REJECTED: Final = "rejected"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"
INVALID: Final = "invalid"
DUPLICATE: Final = "duplicate"
NOT_SENT: Final = "not_sent"
ALREADY_CALLED: Final = "already_called"
DEFERRED: Final = "deferred"
EXCLUDED: Final = "excluded"

OUTCOMES: Final = (
    SUBMITTED,
    REJECTED,
    FAILED,
    UNKNOWN,
    INVALID,
    DUPLICATE,
    NOT_SENT,
    ALREADY_CALLED,
    DEFERRED,
    EXCLUDED,
)
"""Every outcome a row can have, in the order reports show them."""

OUTCOME_MEANINGS: Final[dict[str, str]] = {
    SUBMITTED: 'the API accepted the number (terminationCode "0")',
    REJECTED: "the API answered for the number with another terminationCode",
    FAILED: "the API refused the whole request, or it certainly never arrived",
    UNKNOWN: "the request may have reached the API but no usable answer came back",
    INVALID: "refused by validation; never sent",
    DUPLICATE: "the number repeats an earlier row; only the first row is sent",
    NOT_SENT: "valid, but no request was made (dry run, or the send stopped first)",
    ALREADY_CALLED: "this account already called the number with this audio (the ledger); "
    "not called again",
    DEFERRED: "outside the calling hours in the recipient's time zone; sent by a later run",
    EXCLUDED: "on a suppression list (or refused by the API as blacklisted before); never sent",
}

OUTCOME_COLORS: Final[dict[str, str]] = {
    # Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
    SUBMITTED: "#009E73",  # bluish green
    REJECTED: "#D55E00",  # vermillion
    FAILED: "#CC79A7",  # reddish purple
    UNKNOWN: "#E69F00",  # orange
    INVALID: "#56B4E9",  # sky blue
    DUPLICATE: "#0072B2",  # blue
    NOT_SENT: "#999999",  # grey
    ALREADY_CALLED: "#F0E442",  # yellow
    DEFERRED: "#332288",  # indigo (Tol)
    EXCLUDED: "#882255",  # wine (Tol)
}
"""One fixed colour per outcome, used by every chart and styled table."""

OUTCOME_DTYPE: Final = pd.CategoricalDtype(list(OUTCOMES), ordered=False)

PREPARE_COLUMNS: Final = ("number", "valid", "invalid_reason", "duplicate")
"""Columns :func:`itnivoice_nb.prepare` adds."""

SEND_COLUMNS: Final = (
    "batch",
    "status",
    "status_reason",
    "voice_id",
    "termination_code",
    "termination_reason",
    "outcome",
    "outcome_reason",
    "sent_at",
)
"""Columns :func:`itnivoice_nb.send` adds after the prepare columns."""

RECORD_COLUMNS: Final = (
    "record_status",
    "answered",
    "submit_time",
    "call_time",
    "ringing_time",
    "answer_time",
    "hangup_time",
    "call_duration",
    "charged_duration",
    "sip_code",
    "sip_reason",
    "cost",
    "rate",
    "base_cost",
    "bill_period",
    "feedback_value",
    "currency",
)
"""Columns :func:`itnivoice_nb.call_outcomes` joins onto a results frame."""
