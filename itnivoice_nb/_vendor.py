"""The vendor's rules, as data.

Everything here is transcribed from the vendor's API pages (``sendGroup`` and the other voice
endpoints). The client and the sandbox both read these values; neither imports the other's code,
so a wrong rule shows up as a disagreement with the vendor's text, not as two bugs that agree.

Example:
    >>> MAX_CALLEES
    200
    >>> STATUS_MESSAGES["-10"]
    'the balance is insufficient'
"""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://api.itniotech.com/voice"
"""Base URL of the voice endpoints; the balance endpoint lives beside it under ``/sms``."""

MAX_CALLEES: Final = 200
"""At most this many numbers in one ``sendGroup`` request."""

NUMBER_MIN_DIGITS: Final = 7
NUMBER_MAX_DIGITS: Final = 15
"""A callee or display number: 7-15 digits, country code + number, no '+'."""

MAX_DURATION_MIN: Final = 1
MAX_DURATION_MAX: Final = 120
LOOP_COUNT_MIN: Final = 1
LOOP_COUNT_MAX: Final = 3
LOOP_COUNT_DEFAULT: Final = 1
CALLED_INFO_MAX: Final = 1000

AUDIO_SUFFIXES: Final = (".mp3", ".m4a", ".wav")
AUDIO_NAME_MIN: Final = 5
AUDIO_NAME_MAX: Final = 32
PAGE_SIZE_MAX: Final = 100
RECORD_WINDOW_DAYS: Final = 31
RECORD_RETENTION_DAYS: Final = 60
"""Call records are kept for the last two months; a query window is at most 31 days."""

CONTENT_TYPE: Final = "application/json;charset=UTF-8"

STATUS_OK: Final = "0"
TERMINATION_ACCEPTED: Final = "0"
"""In a sendGroup answer, terminationCode "0" means the number was accepted for calling."""
SIP_ANSWERED: Final = "200"
"""In a call record, terminationCode "200" means the call was established (answered)."""

STATUS_MESSAGES: Final[dict[str, str]] = {
    "0": "success",
    "-1": "authentication error",
    "-2": "restricted IP access",
    "-10": "the balance is insufficient",
    "-13": "the user is locked",
    "-16": "the timestamp has expired",
    "-18": "port program unusual (system exception)",
    "-20": "the data exists already",
    "-21": "data validation exception",
    "-22": "parameter exception",
    "-26": "getting the fee failed",
}
"""Every status code the vendor's voice pages name, with its meaning."""


BLACKLIST_WORDS: Final = ("blacklist", "black list", "blocklist", "block list")
"""A sendGroup terminationReason naming one of these refused the number as blacklisted. The
vendor's pages list no codes for it; this is what its answers (and the sandbox's) say."""


def is_blacklist(reason: object) -> bool:
    """True when a per-number refusal reason says the number is on a blacklist.

    Example:
        >>> is_blacklist("number in blacklist"), is_blacklist("invalid number"), is_blacklist(None)
        (True, False, False)
    """
    text = str(reason or "").lower()
    return any(word in text for word in BLACKLIST_WORDS)
