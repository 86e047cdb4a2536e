"""Forms of the media screens."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

#: Briefs a trainee can check a file against before any project asks for it.
#: (label, spec) — the specs use the fields of ``media.validation.DeliverableSpec``.  Each spec accepts
#: exactly the kinds its label names: an empty spec would pass documents (a PDF with scripts) under a label
#: that promises pictures, sound and video only.
PRESETS = {
    "any": (_l("Any picture, sound or video"), {"kinds": ["image", "audio", "video"]}),
    "video_hd": (
        _l("Video: 30 s to 3 min, at least 1280×720, with sound"),
        {
            "kinds": ["video"],
            "min_duration": 30,
            "max_duration": 180,
            "min_width": 1280,
            "min_height": 720,
            "require_audio": True,
        },
    ),
    "video_short": (
        _l("Short video: up to 60 s, at least 720 pixels high"),
        {"kinds": ["video"], "max_duration": 60, "min_height": 720},
    ),
    "image": (_l("Image: at least 1024 pixels wide"), {"kinds": ["image"], "min_width": 1024}),
}


def preset_choices():
    return [(key, label) for key, (label, _spec) in PRESETS.items()]


class CheckForm(FlaskForm):
    """Upload one file and check it against a preset brief."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to check."))])
    preset = SelectField(_l("Check against"), choices=preset_choices, default="any")
    submit = SubmitField(_l("Upload and check"))


def finite(form, field) -> None:
    """Refuse NaN, infinities and numbers no float holds (``Decimal("nan") < 0`` raises, ``sNaN`` cannot
    become a float, ``1e400`` becomes an infinite one)."""
    if field.data is not None and (not field.data.is_finite() or not math.isfinite(float(field.data))):
        raise StopValidation(_l("Enter a time in seconds."))


class PosterForm(FlaskForm):
    """Pick the poster frame by time."""

    seconds = DecimalField(
        _l("Time (seconds)"),
        places=2,
        validators=[InputRequired(_l("Enter a time in seconds.")), finite, NumberRange(min=0)],
    )
    submit = SubmitField(_l("Use this frame"))


def caption_kind_choices():
    return [
        ("subtitles", _l("Subtitles (a translation of what is said)")),
        ("captions", _l("Captions (what is said and other sounds)")),
    ]


class CaptionForm(FlaskForm):
    """Add a caption track: a WebVTT or SRT file, its language and kind (choices set by the view)."""

    file = FileField(
        _l("Caption file (.vtt or .srt)"), validators=[FileRequired(_l("Choose a caption file."))]
    )
    language = SelectField(_l("Language"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=caption_kind_choices, default="subtitles")
    label = StringField(_l("Name in the player (optional)"), validators=[Optional(), Length(max=80)])
    submit = SubmitField(_l("Add captions"))
