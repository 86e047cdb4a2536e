"""The core's public signals: how plugins hear about and extend the core.

Plugins connect receivers in their ``init_app``; the core never imports a
plugin. Signals that *collect* contributions (navigation, dashboard panels)
expect each receiver to return an iterable; use :func:`values_from_signal`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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
#: sender: ``None``; kwargs: ``cohorts`` ({(programme code, cohort code): Cohort}), ``people`` ({email:
#: User}).
demo_loaded = _signals.signal("demo-loaded")

#: Sent by ``lms demo --scale`` after the core's bulk rows are written (not committed), so plugins bulk-add
#: theirs. sender: ``None``; kwargs: ``scale`` (``lms.scale.Scale``), ``bulk`` (``lms.scale.Bulk``: write
#: with it), ``now``, ``seed``, ``cohorts`` ({cohort id: (start date, end date, programme id)}), ``trainees``
#: ({cohort id: [user ids]}), ``instructors`` ({cohort id: instructor's user id}).
scale_loaded = _signals.signal("scale-loaded")

#: Collects navigation links. sender: the current user (may be anonymous).
#: Receivers return an iterable of :class:`NavItem`.
nav_items = _signals.signal("nav-items")

#: Collects dashboard panels. sender: the current user.
#: Receivers return an iterable of :class:`Panel`.
dashboard_panels = _signals.signal("dashboard-panels")


#: Collects everything stored about a user, for their personal-data download.
#: sender: the ``User``. Receivers return an iterable of :class:`PersonalData` (JSON-able ``data`` and the
#: ``files`` to include, each ``(name in the archive, absolute path)``).
personal_data_requested = _signals.signal("personal-data-requested")

#: Sent while an admin anonymises a departed user, before the core clears the account itself; receivers remove
#: the user's identity and files from their tables and storage (flushing, never committing) but may keep what
#: statistics need (grades). sender: the ``User``; kwargs: ``by`` (the admin).
user_anonymised = _signals.signal("user-anonymised")

#: Collects what a plugin finds wrong between the database and its files (``lms check``).
#: sender: the application; kwargs: ``repair`` (bool: fix what is safe to fix, flushing, never
#: committing; the command commits), ``grace`` (``timedelta``: leave alone anything younger, since a
#: running request or job may be half-way through it). Receivers return an iterable of :class:`Finding`.
integrity_check = _signals.signal("integrity-check")

#: Collects the file stores a backup must hold (``lms backup`` / ``lms restore``).
#: sender: the application. Receivers return an iterable of :class:`FileStore`.
file_stores = _signals.signal("file-stores")

#: Collects the dated events a person's calendar shows (their feed, ``lms/calendar``). sender: the ``User``;
#: kwargs: ``start`` and ``end`` (UTC ``datetime``: only events in this window). Receivers return an
#: iterable of :class:`CalendarEvent`, each one the person may see.
calendar_events = _signals.signal("calendar-events")


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


@dataclass(frozen=True)
class PersonalData:
    """One plugin's part of a user's personal-data download: ``data`` goes into ``<plugin>.json`` and
    each ``(name, path)`` of ``files`` into ``files/<plugin>/<name>``."""

    plugin: str
    data: Any
    files: list = field(default_factory=list)


@dataclass(frozen=True)
class CalendarEvent:
    """One dated event in a person's calendar.

    ``uid`` must stay the same while the event changes (a new due date), so calendar apps update the
    event instead of adding a second one; start it with the plugin's name. ``summary`` and ``description``
    are already translated; ``start`` (and ``end``, or ``None`` for a moment) are in UTC; ``path`` is
    the page inside the site; ``busy`` marks the time as taken.
    """

    uid: str
    summary: str
    start: Any
    end: Any = None
    description: str = ""
    path: str = ""
    #: The person is taken up then (a class): calendar apps show the time as busy. Dates to remember (a due
    #: date) are not.
    busy: bool = False


@dataclass
class Finding:
    """One mismatch found by an :data:`integrity_check` receiver.

    ``code`` names the kind (``orphan_file``, ``missing_file``, ...), ``subject``
    what it concerns (a storage key, ``media 12``); ``repaired`` says a repair
    fixed it and ``action`` how; ``needs_person`` that no automatic repair is safe.
    """

    plugin: str
    code: str
    subject: str
    detail: str = ""
    repaired: bool = False
    action: str = ""
    needs_person: bool = False


@dataclass(frozen=True)
class FileStore:
    """Files a plugin keeps beside the database, for backups.

    ``referenced(connection)`` returns the keys (paths relative to ``root``,
    with ``/``) that the database seen through *connection* refers to; the backup
    passes a connection on its consistent snapshot, so the files match the rows.
    """

    name: str
    root: Any
    referenced: Any


def values_from_signal(results: Iterable[tuple[Any, Any]]) -> list:
    """Flatten the ``(receiver, value)`` pairs of a collecting signal, skipping ``None``."""
    out: list = []
    for _receiver, value in results:
        if value is not None:
            out.extend(value)
    return out
