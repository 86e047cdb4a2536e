"""Media screens: check a file against a brief, follow its processing live, pick a poster.

Large files arrive through resumable uploads (tus, ``/media/uploads/``; see
:mod:`media.uploads`) or, without JavaScript, as a plain form post streamed to disk.

Uploaded bytes are only ever sent as a download (``attachment``, a neutral
content type, a sandboxing CSP); pictures and players show renditions that
Gongbang wrote itself.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import db
from lms.forms import ActionForm
from lms.pagination import paginate
from lms.security import role_required
from lms.users.models import Role, User
from media import services, signals, uploads
from media.errors import MediaError
from media.forms import PRESETS, CheckForm, PosterForm
from media.messages import describe
from media.models import MediaFile, MediaStatus
from media.storage import TooLarge

bp = Blueprint("media", __name__, url_prefix="/media", static_folder="static", static_url_path="/static")
bp.url_value_preprocessor(uploads.lift_body_limit)
bp.after_request(uploads.add_tus_resumable)

#: Rendition file names in URLs -> role.  Relative names matter: the WebVTT
#: track refers to ``sprite.jpg`` beside it.
RENDITION_NAMES = {
    "poster.jpg": "poster",
    "display.jpg": "display",
    "sprite.jpg": "sprite",
    "thumbnails.vtt": "vtt",
    "preview.mp4": "preview",
    "preview.webm": "preview",
}
#: Served files are data, never documents: no scripts, no plugins, no framing.
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def get_media_or_404(media_id: int, user: User) -> MediaFile:
    """Load an upload the user may see (owner, admin, or whom a plugin allows); 404 otherwise."""
    media = db.session.get(MediaFile, media_id)
    if media is None or not services.can_view(user, media):
        abort(404)
    return media


def status_label(status: MediaStatus) -> str:
    """A short translated word for *status*."""
    return {
        MediaStatus.PENDING: _("Waiting to be checked"),
        MediaStatus.PROCESSING: _("Being checked"),
        MediaStatus.READY: _("Accepted"),
        MediaStatus.REJECTED: _("Does not meet the brief"),
        MediaStatus.FAILED: _("Could not be checked"),
    }[status]


@bp.app_template_global()
def media_problem(problem) -> str:
    """One problem as a sentence in the reader's language."""
    return describe(problem, _)


@bp.app_template_global()
def media_status_label(status: MediaStatus) -> str:
    return status_label(status)


@bp.route("/check", methods=["GET", "POST"])
@login_required
def check():
    # The body may be larger than the forms' limit (see uploads.lift_body_limit); the brief's own limit is
    # applied while streaming.
    form = CheckForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            media = services.register_upload(
                current_user,
                upload.stream,
                filename=upload.filename,
                declared_type=upload.mimetype,
                spec=PRESETS[form.preset.data][1],
                max_bytes=current_app.config["MEDIA_UPLOAD_MAX_BYTES"],
            )
        except TooLarge as exc:
            form.file.errors.append(
                describe(
                    {"code": "too_large", "params": {"measured": request.content_length, "limit": exc.limit}},
                    _,
                )
            )
        else:
            return redirect(url_for("media.detail", media_id=media.id))
    return render_template("media/check.html", form=form, uploads=services.uploads_of(current_user, 20))


@bp.route("/uploads/", methods=["POST", "OPTIONS"], endpoint="uploads")
@bp.route("/uploads/<upload_id>", methods=["HEAD", "PATCH", "DELETE", "OPTIONS"], endpoint="upload")
def upload(upload_id: str | None = None):
    """Resumable uploads (tus 1.0) for the signed-in user; anyone else gets 401 from the protocol code."""
    return uploads.respond(current_user, upload_id, "media.upload")


@bp.route("/")
@login_required
def mine():
    page = paginate(services.uploads_query(current_user))
    return render_template("media/list.html", uploads=page.items, page=page)


@bp.route("/<int:media_id>")
@login_required
def detail(media_id: int):
    media = get_media_or_404(media_id, current_user)
    return render_template(
        "media/detail.html",
        media=media,
        poster_form=PosterForm(),
        action_form=ActionForm(),
        is_owner=media.owner_id == current_user.id,
        belongs_to=belongs_to(current_user, media),
    )


def belongs_to(user: User, media: MediaFile) -> list[tuple[str, str]]:
    """``(label, url)`` of what the file was uploaded for (a project), as plugins answer ``media_links``;
    each receiver lists only what *user* may see."""
    links: list[tuple[str, str]] = []
    for _receiver, answer in signals.media_links.send(user, media=media):
        links.extend(answer or [])
    return links


@bp.route("/<int:media_id>/status")
@login_required
def status(media_id: int):
    """Polled by the page while the checks run; ``html`` is the result panel, rendered and escaped here."""
    media = get_media_or_404(media_id, current_user)
    html = render_template(
        "media/_result.html",
        media=media,
        poster_form=PosterForm(),
        action_form=ActionForm(),
        is_owner=media.owner_id == current_user.id,
    )
    return jsonify(
        id=media.id,
        status=media.status.value,
        done=media.status.done,
        version=media.version,
        label=status_label(media.status),
        problems=[media_problem(p) for p in media.problems],
        html=html,
    )


@bp.route("/<int:media_id>/<any(" + ", ".join(f'"{n}"' for n in RENDITION_NAMES) + "):name>")
@login_required
def rendition(media_id: int, name: str):
    return send_rendition(get_media_or_404(media_id, current_user), name)


def send_rendition(media: MediaFile, name: str):
    """One of *media*'s renditions by file name, with the file headers; 404 when it has none of that name.

    For plugins that serve renditions under their own authorisation (a portfolio's share link).
    """
    found = media.rendition(RENDITION_NAMES[name]) if name in RENDITION_NAMES else None
    if found is None or not found.storage_key.endswith(name.rsplit(".", 1)[1]):
        abort(404)
    response = send_file(
        services.get_storage().path(found.storage_key),
        mimetype=found.content_type,
        conditional=True,
        etag=True,
        max_age=3600,
    )
    return _file_headers(response)


@bp.route("/<int:media_id>/download")
@login_required
def download(media_id: int):
    """The uploaded bytes, always as a download (never rendered by the browser from our origin)."""
    return send_original(get_media_or_404(media_id, current_user))


def send_original(media: MediaFile, *, cache: str = "private, max-age=3600"):
    """*media*'s uploaded bytes as a download, with the file headers (never rendered from our origin).

    Other packages' private documents (an excuse's, a score report) use it with ``cache="private, no-store"``.
    """
    response = send_file(
        services.get_storage().path(media.storage_key),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=media.original_name,
        conditional=True,
    )
    response = _file_headers(response)
    response.headers["Cache-Control"] = cache
    return response


def _file_headers(response):
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Private: the URL is the same for everyone allowed, the content is not public.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/<int:media_id>/poster", methods=["POST"])
@login_required
def choose_poster(media_id: int):
    media = get_media_or_404(media_id, current_user)
    if media.owner_id != current_user.id:
        abort(403)
    auto = request.form.get("auto") == "1"
    form = PosterForm() if not auto else ActionForm()
    if not form.validate_on_submit():
        flash(_("Enter a time in seconds."), "error")
    elif media.status is not MediaStatus.READY or media.kind != "video":
        flash(_("A poster can be chosen once the video has been accepted."), "error")
    else:
        try:
            services.set_poster(media, None if auto else float(form.seconds.data))
        except MediaError:  # no frame there: refused before the poster's file or row changed
            flash(_("No picture could be taken at that moment. Try another time."), "error")
        else:
            flash(_("The poster is changed."), "success")
    return redirect(url_for("media.detail", media_id=media.id))


@bp.route("/<int:media_id>/reprocess", methods=["POST"])
@role_required(Role.ADMIN)
def reprocess(media_id: int):
    media = get_media_or_404(media_id, current_user)
    if ActionForm().validate_on_submit():
        services.request_reprocess(media)
        flash(_("The file will be checked again."), "success")
    return redirect(url_for("media.detail", media_id=media.id))
