"""API: a video's caption tracks (list, add, download, remove), with the video's own rights.

The same services and loader as the screens (:mod:`media.caption_views`).  A track is sent as text in JSON
(``vtt``: WebVTT, or SRT when ``filename`` ends in ``.srt``) and checked as an uploaded file is; a refused
file answers 422 with the reasons as sentences in the token owner's language.
"""

from __future__ import annotations

import io

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate

from lms.api import api_blueprint
from lms.api.fields import DateTime
from media import caption_services as services
from media.caption_messages import describe
from media.caption_views import send_caption_track
from media.captions import Limits
from media.models import CaptionKind, CaptionSource, CaptionTrack
from media.views import get_media_or_404

blp = api_blueprint("captions_api", __name__, "/media", description="Caption and subtitle tracks of videos.")


def _language_tag(tag: str) -> None:
    if not services.is_language_tag(tag):
        raise ValidationError(_("Not a language tag."))


class TrackSchema(Schema):
    id = fields.Int(dump_only=True)
    language = fields.Str(
        required=True,
        validate=[validate.Length(max=35), _language_tag],
        metadata={
            "description": "BCP 47 tag: `ko`, `en`, `vi`, `zh-Hans`…",
            "pattern": services.LANGUAGE_TAG.pattern,
        },
    )
    kind = fields.Enum(CaptionKind, by_value=True, load_default=CaptionKind.SUBTITLES)
    label = fields.Str(load_default="", validate=validate.Length(max=80))
    source = fields.Enum(CaptionSource, by_value=True, dump_only=True)
    needs_review = fields.Bool(dump_only=True)
    cue_count = fields.Int(dump_only=True)
    warnings = fields.Method("_warnings", dump_only=True)
    created_at = DateTime(dump_only=True)

    def _warnings(self, track: CaptionTrack) -> list[str]:
        """What was changed on the way in, as sentences."""
        return [describe(w, _) for w in track.warnings]


class NewTrackSchema(TrackSchema):
    vtt = fields.Str(
        required=True,
        validate=validate.Length(max=Limits.max_bytes),
        metadata={"description": "The file's text: WebVTT, or SRT when `filename` ends in `.srt`."},
    )
    filename = fields.Str(load_default="", validate=validate.Length(max=255))


@blp.route("/<int:media_id>/captions")
class Tracks(MethodView):
    @blp.response(200, TrackSchema(many=True))
    def get(self, media_id):
        """The video's tracks, the token owner's language first."""
        media = get_media_or_404(media_id, g.api_user)
        return services.ordered_tracks(media, g.api_user.locale or "en")

    @blp.arguments(NewTrackSchema)
    @blp.response(201, TrackSchema)
    def post(self, data, media_id):
        """Add a track (the video's owner, its managers, admins); checked as an uploaded caption file."""
        media = get_media_or_404(media_id, g.api_user)
        if not services.can_edit_captions(g.api_user, media):
            abort(403)
        try:
            return services.add_track(
                media,
                g.api_user,
                io.BytesIO(data["vtt"].encode()),
                filename=data["filename"],
                language=data["language"],
                kind=data["kind"],
                label=data["label"],
            )
        except services.CaptionRefused as exc:
            abort(422, message=" ".join(describe(p, _) for p in exc.problems))


@blp.route("/<int:media_id>/captions/<int:track_id>")
class TrackById(MethodView):
    @blp.response(200, {"type": "string"}, description="The track as a WebVTT file.", content_type="text/vtt")
    def get(self, media_id, track_id):
        """The track's WebVTT file."""
        return send_caption_track(get_media_or_404(media_id, g.api_user), track_id)

    @blp.response(204, description="Removed (or already gone).")
    def delete(self, media_id, track_id):
        """Remove a track (the video's owner, its managers, admins)."""
        media = get_media_or_404(media_id, g.api_user)
        if not services.can_edit_captions(g.api_user, media):
            abort(403)
        track = services.get_track(media, track_id)
        if track is not None:
            services.delete_track(track, g.api_user)
