"""Tiny helpers the form's parts share: colours, HTML snippets, widget builders, error wording.

Nothing here decides anything about a send; it only formats and builds widgets.

Colours are CSS custom properties of the form (``--iv-ok``…), each with a fallback readable on
white (Voila and the classic notebook without JupyterLab's variables). :data:`THEME_CSS`, shown
once at the top of the form, sets them from JupyterLab's own variables (``--jp-ui-font-color1``,
``--jp-error-color1``…), choosing for each theme the one that stays readable (at least 4.5:1):
JupyterLab's light ``--jp-success-color1`` and ``--jp-warn-color1`` are too pale on white, and
the light fallbacks too dark on the dark theme's background.

Example:
    >>> note("ok", OK)
    '<span style="color:var(--iv-ok, #1a7f37); font-size:0.9em">ok</span>'
    >>> plural(1, "row"), plural(1200, "row")
    ('1 row', '1,200 rows')
    >>> masked_key("key1abcdefgh"), masked_key("short")
    ('key1…', '…')
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, Final, Protocol, TypeVar

import ipywidgets as w

from .._errors import ItniotechError

THEME: Final = {
    "--iv-text": ("var(--jp-ui-font-color1, #1f2328)", "var(--jp-ui-font-color1, #e6edf3)"),
    "--iv-muted": ("var(--jp-ui-font-color2, #57606a)", "var(--jp-ui-font-color2, #9198a1)"),
    "--iv-ok": ("var(--jp-success-color0, #1a7f37)", "var(--jp-success-color1, #4caf50)"),
    "--iv-bad": ("var(--jp-error-color1, #b42318)", "var(--jp-error-color2, #e57373)"),
    "--iv-warn": ("#9a6700", "var(--jp-warn-color1, #ff9800)"),
}
"""The form's colours: ``{custom property: (light theme, dark theme)}``, from JupyterLab's
variables (JupyterLab's light warn colours are all under 4.5:1 on white: the form's own)."""
FALLBACK: Final = {
    "--iv-text": "#1f2328", "--iv-muted": "#57606a", "--iv-ok": "#1a7f37", "--iv-bad": "#b42318",
    "--iv-warn": "#9a6700",
}  # fmt: skip
"""What each colour is where :data:`THEME_CSS` is not in the page (light, ≥ 4.5:1 on white)."""


def _colour(name: str) -> str:
    return f"var({name}, {FALLBACK[name]})"


TEXT: Final = _colour("--iv-text")
"""Colour of ordinary text that must be set (links)."""
OK: Final = _colour("--iv-ok")
"""Colour of what went well."""
BAD: Final = _colour("--iv-bad")
"""The error colour."""
WARN: Final = _colour("--iv-warn")
"""Colour of a partial outcome (some numbers not sent, or not known)."""
MUTED: Final = _colour("--iv-muted")
"""Colour of explanations."""
THEME_CSS: Final = (
    "<style>.iv-form {"
    + "; ".join(f"{name}: {light}" for name, (light, _) in THEME.items())
    + '} [data-jp-theme-light="false"] .iv-form {'
    + "; ".join(f"{name}: {dark}" for name, (_, dark) in THEME.items())
    + "} .iv-form a.iv-download {display:inline-block; margin:2px 8px 2px 0; padding:3px 12px;"
    f" border:1px solid {TEXT}; border-radius:3px; color:{TEXT}; text-decoration:none}}"
    " .iv-form a.iv-download:hover {text-decoration:underline}</style>"
)
"""The style sheet of the form's colours (in the form's title): light, or JupyterLab's dark."""
LABEL_WIDTH: Final = "150px"
FIELD_WIDTH: Final = "430px"

_F = TypeVar("_F", bound=Callable[..., Any])


def esc(value: object) -> str:
    """``value`` as text safe inside HTML (quotes escaped too)."""
    return html.escape(str(value), quote=True)


def note(text: str, colour: str = MUTED) -> str:
    """A small coloured span around ``text`` (HTML already escaped); "" for no text."""
    return f'<span style="color:{colour}; font-size:0.9em">{text}</span>' if text else ""


def plural(n: int, word: str) -> str:
    """``"1 row"``, ``"2 rows"``, with thousands separators."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def without_field(message: str, name: str) -> str:
    """``"loop_count: 4 is out of range…"`` → ``"4 is out of range…"`` (shown next to the field).

    Example:
        >>> without_field("loop_count: 4 is out of range", "loop_count")
        '4 is out of range'
    """
    return message[len(name) + 2 :] if message.startswith(name + ": ") else message


def masked_key(api_key: str) -> str:
    """The first 4 characters of an API key then "…" (the key is not secret, but need not show)."""
    return (api_key[:4] if len(api_key) > 8 else "") + "…"


RESEND_UNKNOWN_LABEL: Final = "Resend batches whose outcome is unknown"
"""The form's name of ``resend_unknown`` (a box in the campaign options)."""

_Words = str | Callable[[re.Match[str]], str]
_FOR_PEOPLE: Final[tuple[tuple[re.Pattern[str], _Words], ...]] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"\bpass allow_repeat=True\b", "tick 'Allow calling again'"),
        (r"\ballow_repeat=True\b", "'Allow calling again'"),
        (r"\bpass resend_unknown=True\b", f"tick '{RESEND_UNKNOWN_LABEL}' in the campaign options"),
        (r"\bresend_unknown=True: ", f"'{RESEND_UNKNOWN_LABEL}' is ticked: "),
        (r"\bresend_unknown=True\b", f"'{RESEND_UNKNOWN_LABEL}'"),
        (r"\bpass default_timezone\b", "fill in 'Default time zone' in the campaign options"),
        (r"\bdefault_timezone\b", "'Default time zone'"),
        (r" ?The (?:partial )?results (?:so far )?are in err\.results\.?", ""),
        (r"what was sent and answered is in err\.results", "what was sent and answered is below"),
        (r"\brun the same send again\b", "click Check, then Send…, again"),
        (r"^[a-z_]+\(\): (\w)", lambda found: found.group(1).upper()),
        (r"^max_cost=([\d.,]+): ", r"'Max cost' is \1, but "),
        (r"\bmore than max_cost=([\d.,]+)", r"more than the 'Max cost' of \1"),
        (r"\bpass rates=\{calling code: price per minute\} for them",
         "give their price per minute in 'Rates per minute' (campaign options)"),
        (r"\braise max_cost\b", "raise 'Max cost'"),
        (r"\blower max_duration\b", "lower 'Max duration (s)'"),
        (r"\bmax_duration unset\b", "'Max duration (s)' blank"),
        (r", or None for every day", ", or leave it blank for every day"),
        (r"\bor None\b", "or blank"),
        (r"\(or the api_key/api_secret you passed\)",
         "(or the API key and secret typed in the form)"),
        (r"^no credentials: .*", "no credentials: type the API key and the API secret (or set "
         "ITNIOTECH_API_KEY and ITNIOTECH_API_SECRET before starting Jupyter), or tick the "
         "Sandbox switch to try it without calling anyone"),
        (r"^rates\['([^']*)'\]: ", r"\1: "),
    )
)


def for_people(text: str) -> str:
    """``text`` (a message of the package) in the form's words: the options named as the form
    shows them (a box to tick, a field to fill in), never as Python.

    Example:
        >>> for_people("Numbers it called are not called again (pass allow_repeat=True to call "
        ...            "them again).")
        "Numbers it called are not called again (tick 'Allow calling again' to call them again)."
        >>> for_people("allowed: a whole number from 1 to 120 or None")
        'allowed: a whole number from 1 to 120 or blank'
    """
    for pattern, words in _FOR_PEOPLE:
        text = pattern.sub(words, text)
    return text


def readable(err: BaseException) -> str:
    """One readable paragraph for an error, in the form's words (:func:`for_people`); never a
    traceback.

    Example:
        >>> readable(ValueError("column 'x' not found")), readable(OSError("disk full"))
        ("column 'x' not found", 'OSError: disk full')
    """
    if isinstance(err, ItniotechError | ValueError | TypeError | OSError | LookupError):
        text = str(err) or type(err).__name__
        return for_people(text) if isinstance(err, ItniotechError | ValueError) else (
            f"{type(err).__name__}: {for_people(text)}"
        )
    return f"unexpected error ({type(err).__name__}): {for_people(str(err))}"


def uploaded_all(value: Any) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file in a FileUpload value (ipywidgets 8: tuple of dicts)."""
    return [(str(item.get("name") or "upload"), bytes(item.get("content", b"")))
            for item in (value or ())]


def uploaded(value: Any) -> tuple[str, bytes] | None:
    """(name, bytes) of the last file in a FileUpload value (ipywidgets 8: tuple of dicts)."""
    if not value:
        return None
    item = value[-1]
    name = str(item.get("name") or "upload")
    content = item.get("content", b"")
    return name, bytes(content)


# --------------------------------------------------------------------------- widget builders

LABEL_STYLE: Final = {"description_width": LABEL_WIDTH}


def text_field(description: str, css: str, placeholder: str = "") -> w.Text:
    """A labelled one-line Text field with the CSS class ``css`` (for tests and the browser)."""
    field = w.Text(description=description, placeholder=placeholder, style=LABEL_STYLE,
                   layout=w.Layout(width=FIELD_WIDTH), continuous_update=True)
    field.add_class(css)
    return field


def html_out(css: str) -> w.HTML:
    """An empty HTML widget with the CSS class ``css``: a place for a message."""
    out = w.HTML(value="")
    out.add_class(css)
    return out


def section(title: str) -> w.HTML:
    """A small heading between the form's sections."""
    return w.HTML(f'<h4 style="margin:14px 0 4px 0">{esc(title)}</h4>')


def row(*children: w.Widget) -> w.HBox:
    """Widgets side by side, centred vertically (a field and its note)."""
    return w.HBox(list(children), layout=w.Layout(align_items="center"))


def descendants(widget: w.Widget) -> Iterator[w.Widget]:
    """``widget`` and every widget inside it (boxes' children), depth first."""
    stack = [widget]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(tuple(getattr(current, "children", ()))))


# --------------------------------------------------------------------------- errors


class ErrorBox:
    """The form's error box (``widget``, CSS class ``iv-error``) and the last error seen.

    Every part shows its errors here, as one readable paragraph in the error colour.

    Example:
        >>> box = ErrorBox()
        >>> box.show(ValueError("no column 'phone'"))
        >>> "no column &#x27;phone&#x27;" in box.widget.value, type(box.last).__name__
        (True, 'ValueError')
        >>> box.clear(); box.widget.value
        ''
    """

    def __init__(self) -> None:
        self.widget = html_out("iv-error")
        self.last: BaseException | None = None

    def show(self, err: BaseException) -> None:
        self.last = err
        self.widget.value = (
            f'<div class="iv-error-text" style="color:{BAD}; border-left:3px solid {BAD}; '
            f'padding:4px 8px; margin:4px 0; white-space:pre-wrap">{esc(readable(err))}</div>'
        )

    def remember(self, err: BaseException) -> None:
        """Keep ``err`` as the last error without showing it here (it is said elsewhere)."""
        self.last = err

    def clear(self) -> None:
        self.widget.value = ""


# --------------------------------------------------------------------------- callbacks


class Reporter(Protocol):
    """A part of the form that can show an error (every part gets the form's error box)."""

    def report_error(self, err: BaseException) -> None: ...


def guarded(method: _F) -> _F:
    """Run a widget callback; show any exception in the form (``self.report_error``) instead
    of a traceback."""

    @functools.wraps(method)
    def wrapper(self: Reporter, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as err:
            self.report_error(err)
            return None

    return wrapper  # type: ignore[return-value]


class Background:
    """A part of the form that runs one job at a time on a background thread (``thread``)."""

    thread: threading.Thread | None = None

    def close(self) -> None:
        """Wait for a running job (at most 30 s)."""
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background job to end; True if it has (or none was started)."""
        thread = self.thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()
