"""Forms of the projects screens; dates are entered in the user's time zone and stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from lms.forms import Finite
from media.shape import parse_ratio
from projects.coursework import reminders
from projects.coursework.models import DeliverableKind


def _user_zone() -> ZoneInfo:
    # Flask-Babel may hand back a pytz zone, whose replace(tzinfo=) would use local mean time (+08:28 for
    # Seoul).
    return ZoneInfo(str(get_timezone()))


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read and shown in the user's time zone; ``data`` is aware UTC."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and self.data.tzinfo is None:
            try:
                self.data = self.data.replace(tzinfo=_user_zone()).astimezone(UTC)
            except OverflowError:  # 0001-01-01 in Seoul, or 9999-12-31 west of UTC: no such UTC time
                self.data = None
                raise ValueError(self.gettext("Not a valid datetime value.")) from None

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return self.data.astimezone(_user_zone()).strftime("%Y-%m-%dT%H:%M")
        return ""


def kind_choices():
    return [
        (DeliverableKind.VIDEO.value, _l("Video")),
        (DeliverableKind.IMAGE.value, _l("Image")),
        (DeliverableKind.AUDIO.value, _l("Sound recording")),
        (DeliverableKind.DOCUMENT.value, _l("Document")),
        (DeliverableKind.LINK.value, _l("Link")),
        (DeliverableKind.TEXT.value, _l("Text")),
    ]


class ProjectForm(FlaskForm):
    title_ko = StringField(_l("Title in Korean"), validators=[Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    brief_ko = TextAreaField(
        _l("Brief in Korean"),
        validators=[Length(max=20000)],
        description=_l("Markdown: **bold**, lists, links and tables."),
    )
    brief_en = TextAreaField(_l("Brief in English"), validators=[Length(max=20000)])
    outcomes = TextAreaField(
        _l("Learning outcomes and competencies"),
        validators=[Length(max=5000)],
        description=_l("One per line."),
    )
    opens_at = LocalDateTimeField(
        _l("Opens"), validators=[Optional()], description=_l("Leave empty to open at once.")
    )
    due_at = LocalDateTimeField(_l("Due"), validators=[InputRequired(_l("Enter the due date and time."))])
    cutoff_at = LocalDateTimeField(
        _l("Last moment to hand in (cut-off)"),
        validators=[Optional()],
        description=_l("Late work is accepted until then. Leave empty for no cut-off."),
    )
    max_attempts = IntegerField(
        _l("Maximum attempts"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave empty for no limit."),
    )
    team_mode = BooleanField(_l("Team project (one submission per team)"))
    max_grade = DecimalField(
        _l("Maximum grade"), default=100, validators=[Optional(), Finite(), NumberRange(min=1, max=1000)]
    )
    late_policy = SelectField(
        _l("Late work"),
        choices=lambda: [
            ("none", _l("No penalty")),
            ("per_day", _l("Deduct a percentage per day late")),
            ("cap", _l("Cap late work at a percentage")),
        ],
        default="none",
    )
    late_percent = DecimalField(
        _l("Percentage"),
        default=0,
        validators=[Optional(), Finite(), NumberRange(min=0, max=100)],
        description=_l("Per day, or the cap."),
    )
    late_floor = DecimalField(
        _l("Never below (percent)"), default=0, validators=[Optional(), Finite(), NumberRange(min=0, max=100)]
    )
    self_assessment = BooleanField(_l("Trainees assess themselves with the rubric before handing in"))
    reminder_hours = StringField(
        _l("Reminders (hours before the due date)"),
        default=reminders.format_hours(reminders.DEFAULT_HOURS),
        validators=[Length(max=40)],
        description=_l(
            "Trainees who have not handed in get a reminder this many hours before the due date, for example "
            "48, 6. Leave empty for no reminders before the date."
        ),
    )
    submit = SubmitField(_l("Save project"))

    def validate_reminder_hours(self, field):
        try:
            field.data = reminders.format_hours(reminders.parse_hours(field.data))
        except ValueError:
            raise ValidationError(
                _l(
                    "Write whole hours from 1 to %(limit)s, separated by commas, at most %(count)s.",
                    limit=reminders.MAX_LEAD_HOURS,
                    count=reminders.MAX_LEADS,
                )
            ) from None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.title_ko.data or "").strip() and not (self.title_en.data or "").strip():
            self.title_ko.errors.append(_l("Give the project a title in at least one language."))
            return False
        return ok


def translation_language_choices():
    """The offered languages a brief may be added in (Korean and English are the project's own fields)."""
    from lms.i18n import CONTENT_LANGUAGES, LANGUAGE_NAMES, offered_languages

    return [(c, LANGUAGE_NAMES[c]) for c in offered_languages() if c not in CONTENT_LANGUAGES]


class BriefTranslationForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=translation_language_choices)
    title = StringField(_l("Title"), validators=[Length(max=200)])
    brief = TextAreaField(
        _l("Brief"),
        validators=[Length(max=20000)],
        description=_l("Markdown: **bold**, lists, links and tables."),
    )


def orientation_choices():
    """The picture's orientations a brief may ask for (as displayed, after a phone's rotation)."""
    return [
        ("", _l("Any orientation")),
        ("landscape", _l("Landscape (wider than high)")),
        ("portrait", _l("Portrait (higher than wide)")),
        ("square", _l("Square")),
    ]


class DeliverableForm(FlaskForm):
    name_ko = StringField(_l("Name in Korean"), validators=[Length(max=160)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=160)])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    required = BooleanField(_l("Required"), default=True)
    guidance_ko = TextAreaField(_l("Guidance in Korean"), validators=[Length(max=5000)])
    guidance_en = TextAreaField(_l("Guidance in English"), validators=[Length(max=5000)])
    # A day is far past any film a brief asks for; the maxima keep numbers a float and JSON hold.
    min_duration = DecimalField(
        _l("Shortest length (seconds)"), validators=[Optional(), Finite(), NumberRange(min=0, max=86400)]
    )
    max_duration = DecimalField(
        _l("Longest length (seconds)"), validators=[Optional(), Finite(), NumberRange(min=0, max=86400)]
    )
    min_width = IntegerField(
        _l("Smallest width (pixels)"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    min_height = IntegerField(
        _l("Smallest height (pixels)"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    max_size_mb = DecimalField(
        _l("Largest file (MB)"), validators=[Optional(), Finite(), NumberRange(min=0.001, max=1_000_000)]
    )
    require_audio = BooleanField(_l("Must have sound"))
    max_width = IntegerField(
        _l("Largest width (pixels)"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    max_height = IntegerField(
        _l("Largest height (pixels)"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    # places=None: 23.976 is shown as written, not rounded to 23.98.
    min_fps = DecimalField(
        _l("Lowest frame rate (fps)"),
        places=None,
        validators=[Optional(), Finite(), NumberRange(min=0, max=1000)],
    )
    max_fps = DecimalField(
        _l("Highest frame rate (fps)"),
        places=None,
        validators=[Optional(), Finite(), NumberRange(min=0, max=1000)],
    )
    containers = StringField(
        _l("Allowed file formats"),
        validators=[Length(max=200)],
        description=_l("Separated by commas, e.g. mp4, mov. Leave empty for any."),
    )
    codecs = StringField(
        _l("Allowed codecs"),
        validators=[Length(max=200)],
        description=_l("Separated by commas, e.g. h264, aac. Leave empty for any."),
    )
    aspect_ratios = StringField(
        _l("Allowed aspect ratios"),
        validators=[Length(max=200)],
        description=_l("Width:height, separated by commas, e.g. 16:9, 9:16. Leave empty for any."),
    )
    orientation = SelectField(_l("Orientation"), choices=orientation_choices, default="")
    min_audio_channels = IntegerField(
        _l("Fewest sound channels"),
        validators=[Optional(), NumberRange(min=1, max=64)],
        description=_l("1 is mono, 2 is stereo."),
    )
    max_audio_channels = IntegerField(
        _l("Most sound channels"), validators=[Optional(), NumberRange(min=1, max=64)]
    )
    min_sample_rate = IntegerField(
        _l("Lowest sample rate (Hz)"),
        validators=[Optional(), NumberRange(min=1000, max=768_000)],
        description=_l("For example 44100 or 48000."),
    )
    captions_required = StringField(
        _l("Captions required in"),
        validators=[Length(max=200)],
        description=_l("Language codes separated by commas, e.g. ko, en."),
    )
    captions_optional = StringField(_l("Captions welcome in"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save deliverable"))

    SPEC_FIELDS = (
        "min_duration",
        "max_duration",
        "min_width",
        "min_height",
        "max_width",
        "max_height",
        "min_fps",
        "max_fps",
        "require_audio",
        "orientation",
        "min_audio_channels",
        "max_audio_channels",
        "min_sample_rate",
    )
    #: Fields written as comma-separated lists.
    LIST_FIELDS = ("containers", "codecs", "aspect_ratios")

    def spec(self) -> dict:
        """The media spec the fields describe."""
        spec: dict = {}
        for name in self.SPEC_FIELDS:
            value = getattr(self, name).data
            if value not in (None, False, ""):
                spec[name] = float(value) if name.endswith(("duration", "fps")) else value
        for name in self.LIST_FIELDS:
            values = [v.strip() for v in (getattr(self, name).data or "").split(",") if v.strip()]
            if values:
                spec[name] = values
        if self.max_size_mb.data:
            spec["max_size_bytes"] = int(float(self.max_size_mb.data) * 1_000_000)
        return spec

    def fill_spec(self, spec: dict) -> None:
        for name in self.SPEC_FIELDS:
            if name in spec:
                getattr(self, name).data = spec[name]
        for name in self.LIST_FIELDS:
            if spec.get(name):
                getattr(self, name).data = ", ".join(spec[name])
        if spec.get("max_size_bytes"):
            self.max_size_mb.data = spec["max_size_bytes"] / 1_000_000

    def captions(self) -> dict:
        """The caption rule the two language fields describe (checked by the service)."""
        return {"required": self.captions_required.data or "", "optional": self.captions_optional.data or ""}

    def fill_captions(self, captions: dict) -> None:
        self.captions_required.data = ", ".join(captions.get("required", []))
        self.captions_optional.data = ", ".join(captions.get("optional", []))

    def validate_aspect_ratios(self, field):
        for ratio in (field.data or "").split(","):
            try:
                if ratio.strip():
                    parse_ratio(ratio)
            except ValueError:
                raise ValidationError(_l("Write each aspect ratio as width:height, e.g. 16:9.")) from None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.name_ko.data or "").strip() and not (self.name_en.data or "").strip():
            self.name_ko.errors.append(_l("Give the deliverable a name in at least one language."))
            return False
        return ok


class CopyForm(FlaskForm):
    cohort_id = SelectField(_l("Copy to cohort"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Make a draft copy"))


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=120)])
    members = SelectMultipleField(_l("Members"), coerce=int)
    submit = SubmitField(_l("Save team"))


class ExtensionForm(FlaskForm):
    target = SelectField(_l("For"), validators=[DataRequired()])
    due_at = LocalDateTimeField(
        _l("New due date"), validators=[InputRequired(_l("Enter the due date and time."))]
    )
    cutoff_at = LocalDateTimeField(_l("New cut-off"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Grant extension"))


class AnswerForm(FlaskForm):
    link_url = URLField(
        _l("Link"),
        validators=[Optional(), Length(max=2000), URL(message=_l("Enter a full web address (https://…)."))],
    )
    text = TextAreaField(_l("Your answer"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Save"))


class PersonEntry(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[Length(max=120)])
    consent = SelectField(
        _l("Consent"),
        choices=lambda: [
            ("given", _l("Consent given")),
            ("pending", _l("Consent not yet recorded")),
            ("refused", _l("Consent refused")),
        ],
        default="pending",
    )


class DeclarationForm(FlaskForm):
    ai_used = SelectField(
        _l("Did you use AI tools for this work?"),
        choices=lambda: [("", _l("Choose…")), ("no", _l("No")), ("yes", _l("Yes"))],
        validators=[DataRequired(_l("Please answer this question."))],
    )
    ai_tools = StringField(
        _l("Which tools?"),
        validators=[Length(max=500)],
        description=_l("For example: Runway, Sora, ChatGPT, Suno."),
    )
    ai_generated = TextAreaField(
        _l("What did they generate?"),
        validators=[Length(max=5000)],
        description=_l("For example: background music, the voice-over script, two shots."),
    )
    people = FieldList(
        FormField(PersonEntry), min_entries=3, max_entries=20, label=_l("People who appear in your work")
    )
    submit = SubmitField(_l("Save declarations"))


def error_text(form: FlaskForm) -> str:
    """Every error of *form* (nested forms included) as one sentence list for a flash message."""

    def flatten(errors):
        if isinstance(errors, dict):
            return [e for value in errors.values() for e in flatten(value)]
        if isinstance(errors, (list, tuple)):
            return [e for value in errors for e in flatten(value)]
        return [str(errors)]

    return " ".join(flatten(form.errors))


class SubmitForm(FlaskForm):
    statement = BooleanField(
        _l(
            "I confirm that this is my own (or my team's) work, that I have declared any use of "
            "AI tools, and that the people who appear in it know."
        ),
        validators=[DataRequired(_l("Please confirm the statement."))],
    )
    submit = SubmitField(_l("Hand in"))
