"""Moved: the send form is now the subpackage :mod:`itnivoice_nb.form`.

This module only re-exports its public names for code that still imports them from here.

Example:
    >>> from itnivoice_nb.widgets import SendForm
    >>> SendForm.__module__
    'itnivoice_nb.form.sendform'
"""

from __future__ import annotations

from .form import SendForm, guess_phone_column, send_form

__all__ = ["SendForm", "guess_phone_column", "send_form"]
