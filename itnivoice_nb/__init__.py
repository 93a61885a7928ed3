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

``import itnivoice_nb`` is quick: each name loads its module on first use (matplotlib, ipywidgets
and the sandbox's HTTP server only when a chart, the form or a sandbox is asked for).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Decision": "._classify",
    "RetryPolicy": "._classify",
    "classify": "._classify",
    "read_results": "._export",
    "to_excel": "._export",
    "follow_up": "._follow",
    "SendPlan": "._plan",
    "normalize_base_url": "._plan",
    "plan": "._plan",
    "sample_recipients": "._sample",
    "send": "._send",
    "call_outcomes": ".calls",
    "GroupAnswer": ".client",
    "GroupItem": ".client",
    "VoiceClient": ".client",
    "ApiError": ".errors",
    "AuthenticationError": ".errors",
    "BadResponseError": ".errors",
    "ConfigurationError": ".errors",
    "ConnectError": ".errors",
    "CostLimitError": ".errors",
    "DataExistsError": ".errors",
    "DataValidationError": ".errors",
    "DeadlineExceededError": ".errors",
    "FeeError": ".errors",
    "InsufficientBalanceError": ".errors",
    "ItniotechError": ".errors",
    "JournalError": ".errors",
    "ParameterError": ".errors",
    "PortProgramError": ".errors",
    "RecordPeriodError": ".errors",
    "RedirectError": ".errors",
    "ResponseLostError": ".errors",
    "ResponseTooLargeError": ".errors",
    "RestrictedIPError": ".errors",
    "SendInterrupted": ".errors",
    "SendStopped": ".errors",
    "TimestampExpiredError": ".errors",
    "TransportError": ".errors",
    "UserLockedError": ".errors",
    "SendForm": ".form",
    "send_form": ".form",
    "VoiceMessage": ".message",
    "mask_number": ".numbers",
    "normalize_number": ".numbers",
    "prepare": ".numbers",
    "OUTCOMES": ".outcomes",
    "OUTCOME_COLORS": ".outcomes",
    "OUTCOME_MEANINGS": ".outcomes",
    "has_call_records": ".reporting",
    "plot_by_country": ".reporting",
    "plot_call_results": ".reporting",
    "plot_cost": ".reporting",
    "plot_durations": ".reporting",
    "plot_failure_reasons": ".reporting",
    "plot_funnel": ".reporting",
    "plot_outcomes": ".reporting",
    "plot_responses": ".reporting",
    "plot_timeline": ".reporting",
    "report": ".reporting",
    "save_report": ".reporting",
    "style_summary": ".reporting",
    "styled": ".reporting",
    "summary": ".reporting",
    "Sandbox": ".sandbox",
    "sign": ".signing",
    "signed_headers": ".signing",
}
"""Every public name and the module it lives in (loaded on first use)."""

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
"""The public API (pinned by a test); each name is in ``_EXPORTS``."""



def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'itnivoice_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # next time, a plain attribute
    return value


def __dir__() -> list[str]:
    return list(__all__)


if TYPE_CHECKING:  # the type checker and IDEs see the names as if imported
    from ._classify import (
        Decision,
        RetryPolicy,
        classify,
    )
    from ._export import (
        read_results,
        to_excel,
    )
    from ._follow import (
        follow_up,
    )
    from ._plan import (
        SendPlan,
        normalize_base_url,
        plan,
    )
    from ._sample import (
        sample_recipients,
    )
    from ._send import (
        send,
    )
    from .calls import (
        call_outcomes,
    )
    from .client import (
        GroupAnswer,
        GroupItem,
        VoiceClient,
    )
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
    from .form import (
        SendForm,
        send_form,
    )
    from .message import (
        VoiceMessage,
    )
    from .numbers import (
        mask_number,
        normalize_number,
        prepare,
    )
    from .outcomes import (
        OUTCOME_COLORS,
        OUTCOME_MEANINGS,
        OUTCOMES,
    )
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
    from .sandbox import (
        Sandbox,
    )
    from .signing import (
        sign,
        signed_headers,
    )
