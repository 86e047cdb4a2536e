"""How the credential services' refusals read (codes of ``ProjectError`` raised by credentials)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a credential refusal, or None for a code credentials do not raise."""
    texts = {
        "completion_revoked": lambda: _("This completion record is revoked."),
        "status_list_full": lambda: _("No more credentials can be issued. Tell the site's administrator."),
        "achievement_type_unknown": lambda: _("Choose a type from the list."),
        "achievement_project_missing": lambda: _("Choose the project."),
        "achievement_pass_mark": lambda: _("The pass mark must be a percentage from 1 to 100."),
        "achievement_competency_missing": lambda: _("Give an NCS unit code or a rubric criterion title."),
        "achievement_korean_level": lambda: _("Choose a scale and a level on it (KIIP 0–5, TOPIK 1–6)."),
        "achievement_inactive": lambda: _("This achievement is inactive. Make it active first."),
    }
    text = texts.get(code)
    return text() if text else None
