"""The media plugin's public signals.

Plugins that attach uploads to their own objects (a submission, a portfolio
item) answer :data:`media_access` to let more people see a file, and listen to
:data:`media_processed` to react when the checks are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

#: Asks what a file belongs to, so that its page can link back there. sender: the viewing ``User``; kwargs:
#: ``media``. A receiver returns a list of ``(label, url)`` pairs the viewer may open (only places the viewer
#: may see), or None.
media_links = _signals.signal("media-links")

#: Asks what an upload with a ``context`` (from the client's ``Upload-Metadata``
#: or form, e.g. ``"deliverable:12"``) is for. sender: the ``User``; kwargs:
#: ``context``. The receiver that owns the context returns an
#: :class:`UploadTarget`, or raises ``PermissionError`` to refuse the upload.
upload_requested = _signals.signal("upload-requested")

#: Sent after an upload with a context was stored and registered (its checks
#: are queued). sender: the ``MediaFile``; kwargs: ``context``, ``user``.
upload_completed = _signals.signal("upload-completed")


@dataclass(frozen=True)
class UploadTarget:
    """What a context's receiver allows: the brief to check against and the size limit in bytes."""

    spec: dict = field(default_factory=dict)
    max_bytes: int | None = None
