"""API: resumable uploads (tus 1.0) for API tokens; the same protocol code as ``/media/uploads/``.

A client creates an upload with ``POST /api/v1/uploads/`` (``Upload-Length``,
``Upload-Metadata`` with ``filename``, ``filetype`` and ``context``), sends the
bytes in ``PATCH`` requests from the offset ``HEAD`` reports, and reads the new
file's id from ``Gongbang-Media-Id`` on the final answer.  Any tus 1.0 client
works (tus-py-client, tus-js-client, tusd's ``tusc``).
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from lms.api import api_blueprint
from media import uploads

blp = api_blueprint(
    "uploads_api",
    __name__,
    "/uploads",
    description=(
        "Resumable uploads (tus 1.0: core, creation, termination, checksum, expiration). "
        "Every request but OPTIONS sends `Tus-Resumable: 1.0.0`; every answer carries it. "
        "OPTIONS needs no token."
    ),
)
blp.url_value_preprocessor(uploads.lift_body_limit)
blp.after_request(uploads.add_tus_resumable)


def _header(name: str, description: str, required: bool = True, pattern: str | None = None) -> dict:
    schema = {"type": "string", **({"pattern": pattern} if pattern else {})}
    return {"in": "header", "name": name, "required": required, "description": description, "schema": schema}


def _out(description: str) -> dict:
    return {"description": description, "schema": {"type": "string"}}


TUS_RESUMABLE = _header("Tus-Resumable", "Protocol version: `1.0.0`.", pattern=r"^1\.0\.0$")
OFFSET = _out("Bytes received so far.")
EXPIRES = _out("When an unfinished upload is deleted (RFC 7231 date).")
MEDIA = {
    uploads.MEDIA_ID_HEADER: _out("Only once the upload is complete: the id of the new media file."),
    uploads.MEDIA_URL_HEADER: _out("Only once the upload is complete: the page that shows its checks."),
}
ERROR = {"description": "Error in the API's shape: `{code, status, message}` with a translated message."}
ERRORS_BY_ID = {
    404: {"description": "No such upload, not yours, or expired."},
    412: {"description": "`Tus-Resumable` is missing or not `1.0.0`."},
}
CAPABILITIES = {
    "Tus-Version": _out("`1.0.0`"),
    "Tus-Extension": _out("Supported extensions."),
    "Tus-Max-Size": _out("The largest upload accepted, in bytes."),
    "Tus-Checksum-Algorithm": _out("`sha1,sha256,md5`"),
}


@blp.route("/")
class Uploads(MethodView):
    @blp.doc(
        parameters=[
            TUS_RESUMABLE,
            _header(
                "Upload-Length",
                "Size of the file in bytes; checked against the target's, the brief's "
                "and the server's limits and the user's quota before any byte is sent.",
                pattern=r"^\d+$",
            ),
            _header(
                "Upload-Metadata",
                "Comma-separated `key base64(value)` pairs: `filename`, `filetype` "
                "and `context` (what the file is for, e.g. `check:video_hd`); values are base64 of UTF-8 "
                "text.",
                pattern=r"^(?:[^,]*,)*\s*context [A-Za-z0-9+/]+={0,2}\s*(?:,[^,]*)*$",
            ),
        ],
        responses={
            "400": ERROR,
            "403": {"description": "Nobody accepts this context from this user."},
            "412": ERRORS_BY_ID[412],
            "413": {"description": "Over a limit or the user's quota."},
        },
    )
    @blp.response(
        201,
        description="Created; `Location` is the upload's URL.",
        headers={
            "Location": _out("URL of the new upload."),
            "Upload-Offset": OFFSET,
            "Upload-Expires": EXPIRES,
            **MEDIA,
        },
    )
    def post(self):
        """Create an upload"""
        return uploads.respond(g.api_user, None, "uploads_api.UploadById")

    @blp.doc(security=[])
    @blp.response(204, description="What the server supports; no token needed.", headers=CAPABILITIES)
    def options(self):
        """Capabilities"""
        return uploads.capabilities()


@blp.route("/<upload_id>")
class UploadById(MethodView):
    @blp.doc(
        parameters=[TUS_RESUMABLE],
        responses={
            "404": ERRORS_BY_ID[404],
            "412": ERRORS_BY_ID[412],
            "423": {"description": "Another request is finishing it."},
        },
    )
    @blp.response(
        200,
        description="Where to resume; a complete upload is finished (registered) here if its "
        "last PATCH's answer was lost.",
        headers={
            "Upload-Offset": OFFSET,
            "Upload-Length": _out("Size of the file in bytes."),
            "Upload-Metadata": _out("As sent at creation."),
            "Upload-Expires": EXPIRES,
            **MEDIA,
        },
    )
    def head(self, upload_id):
        """Upload offset"""
        return uploads.respond(g.api_user, upload_id, "uploads_api.UploadById")

    @blp.doc(
        parameters=[
            TUS_RESUMABLE,
            _header("Upload-Offset", "Where this body starts (the server's offset).", pattern=r"^\d+$"),
            _header("Upload-Checksum", "`sha1|sha256|md5 base64(digest)` of this body.", required=False),
        ],
        requestBody={
            "required": True,
            "content": {
                "application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
        responses={
            "400": ERROR,
            "404": ERRORS_BY_ID[404],
            "409": {"description": "Wrong `Upload-Offset`."},
            "412": ERRORS_BY_ID[412],
            "413": {"description": "Past the upload's length."},
            "415": {"description": "Content-Type is not `application/offset+octet-stream`."},
            "423": {"description": "Another request is writing to this upload; retry."},
            "460": {"description": "Checksum mismatch: nothing of this body was kept."},
        },
    )
    @blp.response(
        204,
        description="Stored; the complete upload is registered and its checks are queued.",
        headers={"Upload-Offset": OFFSET, "Upload-Expires": EXPIRES, **MEDIA},
    )
    def patch(self, upload_id):
        """Send bytes"""
        return uploads.respond(g.api_user, upload_id, "uploads_api.UploadById")

    @blp.doc(parameters=[TUS_RESUMABLE], responses={"404": ERRORS_BY_ID[404], "412": ERRORS_BY_ID[412]})
    @blp.response(204, description="Deleted with the bytes received so far.")
    def delete(self, upload_id):
        """Terminate an upload"""
        return uploads.respond(g.api_user, upload_id, "uploads_api.UploadById")

    @blp.doc(security=[])
    @blp.response(204, description="What the server supports; no token needed.", headers=CAPABILITIES)
    def options(self, upload_id):
        """Capabilities"""
        return uploads.capabilities()
