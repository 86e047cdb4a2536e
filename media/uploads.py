"""The tus 1.0 protocol over HTTP, shared by the browser face and the token API.

:mod:`media.views` serves it at ``/media/uploads/`` to people signed in (the
session cookie, with the CSRF token in an ``X-CSRFToken`` header) and
:mod:`media.api` at ``/api/v1/uploads/`` to API tokens; both hand each request
to :func:`respond`.  The bytes are kept by :mod:`media.tus`; what an upload is
for, its limits and finishing it are decided in :mod:`media.services`.

Errors have the API's shape (``{"code", "status", "message"}``) on both faces,
with a translated message the browser client shows as it is.
"""

from __future__ import annotations

import re
import time
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.http import http_date

from lms.faults import crash_point
from lms.jobs import commit
from lms.users.models import User
from media import services, tus
from media.messages import describe, format_bytes
from media.models import MediaFile
from media.tus import TUS_VERSION, TusError, Upload

#: The tus endpoints of both faces (they answer with ``Tus-Resumable``).
TUS_ENDPOINTS = frozenset({"media.uploads", "media.upload", "uploads_api.Uploads", "uploads_api.UploadById"})
#: Endpoints that read bodies larger than the forms' ``MAX_CONTENT_LENGTH``.
LARGE_BODY_ENDPOINTS = TUS_ENDPOINTS | {"media.check"}
#: Headers the finishing request adds, so the client can follow the checks.
MEDIA_ID_HEADER, MEDIA_URL_HEADER = "Gongbang-Media-Id", "Gongbang-Media-Url"
_NUMBER = re.compile(r"^[0-9]{1,19}$")
_PHRASES = {tus.CHECKSUM_MISMATCH: "Checksum Mismatch"}


def lift_body_limit(endpoint: str | None, _values) -> None:
    """Let upload endpoints read bodies up to ``MEDIA_UPLOAD_MAX_BYTES``.

    Registered as a ``url_value_preprocessor`` because those run before every
    ``before_request`` hook, CSRFProtect's included, which reads (and so fixes
    the limit of) the body stream with the app-wide limit meant for forms.
    """
    if endpoint in LARGE_BODY_ENDPOINTS:
        request.max_content_length = current_app.config["MEDIA_UPLOAD_MAX_BYTES"]


def add_tus_resumable(response: Response) -> Response:
    """``after_request``: every tus response, errors included, says which protocol version it speaks."""
    if request.endpoint in TUS_ENDPOINTS:
        response.headers["Tus-Resumable"] = TUS_VERSION
    return response


def respond(user: User, upload_id: str | None, location_endpoint: str) -> Response:
    """Answer one tus request of *user* on *upload_id* (None: the creation URL).

    :param location_endpoint: the endpoint of one upload on this face (for ``Location``).
    """
    if request.method == "OPTIONS":
        return capabilities()
    if not user.is_authenticated:
        return _error(
            401, _("Your session has ended. Sign in again, then choose the file again to continue.")
        )
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _error(
            412,
            _("This server speaks version 1.0.0 of the upload protocol; update the upload client."),
            {"Tus-Version": TUS_VERSION},
        )
    try:
        if request.method == "POST":
            return _create(user, location_endpoint)
        upload = get_upload_or_404(upload_id, user)
        if request.method == "HEAD":
            return _head(user, upload)
        if request.method == "PATCH":
            return _patch(user, upload)
        services.cancel_upload(upload.id)
        return Response(status=204)
    except TusError as exc:
        return _error(exc.status, _tus_message(exc))
    except services.UploadRefused as exc:
        return _refused(exc)


def get_upload_or_404(upload_id: str | None, user: User) -> Upload:
    """The user's own upload; anyone else's, an expired one or a made-up id is :class:`TusError` 404."""
    upload = services.get_upload_store().info(upload_id or "")
    if upload.owner_id != user.id or (upload.media_id is None and upload.expires < time.time()):
        raise TusError(404, "not_found")
    return upload


def _create(user: User, location_endpoint: str) -> Response:
    length = request.headers.get("Upload-Length", "")
    if not _NUMBER.match(length):
        # Also refuses Upload-Defer-Length: the size is checked against every limit first.
        return _error(400, _("The upload must state the file's size in bytes (Upload-Length)."))
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    upload = services.start_upload(user, int(length), metadata)
    headers = {
        "Location": url_for(location_endpoint, upload_id=upload.id),
        "Upload-Offset": "0",
        "Upload-Expires": http_date(upload.expires),
    }
    if upload.complete:  # an empty file: nothing will follow
        headers.update(_finish(user, upload))
    return Response(status=201, headers=headers)


def _head(user: User, upload: Upload) -> Response:
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.metadata:
        headers["Upload-Metadata"] = tus.format_metadata(upload.metadata)
    if upload.complete:
        # Finishes an upload whose final PATCH died on the way, or repeats the answer it gave.
        headers.update(_finish(user, upload))
    else:
        headers["Upload-Expires"] = http_date(upload.expires)
    return Response(status=200, headers=headers)


def _patch(user: User, upload: Upload) -> Response:
    if request.mimetype != "application/offset+octet-stream":
        raise TusError(415, "content_type")
    offset = request.headers.get("Upload-Offset", "")
    if not _NUMBER.match(offset):
        return _error(400, _("The upload must state where this part starts (Upload-Offset)."))
    checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    if int(offset) == upload.offset and (request.content_length or 0) > upload.length - upload.offset:
        raise TusError(413, "beyond_length")  # refused before reading a byte of it
    upload = services.get_upload_store().append(upload.id, int(offset), _body(), checksum)
    headers = {"Upload-Offset": str(upload.offset), "Upload-Expires": http_date(upload.expires)}
    if upload.complete:
        headers.update(_finish(user, upload))
    return Response(status=204, headers=headers)


def _body() -> Any:
    """The PATCH body: the socket itself where the server hands one over (``lms serve``: the bytes go from
    the socket into the part file inside the kernel, :mod:`lms.serving`), else the request's stream."""
    stream = request.stream  # first: werkzeug refuses a body over MAX_CONTENT_LENGTH here
    raw = request.environ.get("wsgi.input")
    if callable(getattr(raw, "splice_into", None)) and request.content_length is not None:
        return raw  # it stops at Content-Length by itself, as the stream would
    return stream


def _finish(user: User, upload: Upload) -> dict[str, str]:
    media: MediaFile = services.finish_upload(user, upload.id)
    commit()  # registered before the answer goes out: a client that never hears it finds the row on its HEAD
    crash_point("upload.committed")  # registered, but the client never hears so: its HEAD asks again
    return {MEDIA_ID_HEADER: str(media.id), MEDIA_URL_HEADER: url_for("media.detail", media_id=media.id)}


def capabilities() -> Response:
    """The answer to ``OPTIONS``: what this server supports, for anyone (tus clients send no credentials)."""
    return Response(
        status=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(tus.EXTENSIONS),
            "Tus-Max-Size": str(current_app.config["MEDIA_UPLOAD_MAX_BYTES"]),
            "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
        },
    )


def _refused(exc: services.UploadRefused) -> Response:
    if exc.code == "too_large":
        return _error(413, describe({"code": "too_large", "params": exc.params}, _))
    if exc.code == "over_quota":
        sizes = {
            "size": format_bytes(exc.params["measured"]),
            "used": format_bytes(exc.params["used"]),
            "quota": format_bytes(exc.params["limit"]),
        }
        return _error(
            413,
            _(
                "This file (%(size)s) does not fit in your storage space: you use %(used)s of "
                "%(quota)s. Ask your instructor if you need more.",
                **sizes,
            ),
        )
    if exc.code == "bad_context":
        return _error(400, _("The upload does not say what it is for. Reload the page and try again."))
    return _error(403, _("You cannot upload a file for this."))


def _tus_message(exc: TusError) -> str:
    return {
        404: _("This upload does not exist or has expired. Choose the file again to start over."),
        409: _("The server holds a different part of this upload; it continues from there."),
        413: _("More data was sent than the size the upload announced."),
        415: _("Upload data must be sent as application/offset+octet-stream."),
        423: _("This upload is busy with another request. It continues in a moment."),
        tus.CHECKSUM_MISMATCH: _("A part of the upload arrived damaged; it is sent again."),
    }.get(exc.status) or {
        "bad_metadata": _("The description of the upload (Upload-Metadata) could not be read."),
        "bad_checksum": _(
            "The checksum of the upload (Upload-Checksum) could not be read; use sha1, sha256 or md5."
        ),
    }.get(exc.code, _("The upload could not be continued."))


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    phrase = _PHRASES.get(status) or HTTPStatus(status).phrase
    response = jsonify(code=status, status=phrase, message=message)
    response.status = f"{status} {phrase}"
    response.headers.update(headers or {})
    return response
