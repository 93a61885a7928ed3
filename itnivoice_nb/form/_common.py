"""Tiny helpers the form's parts share: colours, HTML snippets, widget builders, error wording.

Nothing here decides anything about a send; it only formats and builds widgets.

Example:
    >>> note("ok", OK)
    '<span style="color:#1a7f37; font-size:0.9em">ok</span>'
    >>> plural(1, "row"), plural(1200, "row")
    ('1 row', '1,200 rows')
    >>> masked_key("key1abcdefgh"), masked_key("short")
    ('key1…', '…')
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterator
from typing import Any, Final, Protocol, TypeVar

import ipywidgets as w

from ..errors import ItniotechError

OK: Final = "#1a7f37"
"""Colour of what went well."""
BAD: Final = "#b42318"
"""The error colour."""
WARN: Final = "#9a6700"
"""Colour of a partial outcome (some numbers not sent, or not known)."""
MUTED: Final = "#666"
"""Colour of explanations."""
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


def readable(err: BaseException) -> str:
    """One readable paragraph for an error; never a traceback.

    Example:
        >>> readable(ValueError("column 'x' not found")), readable(OSError("disk full"))
        ("column 'x' not found", 'OSError: disk full')
    """
    if isinstance(err, ItniotechError | ValueError | TypeError | OSError | LookupError):
        text = str(err) or type(err).__name__
        return text if isinstance(err, ItniotechError | ValueError) else (
            f"{type(err).__name__}: {text}"
        )
    return f"unexpected error ({type(err).__name__}): {err}"


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
