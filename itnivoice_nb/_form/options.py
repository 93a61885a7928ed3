"""The form's campaign options (a collapsible section): calling hours, suppression lists, cost.

Every value is read here and passed to :func:`itnivoice_nb.plan` as is: ``call_window`` and
``call_days`` (checked as they are typed by the package's own parser), ``default_timezone``,
``exclude`` (``{file name: DataFrame, "typed in the form": [numbers]}``: uploaded CSV / Excel
files, read with every cell as text, and the numbers typed in the text area),
``exclude_blacklisted``, ``rates`` (typed as ``"91=0.02, 1=0.015"``) and ``max_cost``; and
``resend_unknown`` to ``plan.send``. A value the package refuses is said next to its field, in
the field's words.

Example:
    >>> from itnivoice_nb._form._common import ErrorBox
    >>> part = OptionsPart(on_change=lambda: None, errors=ErrorBox())
    >>> part.call_start.value, part.call_end.value = "9:00", "20:00"
    >>> part.call_days.value = "mon-fri"
    >>> part.rates.value, part.max_cost.value = "91=0.02, +1 = 0.015", "25"
    >>> part.exclude_text.value = "+91 85632 14120\\n0091 856 321 4121"
    >>> kwargs, problems = part.plan_kwargs()
    >>> problems, kwargs["call_window"], kwargs["call_days"], kwargs["rates"], kwargs["max_cost"]
    ([], ('9:00', '20:00'), 'mon-fri', {'91': 0.02, '1': 0.015}, 25.0)
    >>> kwargs["exclude"]
    {'typed in the form': ['+91 85632 14120', '0091 856 321 4121']}
    >>> part.hours_msg.value.count("Mon-Fri 09:00–20:00")
    1
    >>> part.call_end.value = "25:00"
    >>> part.plan_kwargs()[1], "not a time of day" in part.hours_msg.value
    (['calling hours'], True)
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from typing import Any, Final

import ipywidgets as w
import pandas as pd

from .._hours import check_timezone, parse_window
from .._suppress import suppression
from ._common import (
    BAD,
    FIELD_WIDTH,
    LABEL_STYLE,
    MUTED,
    OK,
    RESEND_UNKNOWN_LABEL,
    WARN,
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
    uploaded_all,
    without_field,
)
from .recipients import TABLE_SUFFIXES, read_upload

__all__ = ["OPTIONS_TITLE", "TYPED_LIST", "OptionsPart", "parse_rates"]

OPTIONS_TITLE: Final = "Campaign options: calling hours, numbers not to call, cost"
"""The title of the collapsible section."""
TYPED_LIST: Final = "typed in the form"
"""The name of the suppression list typed in the text area."""

_FIELD_OF: Final = {
    "call_window": "hours", "call_days": "hours", "default_timezone": "timezone",
    "exclude": "exclude", "rates": "rates", "max_cost": "max_cost",
}  # fmt: skip
"""Which field's note says an error of the plan, by the option it names."""


def parse_rates(text: str) -> dict[str, float] | None:
    """``"91=0.02, 1=0.015"`` (commas, semicolons or lines; ``=`` or ``:``) → ``{"91": 0.02,
    "1": 0.015}`` checked by the package; None for blank text. Raises ValueError in words.

    Example:
        >>> parse_rates("91=0.02; +1: 0.015\\n44 = 0.05")
        {'91': 0.02, '1': 0.015, '44': 0.05}
        >>> parse_rates("91 0.02")
        Traceback (most recent call last):
        ...
        ValueError: '91 0.02': write a calling code, "=" and the price per minute, e.g. 91=0.02
    """
    from .._cost import check_rates

    items = [item.strip() for item in re.split(r"[,;\n]", text) if item.strip()]
    if not items:
        return None
    pairs: dict[str, str] = {}
    for item in items:
        found = re.fullmatch(r"\+?\s*([^=:\s]+)\s*[=:]\s*(\S+)", item)
        if found is None:
            raise ValueError(f"{item!r}: write a calling code, \"=\" and the price per minute, "
                             "e.g. 91=0.02")
        pairs[found.group(1)] = found.group(2)
    try:
        return check_rates(pairs)
    except ValueError as err:
        raise ValueError(for_people(without_field(str(err), "rates"))) from None


class OptionsPart:
    """The campaign options: ``call_start``, ``call_end``, ``call_days``, ``default_timezone``
    (with ``hours_msg`` and ``timezone_msg``), ``exclude_upload``, ``exclude_text``,
    ``exclude_blacklisted`` (``exclude_msg``), ``rates``, ``max_cost`` (``rates_msg``,
    ``max_cost_msg``) and ``resend_unknown``, inside ``box`` (an Accordion, closed at first).

    :meth:`plan_kwargs` gives the keyword arguments for :func:`itnivoice_nb.plan` (and the
    names of the options that are wrong); ``on_change()`` is called after every change.
    """

    def __init__(
        self,
        on_change: Callable[[], None],
        errors: ErrorBox,
        region: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.on_change = on_change
        self.errors = errors
        self._region = region
        self.lists: dict[str, pd.DataFrame] = {}
        self._unreadable: dict[str, str] = {}
        # Calling hours.
        self.call_start = text_field("Calling hours from", "iv-call-start",
                                     "e.g. 09:00; blank: any time")
        self.call_start.layout.width = "260px"
        self.call_end = w.Text(description="until", placeholder="e.g. 20:00",
                               layout=w.Layout(width="170px"), continuous_update=True,
                               style={"description_width": "40px"})
        self.call_end.add_class("iv-call-end")
        self.call_days = text_field("Calling days", "iv-call-days",
                                    "e.g. Mon-Fri; blank: every day")
        self.hours_msg = html_out("iv-hours-msg")
        self.default_timezone = text_field(
            "Default time zone", "iv-default-timezone",
            "e.g. Asia/Kolkata",
        )
        self.timezone_msg = html_out("iv-timezone-msg")
        # Numbers not to call.
        self.exclude_upload = w.FileUpload(
            accept=",".join(TABLE_SUFFIXES), multiple=True, description="Lists…",
            tooltip="Choose one or more CSV / Excel files of numbers never to call "
            "(suppression lists); the phone column is found in each",
            layout=w.Layout(width="180px"),
        )
        self.exclude_upload.add_class("iv-exclude-upload")
        self.exclude_clear = w.Button(description="Remove lists", icon="times",
                                      tooltip="Stop using the uploaded suppression lists",
                                      disabled=True, layout=w.Layout(width="140px"))
        self.exclude_clear.add_class("iv-exclude-clear")
        self.exclude_text = w.Textarea(
            description="Numbers not to call", continuous_update=False,
            placeholder="one number a line (or separated by commas)", style=LABEL_STYLE,
            layout=w.Layout(width=FIELD_WIDTH, height="60px"),
        )
        self.exclude_text.add_class("iv-exclude-text")
        self.exclude_blacklisted = w.Checkbox(
            value=True, indent=False, layout=w.Layout(width="640px"),
            description="Also skip numbers the API refused as blacklisted before (from the "
            "journal)",
        )
        self.exclude_blacklisted.add_class("iv-exclude-blacklisted")
        self.exclude_msg = html_out("iv-exclude-msg")
        # Cost.
        self.rates = text_field("Rates per minute", "iv-rates",
                                "e.g. 91=0.02, 1=0.015; blank: from past call records")
        self.rates_msg = html_out("iv-rates-msg")
        self.max_cost = text_field("Max cost", "iv-max-cost", "blank: no limit")
        self.max_cost_msg = html_out("iv-max-cost-msg")
        self.resend_unknown = w.Checkbox(
            value=False, indent=False, layout=w.Layout(width="640px"),
            description=f"{RESEND_UNKNOWN_LABEL} (they may be charged twice)",
        )
        self.resend_unknown.add_class("iv-resend-unknown")

        self.inputs: list[Any] = [
            self.call_start, self.call_end, self.call_days, self.default_timezone,
            self.exclude_upload, self.exclude_text, self.exclude_blacklisted, self.rates,
            self.max_cost, self.resend_unknown,
        ]  # fmt: skip
        self.content = w.VBox([
            w.HTML(note("<b>Calling hours</b>, in each recipient's own time zone: numbers "
                        "outside them are deferred (Check and Send again later to call them).")),
            row(self.call_start, self.call_end),
            row(self.call_days),
            row(w.HTML(layout=w.Layout(width="154px")), self.hours_msg),
            row(self.default_timezone, self.timezone_msg),
            w.HTML(note("<b>Numbers not to call</b> (suppression lists): on a list means "
                        "excluded, whatever the spelling of the number.")),
            row(w.HTML(layout=w.Layout(width="154px")), self.exclude_upload, self.exclude_clear),
            self.exclude_text, row(w.HTML(layout=w.Layout(width="154px")), self.exclude_msg),
            self.exclude_blacklisted,
            w.HTML(note("<b>Cost</b>: an upper bound of what the calls can cost, and a limit.")),
            row(self.rates, self.rates_msg),
            row(self.max_cost, self.max_cost_msg),
            self.resend_unknown,
        ])  # fmt: skip
        self.box = w.Accordion(children=[self.content], titles=(OPTIONS_TITLE,),
                               selected_index=None, layout=w.Layout(max_width="900px"))
        self.box.add_class("iv-options")
        self.rows: list[Any] = [self.box]
        for field in (self.call_start, self.call_end, self.call_days):
            field.observe(self._on_hours, names="value")
        self.default_timezone.observe(self._on_timezone, names="value")
        self.exclude_upload.observe(self._on_lists, names="value")
        self.exclude_clear.on_click(self._on_clear_lists)
        self.exclude_text.observe(self._on_exclude_text, names="value")
        self.exclude_blacklisted.observe(self._on_other, names="value")
        self.rates.observe(self._on_rates, names="value")
        self.max_cost.observe(self._on_max_cost, names="value")
        self.resend_unknown.observe(self._on_other, names="value")

    def report_error(self, err: BaseException) -> None:
        self.errors.show(err)

    def open(self) -> None:
        """Unfold the section (a value in it needs the person's attention)."""
        self.box.selected_index = 0

    def set_busy(self, busy: bool) -> None:
        for field in self.inputs:
            field.disabled = busy
        self.exclude_clear.disabled = busy or not self.lists

    # ------------------------------------------------------------------ calling hours

    def hours(self) -> tuple[tuple[str, str] | None, str | None]:
        """``(call_window, call_days)`` as typed; raises ValueError (in words) when wrong."""
        start, end = str(self.call_start.value).strip(), str(self.call_end.value).strip()
        days = str(self.call_days.value).strip() or None
        if not start and not end:
            if days is not None:
                raise ValueError("calling days need calling hours: fill in from and until too "
                                 "(00:00 until 24:00 for the whole day)")
            return None, None
        if not start or not end:
            raise ValueError("give both ends of the calling hours, e.g. from 09:00 until 20:00")
        parse_window((start, end), days)  # the package's own rules, its own words
        return (start, end), days

    def validate_hours(self) -> bool:
        try:
            window, days = self.hours()
        except ValueError as err:
            text = without_field(without_field(str(err), "call_window"), "call_days")
            self.hours_msg.value = note(esc(for_people(text)), BAD)
            return False
        if window is None:
            self.hours_msg.value = note("No calling hours: every number may be called at any "
                                        "time.")
        else:
            text = parse_window(window, days).text
            self.hours_msg.value = note(f"✓ {esc(text)}, in each recipient's time zone", OK)
        self.validate_timezone()
        return True

    def timezone(self) -> str | None:
        text = str(self.default_timezone.value).strip()
        return text or None

    def validate_timezone(self) -> bool:
        zone = self.timezone()
        if zone is None:
            self.timezone_msg.value = ""
            return True
        try:
            check_timezone(zone)
        except ValueError as err:
            self.timezone_msg.value = note(esc(without_field(str(err), "default_timezone")),
                                           BAD)
            return False
        used = bool(str(self.call_start.value).strip() or str(self.call_end.value).strip())
        self.timezone_msg.value = (note("✓ for numbers whose time zone is unknown", OK) if used
                                   else note("used only with calling hours"))
        return True

    @guarded
    def _on_hours(self, change: dict[str, Any]) -> None:
        self.validate_hours()
        self.on_change()

    @guarded
    def _on_timezone(self, change: dict[str, Any]) -> None:
        self.validate_timezone()
        self.on_change()

    # ------------------------------------------------------------------ numbers not to call

    def typed_numbers(self) -> list[str]:
        """The numbers typed in the text area (one a line, or separated by commas)."""
        return [part.strip() for part in re.split(r"[\n,;]", str(self.exclude_text.value))
                if part.strip()]

    def exclude(self) -> dict[str, Any] | None:
        """``exclude=`` for the plan: ``{file name: DataFrame, "typed in the form": [...]}``."""
        lists: dict[str, Any] = dict(self.lists)
        typed = self.typed_numbers()
        if typed:
            lists[TYPED_LIST] = typed
        return lists or None

    def describe_lists(self) -> None:
        """Say how many numbers each list holds (read by the package, as the plan will, with
        the recipients' default region)."""
        try:
            default_region = self._region()
        except ValueError:
            default_region = None
        said: list[str] = []
        lists = self.exclude()
        for name, why in self._unreadable.items():
            said.append(note(f"Could not read {esc(name)}: {esc(why)}", BAD))
        for name, values in (lists or {}).items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    got = suppression({name: values}, default_region=default_region)
            except (ValueError, TypeError) as err:
                said.append(note(f"{esc(name)}: {esc(readable(err))}", BAD))
                continue
            text = f"{esc(name)}: {plural(len(got.numbers), 'number')}"
            if got.unreadable:
                entries = "entry" if got.unreadable == 1 else "entries"
                text += f", {got.unreadable:,} {entries} not read as a number (not excluded)"
            said.append(note(text, WARN if got.unreadable else MUTED))
        self.exclude_msg.value = "<br>".join(said)

    @guarded
    def _on_lists(self, change: dict[str, Any]) -> None:
        self.lists, self._unreadable = {}, {}
        for name, content in uploaded_all(change["new"]):
            try:
                self.lists[name] = read_upload(name, content)
            except Exception as err:  # pandas raises many kinds for a file it cannot read
                self._unreadable[name] = readable(err)
        self.exclude_clear.disabled = not self.lists and not self._unreadable
        self.describe_lists()
        self.on_change()

    @guarded
    def _on_clear_lists(self, button: Any = None) -> None:
        self.lists, self._unreadable = {}, {}
        self.exclude_upload.value = ()
        self.exclude_clear.disabled = True
        self.describe_lists()
        self.on_change()

    @guarded
    def _on_exclude_text(self, change: dict[str, Any]) -> None:
        self.describe_lists()
        self.on_change()

    @guarded
    def _on_other(self, change: dict[str, Any]) -> None:
        self.on_change()

    # ------------------------------------------------------------------ cost

    def rates_value(self) -> dict[str, float] | None:
        return parse_rates(str(self.rates.value))

    def validate_rates(self) -> bool:
        try:
            rates = self.rates_value()
        except ValueError as err:
            self.rates_msg.value = note(esc(str(err)), BAD)
            return False
        self.rates_msg.value = note("✓", OK) if rates else ""
        return True

    def max_cost_value(self) -> float | None:
        text = str(self.max_cost.value).strip()
        if not text:
            return None
        try:
            amount = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"{text!r} is not an amount; write e.g. 25 or 12.50") from None
        if not math.isfinite(amount):
            raise ValueError(f"{text!r} is not an amount; write e.g. 25 or 12.50")
        return amount

    def validate_max_cost(self) -> bool:
        try:
            amount = self.max_cost_value()
        except ValueError as err:
            self.max_cost_msg.value = note(esc(str(err)), BAD)
            return False
        self.max_cost_msg.value = (
            "" if amount is None else
            note("the send is refused when the calls could cost more, or when a number to "
                 "call has no known rate")
        )  # fmt: skip
        return True

    @guarded
    def _on_rates(self, change: dict[str, Any]) -> None:
        self.validate_rates()
        self.on_change()

    @guarded
    def _on_max_cost(self, change: dict[str, Any]) -> None:
        self.validate_max_cost()
        self.on_change()

    # ------------------------------------------------------------------ for the plan

    def plan_kwargs(self) -> tuple[dict[str, Any], list[str]]:
        """The keyword arguments for :func:`itnivoice_nb.plan`, and the options that are wrong
        (each said next to its field)."""
        problems: list[str] = []
        kwargs: dict[str, Any] = {}
        if self.validate_hours():
            kwargs["call_window"], kwargs["call_days"] = self.hours()
        else:
            problems.append("calling hours")
        if self.validate_timezone():
            kwargs["default_timezone"] = self.timezone()
        else:
            problems.append("default time zone")
        if self._unreadable:
            problems.append("suppression lists")
        kwargs["exclude"] = self.exclude()
        kwargs["exclude_blacklisted"] = bool(self.exclude_blacklisted.value)
        if self.validate_rates():
            kwargs["rates"] = self.rates_value()
        else:
            problems.append("rates per minute")
        if self.validate_max_cost():
            kwargs["max_cost"] = self.max_cost_value()
        else:
            problems.append("max cost")
        if problems:
            self.open()
        return kwargs, problems

    def send_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for ``plan.send`` the options set."""
        return {"resend_unknown": bool(self.resend_unknown.value)}

    def show_plan_error(self, err: ValueError | TypeError) -> str | None:
        """Say an error the plan raised about an option next to that option's field; the
        option's name in words (None when the error is not about an option)."""
        text = str(err)
        name = text.split(":", 1)[0].split("[", 1)[0].strip()
        field = _FIELD_OF.get(name)
        if field is None:
            return None
        said = for_people(without_field(text, name))
        getattr(self, f"{field}_msg").value = note(esc(said), BAD)
        self.open()
        return {"hours": "calling hours", "timezone": "default time zone",
                "exclude": "suppression lists", "rates": "rates per minute",
                "max_cost": "max cost"}[field]
