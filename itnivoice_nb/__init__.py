"""itnivoice_nb: send a recorded voice message to a DataFrame of phone numbers, safely.

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> df = pd.DataFrame({"phone": ["+91 85632 14120", "0091 856-321-4121", "12345"]})
    >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", loop_count=2)
    >>> iv.prepare(df)["valid"].tolist()
    [True, True, False]
    >>> with iv.Sandbox(reject_share=0) as sb:
    ...     results = iv.send(df, msg, client=sb.client(), journal=None, progress=False)
    >>> results["outcome"].tolist()
    ['submitted', 'submitted', 'invalid']
"""

from __future__ import annotations

from ._classify import Decision, RetryPolicy, classify
from ._export import read_results, to_excel
from ._follow import follow_up
from ._plan import SendPlan, normalize_base_url, plan
from ._sample import sample_recipients
from ._send import send
from .calls import call_outcomes
from .client import GroupAnswer, GroupItem, VoiceClient
from .errors import (
    ApiError,
    AuthenticationError,
    BadResponseError,
    ConfigurationError,
    ConnectError,
    CostLimitError,
    DataExistsError,
    DataValidationError,
    DeadlineExceededError,
    FeeError,
    InsufficientBalanceError,
    ItniotechError,
    JournalError,
    ParameterError,
    PortProgramError,
    RecordPeriodError,
    RedirectError,
    ResponseLostError,
    ResponseTooLargeError,
    RestrictedIPError,
    SendInterrupted,
    SendStopped,
    TimestampExpiredError,
    TransportError,
    UserLockedError,
)
from .form import SendForm, send_form
from .message import VoiceMessage
from .numbers import mask_number, normalize_number, prepare
from .outcomes import OUTCOME_COLORS, OUTCOME_MEANINGS, OUTCOMES
from .reporting import (
    has_call_records,
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
    save_report,
    style_summary,
    styled,
    summary,
)
from .sandbox import Sandbox
from .signing import sign, signed_headers

__version__ = "0.1.0"

__all__ = [
    "OUTCOMES",
    "OUTCOME_COLORS",
    "OUTCOME_MEANINGS",
    "ApiError",
    "AuthenticationError",
    "BadResponseError",
    "ConfigurationError",
    "ConnectError",
    "CostLimitError",
    "DataExistsError",
    "DataValidationError",
    "DeadlineExceededError",
    "Decision",
    "FeeError",
    "GroupAnswer",
    "GroupItem",
    "InsufficientBalanceError",
    "ItniotechError",
    "JournalError",
    "ParameterError",
    "PortProgramError",
    "RecordPeriodError",
    "RedirectError",
    "ResponseLostError",
    "ResponseTooLargeError",
    "RestrictedIPError",
    "RetryPolicy",
    "Sandbox",
    "SendForm",
    "SendInterrupted",
    "SendPlan",
    "SendStopped",
    "TimestampExpiredError",
    "TransportError",
    "UserLockedError",
    "VoiceClient",
    "VoiceMessage",
    "__version__",
    "call_outcomes",
    "classify",
    "follow_up",
    "has_call_records",
    "mask_number",
    "normalize_base_url",
    "normalize_number",
    "plan",
    "plot_by_country",
    "plot_call_results",
    "plot_cost",
    "plot_durations",
    "plot_failure_reasons",
    "plot_funnel",
    "plot_outcomes",
    "plot_responses",
    "plot_timeline",
    "prepare",
    "read_results",
    "report",
    "sample_recipients",
    "save_report",
    "send",
    "send_form",
    "sign",
    "signed_headers",
    "style_summary",
    "styled",
    "summary",
    "to_excel",
]
