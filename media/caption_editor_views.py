"""The caption editor: a track's cues as rows to retime, rewrite, add, split and remove, beside the player.

The page works as a plain form (each row's fields, a box to remove it, an empty row to add one); the
script ``media/caption_editor.js`` adds jumping the player to a cue, taking times from the player,
splitting and adding rows in place, and keys.  What is saved is checked as an uploaded file is
(:func:`media.caption_services.replace_cues`).  Registered on the media blueprint.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.forms import ActionForm
from media import caption_editor
from media import caption_services as services
from media.caption_editor import Row
from media.caption_messages import describe
from media.captions import Problem
from media.views import bp, get_media_or_404


def _rows_from_form() -> list[Row]:
    form = request.form
    ids, starts, ends = form.getlist("row"), form.getlist("start"), form.getlist("end")
    texts, settings = form.getlist("text"), form.getlist("settings")
    if not (len(ids) == len(starts) == len(ends) == len(texts) == len(settings)):
        abort(400)
    removed = set(form.getlist("remove"))
    return [
        Row(start, end, text, setting)
        for row_id, start, end, text, setting in zip(ids, starts, ends, texts, settings)
        if row_id not in removed
    ]


def _place(problems: list[Problem], rows: list[Row]) -> list[str]:
    """The sentences of *problems*, each also on its row; lines are told as row numbers."""
    sentences = []
    for problem in problems:
        params = dict(problem.params)
        number = caption_editor.row_number(rows, params.get("line"))
        if number is not None:
            params["line"] = number
        if "other" in params:
            params["other"] = caption_editor.row_number(rows, params["other"]) or params["other"]
        sentence = describe(Problem(problem.code, params), _)
        sentences.append(sentence)
        if number is not None:
            row = rows[number - 1]
            row.problems = [*(row.problems or []), sentence]
    return sentences


@bp.route("/<int:media_id>/captions/<int:track_id>/edit", methods=["GET", "POST"])
@login_required
def edit_caption(media_id: int, track_id: int):
    media = get_media_or_404(media_id, current_user)
    if not services.can_edit_captions(current_user, media):
        abort(403)
    track = services.get_track(media, track_id)
    if track is None:  # removed in another tab (or another video's track): nothing to edit here
        flash(_("These captions were already removed."), "info")
        return redirect(url_for("media.captions", media_id=media.id))
    form = ActionForm()
    problems: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        rows = _rows_from_form()
        vtt = caption_editor.build_vtt(rows)
        try:
            parsed = services.replace_cues(track, vtt, current_user)
        except services.CaptionRefused as exc:
            problems = _place(exc.problems, rows)
        else:
            flash(_("The captions are saved."), "success")
            for warning in parsed.warnings:
                flash(describe(warning, _), "info")
            return redirect(url_for("media.edit_caption", media_id=media.id, track_id=track.id))
    else:
        rows = caption_editor.rows_from_vtt(track.vtt)
    return render_template(
        "media/caption_edit.html", media=media, track=track, rows=rows, problems=problems, form=form
    )
