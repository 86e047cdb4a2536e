"""The core's public signals: how plugins hear about and extend the core.

Plugins connect receivers in their ``init_app``; the core never imports a
plugin. Signals that *collect* contributions (navigation, dashboard panels)
expect each receiver to return an iterable; use :func:`values_from_signal`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from blinker import Namespace

_signals = Namespace()

#: Sent after a user account was created (invited, imported or by CLI).
#: sender: the ``User``; kwargs: ``created_by`` (``User`` or ``None`` for the CLI).
user_created = _signals.signal("user-created")

#: Sent after an account was disabled; its sessions and API tokens are already ended.
#: sender: the ``User``; kwargs: ``disabled_by``.
user_disabled = _signals.signal("user-disabled")

#: Sent after a user signed in. sender: the ``User``.
user_logged_in = _signals.signal("user-logged-in")

#: Sent after a programme was created. sender: the ``Programme``.
programme_created = _signals.signal("programme-created")

#: Sent after a cohort was created. sender: the ``Cohort``.
cohort_created = _signals.signal("cohort-created")

#: Sent after a trainee was enrolled in a cohort. sender: the ``Enrolment``.
trainee_enrolled = _signals.signal("trainee-enrolled")

#: Sent after ``lms demo`` created the core's demo data, so plugins add theirs (idempotently).
#: sender: ``None``; kwargs: ``cohorts`` ({(programme code, cohort code): Cohort}), ``people`` ({email: User}).
demo_loaded = _signals.signal("demo-loaded")

#: Collects navigation links. sender: the current user (may be anonymous).
#: Receivers return an iterable of :class:`NavItem`.
nav_items = _signals.signal("nav-items")

#: Collects dashboard panels. sender: the current user.
#: Receivers return an iterable of :class:`Panel`.
dashboard_panels = _signals.signal("dashboard-panels")


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation. ``label`` must already be translated (lazy)."""

    label: Any
    endpoint: str
    order: int = 50
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: a template rendered with ``context`` plus ``user``."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


def values_from_signal(results: Iterable[tuple[Any, Any]]) -> list:
    """Flatten the ``(receiver, value)`` pairs of a collecting signal, skipping ``None``."""
    out: list = []
    for _receiver, value in results:
        if value is not None:
            out.extend(value)
    return out
