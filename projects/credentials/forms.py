"""Forms of the credential screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.forms import Finite


class CheckCredentialForm(FlaskForm):
    """/verify: a credential's address, its JSON pasted, or a file (JSON, or a baked PNG or SVG badge)."""

    address = StringField(_l("Credential address"), validators=[Optional(), Length(max=300)])
    document = TextAreaField(_l("Credential (JSON)"), validators=[Optional(), Length(max=256 * 1024)])
    upload = FileField(_l("Or a file (JSON, PNG, SVG)"))
    submit = SubmitField(_l("Check"))


class IssueForm(FlaskForm):
    """Issue a completion record's credential (a button: only the CSRF token)."""

    submit = SubmitField(_l("Issue credential"))


def _types() -> list[tuple[str, str]]:
    from projects.credentials.definitions import ACHIEVEMENT_TYPES

    return [(t, t) for t in ACHIEVEMENT_TYPES]


def _projects() -> list[tuple[int, str]]:
    from projects.credentials.definitions import projects_for_form

    return [(0, "—")] + [(p.id, p.title_ko or p.title_en) for p in projects_for_form()]


class AchievementForm(FlaskForm):
    """An achievement the centre defines (the fields of its kind count; the others are ignored)."""

    kind = SelectField(
        _l("Awarded for"),
        choices=lambda: [
            ("project_passed", _l("A project passed")),
            ("competency_shown", _l("A competency shown")),
            ("korean_stage", _l("A Korean stage reached")),
        ],
    )
    name_ko = StringField(_l("Name (Korean)"), validators=[InputRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    description_ko = TextAreaField(_l("Description (Korean)"), validators=[Optional(), Length(max=4000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=4000)])
    criteria_ko = TextAreaField(
        _l("Criteria (Korean)"),
        validators=[Optional(), Length(max=4000)],
        description=_l("What the trainee did to earn it. The credential shows this text."),
    )
    criteria_en = TextAreaField(_l("Criteria (English)"), validators=[Optional(), Length(max=4000)])
    achievement_type = SelectField(_l("Type (Open Badges)"), choices=lambda: _types())
    project_id = SelectField(_l("Project"), coerce=int, default=0, choices=lambda: _projects())
    pass_percent = IntegerField(
        _l("Pass mark (percent of the maximum grade)"),
        default=60,
        validators=[Optional(), Finite(), NumberRange(min=1, max=100)],
    )
    ncs_unit = StringField(
        _l("NCS unit"),
        validators=[Optional(), Length(max=20)],
        description=_l("A unit code, e.g. 2001020201_16v3. Leave it empty to use a rubric criterion."),
    )
    criterion_title = StringField(
        _l("Rubric criterion title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Used when no NCS unit is given: the criterion's title in Korean or English."),
    )
    korean_scale = SelectField(
        _l("Korean scale"), choices=lambda: [("", "—"), ("kiip", "KIIP"), ("topik", "TOPIK")]
    )
    korean_level = IntegerField(
        _l("Lowest stage or level"), validators=[Optional(), Finite(), NumberRange(min=0, max=6)]
    )
    alignment = StringField(
        _l("Aligned NCS units"),
        validators=[Optional(), Length(max=300)],
        description=_l("Unit codes, separated by commas."),
    )
    active = BooleanField(_l("Active (awarded automatically)"), default=True)
    submit = SubmitField(_l("Save"))


class AwardForm(FlaskForm):
    """Award an achievement to everyone who already meets it: a first press asks, ``confirmed=1`` does it."""

    confirmed = HiddenField(default="")
    submit = SubmitField(_l("Award to those who qualify"))
