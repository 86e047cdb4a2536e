"""The kinds of message Gongbang sends, each a line on the preferences page.

Every :func:`~lms.notifications.services.notify` call and every queued mail names its kind; a person chooses
per kind whether it reaches them on the site, by e-mail, both or not at all. Some kinds can't be turned off
(``required``: a set-password link, a security notice). Packages register their kinds when they load
(``register_kind`` at import of the module that sends them); the core registers its own here.
The registry holds names and lazy labels only: no app, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

__all__ = ["MessageKind", "register_kind", "get_kind", "all_kinds", "find_kind", "listed_kinds"]


@dataclass(frozen=True)
class MessageKind:
    """One kind of message.

    :param name: the stored key (``grade_released``); never changes once used.
    :param label: what the preferences page calls it (a lazy string).
    :param required: can't be turned off (security mail, set-password links).
    :param email: sent by e-mail unless the person says otherwise.
    :param group: the heading it is listed under (a lazy string), e.g. coursework, careers, account.
    :param listed: shown on the preferences page (the daily digest is not: each kind's digest box decides).
    """

    name: str
    label: Any
    required: bool = False
    email: bool = True
    group: Any = None
    listed: bool = True


_KINDS: dict[str, MessageKind] = {}


def register_kind(
    name: str,
    label: Any,
    *,
    required: bool = False,
    email: bool = True,
    group: Any = None,
    listed: bool = True,
) -> MessageKind:
    """Add a kind (or return the one already registered under *name*: packages may load twice in tests)."""
    if name not in _KINDS:
        _KINDS[name] = MessageKind(name, label, required, email, group, listed)
    return _KINDS[name]


def get_kind(name: str) -> MessageKind:
    """The kind called *name*; an unknown name is a programming error."""
    return _KINDS[name]


def find_kind(name: str) -> MessageKind | None:
    """The kind called *name*, or ``None`` (mail queued under a name nobody registered, e.g. ``mail``)."""
    return _KINDS.get(name)


def all_kinds() -> list[MessageKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def listed_kinds() -> list[MessageKind]:
    """The kinds the preferences page lists, required ones included (shown as always on)."""
    return [kind for kind in _KINDS.values() if kind.listed]


ACCOUNT = _l("Account")
GENERAL = _l("General")

register_kind("invite", _l("Invitation to set a password"), required=True, group=ACCOUNT)
register_kind("reset", _l("Password reset"), required=True, group=ACCOUNT)
register_kind("security", _l("Security notices"), required=True, group=ACCOUNT)
register_kind("notice", _l("Other notices"), group=GENERAL)
register_kind("digest", _l("Daily digest"), group=GENERAL, listed=False)
