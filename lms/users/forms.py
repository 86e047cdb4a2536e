"""Account, profile and import forms."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from lms.i18n import common_timezones, valid_timezone
from lms.users.models import KoreanTest, Role


def role_choices():
    return [
        (Role.TRAINEE.value, _l("Trainee")),
        (Role.INSTRUCTOR.value, _l("Instructor")),
        (Role.EMPLOYER.value, _l("Employer")),
        (Role.LIAISON.value, _l("Liaison (Chamber of Commerce)")),
        (Role.ADMIN.value, _l("Administrator")),
    ]


def locale_choices():
    """The offered languages, each in its own name (a reader finds theirs in any interface language)."""
    from lms.i18n import LANGUAGE_NAMES, offered_languages

    return [("", _l("Browser's language"))] + [(c, LANGUAGE_NAMES[c]) for c in offered_languages()]


def country_choices():
    names = Locale.parse(str(get_locale() or "ko")).territories
    codes = sorted(
        (c for c in names if len(c) == 2 and c.isalpha() and c not in ("ZZ", "EU", "EZ", "UN", "QO")),
        key=lambda c: names[c],
    )
    return [("", _l("Not stated"))] + [(c, names[c]) for c in codes]


class UserForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    role = SelectField(_l("Role"), choices=role_choices)
    organisation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=160)],
        description=_l("Company for employers, chamber office for liaisons."),
    )
    locale = SelectField(_l("Language for e-mails and pages"), choices=locale_choices)
    submit = SubmitField(_l("Create and send invitation"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=locale_choices)
    timezone = SelectField(_l("Time zone"), choices=lambda: [(z, z) for z in common_timezones()])
    nationality = SelectField(_l("Nationality"), choices=country_choices, validators=[Optional()])
    korean_test = SelectField(
        _l("Korean proficiency"),
        choices=lambda: [
            ("", _l("Not stated")),
            (KoreanTest.TOPIK.value, _l("TOPIK level")),
            (KoreanTest.KIIP.value, _l("KIIP stage")),
        ],
    )
    korean_level = IntegerField(
        _l("Level or stage"),
        validators=[Optional(), NumberRange(min=0, max=6)],
        description=_l("TOPIK 1–6 or KIIP 0–5."),
    )
    share_nationality = BooleanField(_l("Show my nationality beyond the centre's staff"))
    share_korean = BooleanField(_l("Show my Korean level beyond the centre's staff"))
    submit = SubmitField(_l("Save"))

    def validate_timezone(self, field):
        if not valid_timezone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))

    def validate_korean_test(self, field):
        # Checked here, not on the level: an empty level stops its own validators.
        if field.data and self.korean_level.data is None:
            raise ValidationError(_l("Enter the level or stage."))

    def validate_korean_level(self, field):
        if self.korean_test.data == KoreanTest.TOPIK.value and field.data is not None and field.data < 1:
            raise ValidationError(_l("TOPIK levels go from 1 to 6."))
        if self.korean_test.data == KoreanTest.KIIP.value and field.data is not None and field.data > 5:
            raise ValidationError(_l("KIIP stages go from 0 to 5."))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l(
            "Columns: name, email, programme, cohort, language (ko or en). "
            "UTF-8, with or without BOM; Korean headers work too."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Check and import"))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What will use it, e.g. “weekly report script”."),
    )
    scope = SelectField(
        _l("Access"), choices=lambda: [("read", _l("Read only")), ("read write", _l("Read and write"))]
    )
    expires_days = SelectField(
        _l("Expires after"),
        coerce=int,
        choices=lambda: [(30, _l("30 days")), (90, _l("90 days")), (365, _l("1 year")), (0, _l("Never"))],
    )
    submit = SubmitField(_l("Create token"))
