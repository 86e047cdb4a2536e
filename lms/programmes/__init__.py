"""Programmes, cohorts, instructors' assignments and trainees' enrolments."""

from __future__ import annotations


def init_app(app) -> None:
    """Word the programme services' refusals (the error seam shows them on pages and in the API)."""
    from lms.errors import register_messages
    from lms.programmes.messages import describe
    from lms.programmes.services import ProgrammeError

    register_messages(ProgrammeError, describe)
