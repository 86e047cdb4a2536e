"""How the evidence pack services' refusals read (codes of ``ProjectError`` raised by this domain)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for an evidence pack refusal, or None for a code this domain does not word."""
    texts = {
        "packs_trainees_only": lambda: _("Only the trainee makes and shares their evidence pack."),
        "not_your_pack": lambda: _("You can only use your own records."),
        "pack_too_many": lambda: _("Choose at most %(limit)s of each part.", limit=params.get("limit")),
        "nothing_chosen": lambda: _("Choose at least one part to share."),
        "pack_recipient_missing": lambda: _("Name the recipient."),
        "pack_recipient_too_long": lambda: _(
            "The recipient's name is too long: at most %(limit)s characters.", limit=params.get("limit")
        ),
        "bad_recipient_kind": lambda: _("Choose who receives the pack."),
        "pack_consent_missing": lambda: _("Tick the box to agree before the pack is issued."),
        "already_issued": lambda: _("This pack is already issued."),
        "issued_pack_kept": lambda: _("An issued pack cannot be deleted. Withdraw it instead."),
        "not_issued": lambda: _("Issue the pack before you share it."),
        "pack_revoked": lambda: _("This pack is withdrawn."),
        "pack_pdf_unavailable": lambda: _("The PDF cannot be made on this server now. Try again later."),
        "pack_link_expiry": lambda: _("A link works for 1 to %(limit)s days.", limit=params.get("limit")),
    }
    text = texts.get(code)
    return text() if text else None
