"""How the credential services' refusals read (codes of ``ProjectError`` raised by credentials)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a credential refusal, or None for a code credentials do not raise."""
    texts = {
        "completion_revoked": lambda: _("This completion record is revoked."),
        "status_list_full": lambda: _("No more credentials can be issued. Tell the site's administrator."),
    }
    text = texts.get(code)
    return text() if text else None
