"""The media plugin's public signals.

Plugins that attach uploads to their own objects (a submission, a portfolio
item) answer :data:`media_access` to let more people see a file, and listen to
:data:`media_processed` to react when the checks are done.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after an upload was stored and registered (processing is queued).
#: sender: the ``MediaFile``.
media_registered = _signals.signal("media-registered")

#: Sent after processing reached an outcome (ready, rejected or failed).
#: sender: the ``MediaFile``.
media_processed = _signals.signal("media-processed")

#: Asks whether a user other than the owner (and admins) may see a file.
#: sender: the ``User``; kwargs: ``media``. A receiver returns ``True`` to allow;
#: anything else leaves the decision to the others (default: deny).
media_access = _signals.signal("media-access")
