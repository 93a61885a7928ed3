"""The form's account: the sandbox switch, the API key and the API secret, and the client.

With the sandbox switch on, the form starts its own local :class:`~itnivoice_nb.Sandbox` when
first needed (``form.close()`` stops it). Otherwise the client is the one passed to the form,
or one built from the key field and the secret typed in the Password field (a blank secret
means ``$ITNIOTECH_API_SECRET``, which is never copied into the field).

The secret leaves the form as soon as it is used: building the client clears the Password
field (its placeholder then says a secret is set), so no widget state, notebook save or HTML
export holds it; only the client keeps it, in its masked wrapper. Changing the key or the
sandbox switch drops that client: the secret must be typed again, and the form says so.

Example:
    >>> from itnivoice_nb._form._common import ErrorBox
    >>> part = AccountPart(on_change=lambda: None, errors=ErrorBox(), client=None)
    >>> part.sandbox_switch.value = False
    >>> part.api_key.value, part.api_secret.value = "key1abcdefgh", "s3cr3t"
    >>> client = part.client()
    >>> part.api_secret.value, "secret is set" in part.api_secret.placeholder
    ('', True)
    >>> part.client() is client
    True
    >>> part.api_key.value = "key2abcdefgh"
    >>> "type the API secret again" in part.account_msg.value
    True
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Final

import ipywidgets as w

from .._client import ENV_KEY, ENV_SECRET, VoiceClient
from .._sandbox import Sandbox
from .._vendor import DEFAULT_BASE_URL
from ._common import (
    BAD,
    FIELD_WIDTH,
    LABEL_STYLE,
    ErrorBox,
    esc,
    guarded,
    html_out,
    masked_key,
    note,
    row,
    text_field,
)

__all__ = ["SANDBOX_WORDS", "AccountPart", "account_words"]

SANDBOX_WORDS: Final = "the local SANDBOX (no real calls, nothing charged)"
"""How the confirmation names the form's own sandbox."""

_SECRET_SET: Final = "•••••• secret is set (kept in the client only); type to replace"


def account_words(api_key: str, base_url: str, *, sandbox: bool, own_sandbox: bool) -> str:
    """The account a plan calls on, in words, with the key masked and never the secret.

    Example:
        >>> account_words("key1abcdefgh", "https://api.itniotech.com/voice", sandbox=False,
        ...               own_sandbox=False)
        'the REAL Itniotech account key1…'
        >>> account_words("key1abcdefgh", "http://127.0.0.1:8000/voice", sandbox=True,
        ...               own_sandbox=False)
        'the SANDBOX account key1… at http://127.0.0.1:8000/voice (no real calls)'
    """
    if own_sandbox:
        return SANDBOX_WORDS
    if sandbox:
        return f"the SANDBOX account {masked_key(api_key)} at {base_url} (no real calls)"
    where = "" if base_url.rstrip("/") == DEFAULT_BASE_URL.rstrip("/") else f" at {base_url}"
    return f"the REAL Itniotech account {masked_key(api_key)}{where}"


class AccountPart:
    """The account section: ``sandbox_switch``, ``api_key``, ``api_secret``, ``account_msg``.

    :meth:`client` gives the client a plan uses; ``sandbox`` is the form's own sandbox once
    started. ``on_change()`` is called after every change.
    """

    def __init__(
        self,
        on_change: Callable[[], None],
        errors: ErrorBox,
        client: VoiceClient | None,
        sandbox_options: dict[str, Any] | None = None,
    ) -> None:
        self.on_change = on_change
        self.errors = errors
        self.sandbox_options: dict[str, Any] = dict(sandbox_options or {})
        self.sandbox: Sandbox | None = None
        self._passed = client
        self._built: VoiceClient | None = None  # from the fields (or the environment)
        self._built_from_field = False  # ... with the secret typed in the Password field
        self._sandbox_client: VoiceClient | None = None
        self._dropped = ""  # why the typed secret had to go (said until a new one is typed)
        self._quiet = False  # the form itself is changing a field: not a person's edit
        self._busy = False
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None

        default_sandbox = client is None and not (
            os.environ.get(ENV_KEY) and os.environ.get(ENV_SECRET)
        )
        self.sandbox_switch = w.Checkbox(
            value=default_sandbox, indent=False,
            description="Sandbox: run against a local emulation of the API (no real calls, "
            "nothing charged)", layout=w.Layout(width="640px"),
        )
        self.sandbox_switch.add_class("iv-sandbox")
        self.api_key = text_field("API key", "iv-api-key", f"or set ${ENV_KEY}")
        self.api_key.value = client.api_key if client is not None else os.environ.get(ENV_KEY, "")
        self.api_secret = w.Password(description="API secret", placeholder=self._placeholder(),
                                     style=LABEL_STYLE, layout=w.Layout(width=FIELD_WIDTH))
        self.api_secret.add_class("iv-api-secret")
        self.account_msg = html_out("iv-account-msg")
        self.inputs: list[Any] = [self.sandbox_switch, self.api_key, self.api_secret]
        self.rows: list[Any] = [self.sandbox_switch, self.api_key,
                                row(self.api_secret, self.account_msg)]
        self.sandbox_switch.observe(self._on_sandbox_switch, names="value")
        self.api_key.observe(self._on_key, names="value")
        self.api_secret.observe(self._on_secret, names="value")
        self.update()

    def report_error(self, err: BaseException) -> None:
        self.errors.show(err)

    # ------------------------------------------------------------------ the client

    def client(self) -> VoiceClient:
        """The client for the account chosen: the sandbox's, the one passed in, or one built
        from the fields (which clears the Password field). Raises ConfigurationError (an
        :class:`~itnivoice_nb.ItniotechError`) when no credentials are given."""
        if self.sandbox_switch.value:
            sandbox = self.ensure_sandbox()
            with self._lock:
                if self._sandbox_client is None:
                    self._sandbox_client = sandbox.client()
                return self._sandbox_client
        secret = str(self.api_secret.value)
        key = str(self.api_key.value).strip()
        if not secret:
            if self._built is not None:
                return self._built
            if self._passed is not None and key == self._passed.api_key:
                return self._passed
        base_url = self._passed.base_url if self._passed is not None else None
        client = VoiceClient(api_key=key or None, api_secret=secret or None, base_url=base_url)
        if secret:
            self._clear_secret()  # from now on only the client holds it
        self._built, self._built_from_field, self._dropped = client, bool(secret), ""
        self.update()
        return client

    def is_own_sandbox(self, client: VoiceClient) -> bool:
        """Whether ``client`` is the form's own sandbox's client."""
        return client is self._sandbox_client

    def may_close(self, client: VoiceClient) -> bool:
        """Whether the form may close ``client``'s connections (not a client passed in)."""
        return client is not self._passed

    @property
    def secret_set(self) -> bool:
        """Whether a client built from a typed secret is kept (the field itself is empty)."""
        return self._built is not None and self._built_from_field

    def _clear_secret(self) -> None:
        self._quiet = True
        try:
            self.api_secret.value = ""
        finally:
            self._quiet = False

    def _drop(self, why: str) -> None:
        """Forget the client built from the fields (a new key or mode needs a new secret)."""
        built, self._built = self._built, None
        if built is not None:
            if self._built_from_field:
                self._dropped = why
            built.close()
        self._built_from_field = False

    def _placeholder(self) -> str:
        if self.secret_set:
            return _SECRET_SET
        if self._passed is not None and self._built is None:
            return "(from the client passed in)"
        if os.environ.get(ENV_SECRET):
            return f"(from ${ENV_SECRET})"
        return "API secret"

    # ------------------------------------------------------------------ what the section says

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in self.inputs:
            field.disabled = busy
        self.update()

    def update(self) -> None:
        """Enable the fields that matter and say which account is in use."""
        sandbox = bool(self.sandbox_switch.value)
        self.api_key.disabled = sandbox or self._busy
        self.api_secret.disabled = sandbox or self._busy
        self.api_secret.placeholder = self._placeholder()
        if sandbox:
            where = f" at {self.sandbox.base_url}" if self.sandbox is not None else ""
            self.account_msg.value = note(f"Using the local sandbox{esc(where)}; the key and "
                                          "secret are not used.")
            return
        said = [note("Calls are made and charged on this account.", BAD)]
        if self.secret_set:
            said.append(note("The API secret is set: it is kept in the client only, not in "
                             "the form."))
        elif self._dropped:
            said.append(note(esc(self._dropped), BAD))
        self.account_msg.value = "<br>".join(said)

    @guarded
    def _on_sandbox_switch(self, change: dict[str, Any]) -> None:
        self._drop("The sandbox switch changed: type the API secret again (it is not kept).")
        self.update()
        self.on_change()

    @guarded
    def _on_key(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._drop("The API key changed: type the API secret again (it is not kept).")
        self.update()
        self.on_change()

    @guarded
    def _on_secret(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["new"]:
            self._drop("")  # the secret just typed replaces the one kept
            self._dropped = ""
        self.update()
        self.on_change()

    # ------------------------------------------------------------------ the form's sandbox

    def ensure_sandbox(self) -> Sandbox:
        """The form's sandbox, started now if it is not running yet."""
        with self._lock:
            if self.sandbox is None:
                sandbox = Sandbox(**self.sandbox_options).start()
                self.sandbox = sandbox
                self._finalizer = weakref.finalize(self, sandbox.stop)
        self.update()
        return self.sandbox

    def close(self) -> None:
        """Stop the form's sandbox and close the connections of the clients the form built."""
        with self._lock:
            sandbox, self.sandbox = self.sandbox, None
            finalizer, self._finalizer = self._finalizer, None
            own, self._sandbox_client = self._sandbox_client, None
        for client in (own, self._built):
            if client is not None:
                client.close()
        if finalizer is not None:
            finalizer.detach()
        if sandbox is not None:
            sandbox.stop()
