"""Translated explanations for refused launches, link choices and roster syncs (codes from the services).

:func:`describe` words :class:`lti.services.LinkError` and :class:`lti.roster.RosterError` for the error seam
(registered in :func:`lti.init_app`); launches keep their own page (:func:`launch_message`).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

_AGAIN = _l("Open Gongbang again from your course in the LMS.")

LAUNCH = {
    "missing_params": _l(
        "The LMS did not send what a sign-in needs. Ask the LMS administrator to check the tool's settings."
    ),
    "unknown_platform": _l(
        "This LMS is not registered with Gongbang. Ask a Gongbang administrator to register it."
    ),
    "platform_inactive": _l("Gongbang does not accept sign-ins from this LMS at the moment."),
    "wrong_target": _l(
        "The LMS asked to open an address outside Gongbang. Ask the LMS administrator to check the "
        "tool's settings."
    ),
    "missing_state": _l("The sign-in from the LMS was incomplete."),
    "state_cookie": _l(
        "Your browser did not keep the sign-in cookie, so we cannot tell that this sign-in is yours. "
        "Allow cookies for Gongbang, or open the tool in a new window."
    ),
    "state_unknown": _l("This sign-in link was already used or has expired."),
    "missing_token": _l("The LMS did not send its signed statement."),
    "bad_token": _l("The LMS sent a statement Gongbang cannot read."),
    "bad_algorithm": _l("The LMS signed its statement with a method Gongbang does not accept."),
    "jwks_unavailable": _l("Gongbang could not fetch the LMS's public keys to check its signature."),
    "unknown_key": _l("The LMS signed its statement with a key it does not publish."),
    "bad_signature": _l("The signature of the LMS's statement is not valid."),
    "wrong_issuer": _l("The statement was not issued by the LMS that started the sign-in."),
    "wrong_audience": _l("The statement was meant for another tool."),
    "expired": _l("The LMS's statement has expired."),
    "not_yet_valid": _l("The LMS's statement is not valid yet: check the clocks of the LMS and Gongbang."),
    "bad_nonce": _l("The statement does not belong to this sign-in (it may have been replayed)."),
    "unknown_deployment": _l(
        "This LMS deployment is not registered with Gongbang. Ask a Gongbang administrator "
        "to add its deployment ID."
    ),
    "bad_message": _l("The LMS sent a kind of launch Gongbang does not support."),
    "account_not_allowed": _l(
        "Your Gongbang account cannot be used from an LMS. Sign in to Gongbang directly."
    ),
}

LINK = {
    "no_context": _l("This launch did not come from a course."),
    "already_linked": _l("This is already set up."),
    "not_yours": _l("Only the course's instructors can choose among their own cohorts and projects."),
    "answered": _l("This selection was already sent to the LMS. Start again from the LMS."),
}

ROSTER = {
    "not_linked": _l("This LMS course is not linked to a cohort yet."),
    "no_service": _l("The LMS has not offered its roster service for this course."),
}


def launch_message(code: str) -> str:
    text = LAUNCH.get(code, LAUNCH["bad_message"])
    return (
        f"{text} {_AGAIN}"
        if code in ("state_unknown", "missing_state", "expired", "bad_nonce")
        else str(text)
    )


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The sentence for a link or roster refusal, or None for a code this package does not raise."""
    text = LINK.get(code) or ROSTER.get(code)
    return str(text) if text is not None else None
