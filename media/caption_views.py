"""Caption screens: a video's tracks (list, add from a file or from the video, delete) and the track files.

The routes belong to the media blueprint (:data:`media.views.bp`); each loads the video with
:func:`media.views.get_media_or_404`, so a track is served to exactly those who may play its video.
"""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.forms import ActionForm
from media import caption_services as services
from media.caption_messages import describe
from media.forms import CaptionForm
from media.models import CaptionKind, MediaFile
from media.views import FILE_CSP, bp, get_media_or_404


def _locale() -> str:
    return str(get_locale() or "en")


@bp.app_template_global()
def media_caption_tracks(media: MediaFile) -> list:
    """The video's tracks for the player, the reader's language first."""
    return services.ordered_tracks(media, _locale())


@bp.app_template_global()
def media_language_name(tag: str) -> str:
    return services.language_name(tag, _locale())


@bp.app_template_global()
def media_caption_problem(problem) -> str:
    """A caption problem or warning as a sentence in the reader's language."""
    return describe(problem, _)


def caption_form() -> CaptionForm:
    form = CaptionForm()
    form.language.choices = services.language_choices(current_app.config["LANGUAGES"], _locale())
    if not form.language.data:
        form.language.data = _locale()
    return form


@bp.route("/<int:media_id>/captions", methods=["GET", "POST"])
@login_required
def captions(media_id: int):
    media = get_media_or_404(media_id, current_user)
    can_edit = services.can_edit_captions(current_user, media)
    form = caption_form()
    problems = []
    if form.is_submitted() and not can_edit:
        abort(403)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            track = services.add_track(
                media,
                current_user,
                upload.stream,
                filename=upload.filename or "",
                language=form.language.data,
                kind=CaptionKind(form.kind.data),
                label=form.label.data or "",
            )
        except services.CaptionRefused as exc:
            problems = exc.problems
        else:
            flash(_("The captions are added."), "success")
            for warning in track.warnings:
                flash(describe(warning, _), "info")
            return redirect(url_for("media.captions", media_id=media.id))
    return render_template(
        "media/captions.html",
        media=media,
        form=form,
        action_form=ActionForm(),
        can_edit=can_edit,
        problems=problems,
        has_text_streams=any(s.get("type") == "subtitle" for s in (media.info or {}).get("streams", [])),
    )


@bp.route("/<int:media_id>/captions/<int:track_id>.vtt")
@login_required
def caption_file(media_id: int, track_id: int):
    return send_caption_track(get_media_or_404(media_id, current_user), track_id)


def send_caption_track(media: MediaFile, track_id: int):
    """*media*'s track *track_id* as a WebVTT file with the file headers; 404 for another video's track.

    For plugins that play a video under their own authorisation (a portfolio's share link).
    """
    track = services.get_track(media, track_id) or abort(404)
    response = make_response(track.vtt)
    response.headers["Content-Type"] = "text/vtt; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Tracks change in place (removed, added again under a new id): always ask again, as the players do.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/<int:media_id>/captions/extract", methods=["POST"])
@login_required
def extract_captions(media_id: int):
    media = get_media_or_404(media_id, current_user)
    if not services.can_edit_captions(current_user, media):
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            tracks = services.extract_tracks(media, current_user)
        except services.CaptionRefused as exc:
            for problem in exc.problems:
                flash(describe(problem, _), "error")
        else:
            flash(_("Subtitles taken from the video: %(count)s.", count=len(tracks)), "success")
    return redirect(url_for("media.captions", media_id=media.id))


@bp.route("/<int:media_id>/captions/<int:track_id>/delete", methods=["POST"])
@login_required
def delete_caption(media_id: int, track_id: int):
    media = get_media_or_404(media_id, current_user)
    if not services.can_edit_captions(current_user, media):
        abort(403)
    track = services.get_track(media, track_id)
    if ActionForm().validate_on_submit():
        if track is None:  # pressed twice, or removed in another tab
            flash(_("These captions were already removed."), "info")
        else:
            services.delete_track(track, current_user)
            flash(_("The captions are removed."), "success")
    return redirect(url_for("media.captions", media_id=media.id))
