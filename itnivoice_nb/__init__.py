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
    "SendPlan": "._sendplan",
    "normalize_base_url": "._urls",
    "plan": "._plan",
    "sample_recipients": "._sample",
    "send": "._send",
    "call_outcomes": "._calls",
    "GroupAnswer": "._client",
    "GroupItem": "._client",
    "VoiceClient": "._client",
    "ApiError": "._errors",
    "AuthenticationError": "._errors",
    "BadResponseError": "._errors",
    "ConfigurationError": "._errors",
    "ConnectError": "._errors",
    "CostLimitError": "._errors",
    "DataExistsError": "._errors",
    "DataValidationError": "._errors",
    "DeadlineExceededError": "._errors",
    "FeeError": "._errors",
    "InsufficientBalanceError": "._errors",
    "ItniotechError": "._errors",
    "JournalError": "._errors",
    "ParameterError": "._errors",
    "PortProgramError": "._errors",
    "RecordPeriodError": "._errors",
    "RedirectError": "._errors",
    "ResponseLostError": "._errors",
    "ResponseTooLargeError": "._errors",
    "RestrictedIPError": "._errors",
    "SendInterrupted": "._errors",
    "SendStopped": "._errors",
    "TimestampExpiredError": "._errors",
    "TransportError": "._errors",
    "UserLockedError": "._errors",
    "SendForm": "._form",
    "send_form": "._form",
    "VoiceMessage": "._message",
    "mask_number": "._numbers",
    "normalize_number": "._numbers",
    "prepare": "._numbers",
    "OUTCOMES": "._outcomes",
    "OUTCOME_COLORS": "._outcomes",
    "OUTCOME_MEANINGS": "._outcomes",
    "has_call_records": "._reporting",
    "plot_by_country": "._reporting",
    "plot_call_results": "._reporting",
    "plot_cost": "._reporting",
    "plot_durations": "._reporting",
    "plot_failure_reasons": "._reporting",
    "plot_funnel": "._reporting",
    "plot_outcomes": "._reporting",
    "plot_responses": "._reporting",
    "plot_timeline": "._reporting",
    "report": "._reporting",
    "save_report": "._reporting",
    "style_summary": "._reporting",
    "styled": "._reporting",
    "summary": "._reporting",
    "Sandbox": "._sandbox",
    "sign": "._signing",
    "signed_headers": "._signing",
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
    from ._calls import (
        call_outcomes,
    )
    from ._classify import (
        Decision,
        RetryPolicy,
        classify,
    )
    from ._client import (
        GroupAnswer,
        GroupItem,
        VoiceClient,
    )
    from ._errors import (
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
    from ._export import (
        read_results,
        to_excel,
    )
    from ._follow import (
        follow_up,
    )
    from ._form import (
        SendForm,
        send_form,
    )
    from ._message import (
        VoiceMessage,
    )
    from ._numbers import (
        mask_number,
        normalize_number,
        prepare,
    )
    from ._outcomes import (
        OUTCOME_COLORS,
        OUTCOME_MEANINGS,
        OUTCOMES,
    )
    from ._plan import (
        plan,
    )
    from ._reporting import (
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
    from ._sample import (
        sample_recipients,
    )
    from ._sandbox import (
        Sandbox,
    )
    from ._send import (
        send,
    )
    from ._sendplan import (
        SendPlan,
    )
    from ._signing import (
        sign,
        signed_headers,
    )
    from ._urls import (
        normalize_base_url,
    )
