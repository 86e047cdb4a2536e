"""Answers of the Korean evidence domain: navigation, and careers' and portfolios' questions about verified
levels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if not loaded() or not user.is_authenticated:
        return None
    if user.role in (Role.TRAINEE, Role.INSTRUCTOR, Role.ADMIN):
        return [NavItem(_l("Korean level"), "korean.index", order=16)]
    return None


def shared_korean_levels(user) -> list:
    """The records employers may see (templates: portfolios and search results mark them verified)."""
    from projects.korean import services

    return services.shared_levels(user.id) if loaded() else []


def korean_levels(trainee, **_kwargs) -> list[tuple[str, int]]:
    return [(e.scale.value, e.level) for e in shared_korean_levels(trainee)]


def verified_results(trainee, **_kwargs) -> list[tuple[str, int]]:
    """Credentials' question: every verified result still valid, shared with employers or not."""
    from projects.korean import services
    from projects.korean.models import EvidenceStatus

    if not loaded():
        return []
    return [
        (e.scale.value, e.level)
        for e in services.history(trainee.id)
        if e.status is EvidenceStatus.VERIFIED and not services.is_expired(e)
    ]


def korean_match(scale, min_level=0, **_kwargs):
    from projects.korean import services

    if not loaded() or scale not in ("topik", "kiip"):
        return None
    return services.matching_trainees(scale, min_level)
