"""Forms of the portfolio and completion screens."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from lms.forms import Finite
from projects.portfolios.links import LINK_DAYS_MAX
from projects.portfolios.services import REGIONS


def visibility_choices():
    return [
        ("private", _l("Only me")),
        ("staff", _l("The centre's staff")),
        ("employers", _l("Staff and approved employers")),
        ("link", _l("Staff, approved employers and people I send a link to")),
    ]


def region_choices():
    english = str(get_locale() or "ko") == "en"
    return [("", _l("Not stated"))] + [(code, en if english else ko) for code, (ko, en) in REGIONS.items()]


class PortfolioForm(FlaskForm):
    headline_ko = StringField(_l("Headline in Korean"), validators=[Length(max=200)])
    headline_en = StringField(
        _l("Headline in English"),
        validators=[Length(max=200)],
        description=_l("One line about you, e.g. “Video editor who films local shops”."),
    )
    about_ko = TextAreaField(_l("About you in Korean"), validators=[Length(max=5000)])
    about_en = TextAreaField(_l("About you in English"), validators=[Length(max=5000)])
    skills = StringField(
        _l("Skills"),
        validators=[Length(max=1500)],
        description=_l("Separated by commas, e.g. Premiere Pro, Runway, colour grading."),
    )
    region = SelectField(_l("Where you want to work"), choices=region_choices, validate_choice=True)
    visibility = SelectField(_l("Who may see your portfolio"), choices=visibility_choices)
    submit = SubmitField(_l("Save portfolio"))


class AddItemForm(FlaskForm):
    attempt_id = IntegerField(validators=[InputRequired()])


class ItemForm(FlaskForm):
    title_ko = StringField(_l("Title in Korean"), validators=[Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    reflection_ko = TextAreaField(
        _l("Reflection in Korean"),
        validators=[Length(max=5000)],
        description=_l("What you did, what you learnt, what you would do differently."),
    )
    reflection_en = TextAreaField(_l("Reflection in English"), validators=[Length(max=5000)])
    media_id = SelectField(_l("File shown"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save item"))


class PosterForm(FlaskForm):
    seconds = DecimalField(
        _l("Moment of the video for the poster (seconds)"),
        validators=[
            InputRequired(_l("Enter a time in seconds.")),
            Finite(_l("Enter a time in seconds.")),
            NumberRange(min=0),
        ],
    )


class ConsentEntryForm(FlaskForm):
    class Meta:
        csrf = False

    consent = SelectField(
        _l("Consent to publication"),
        choices=lambda: [
            ("given", _l("Given")),
            ("pending", _l("Not asked yet")),
            ("refused", _l("Refused")),
        ],
    )
    note = StringField(
        _l("How it was given"), validators=[Length(max=300)], description=_l("e.g. “signed form, 3 Nov”.")
    )


class ConsentForm(FlaskForm):
    people = FieldList(FormField(ConsentEntryForm))
    submit = SubmitField(_l("Save consent"))


class LinkForm(FlaskForm):
    recipient = StringField(
        _l("Who is the link for?"),
        validators=[DataRequired(_l("Name the recipient.")), Length(max=160)],
        description=_l("A company or person; shown in your view log."),
    )
    days = IntegerField(
        _l("Works for (days)"),
        default=30,
        validators=[InputRequired(_l("Enter a number of days.")), NumberRange(min=1, max=LINK_DAYS_MAX)],
    )
    submit = SubmitField(_l("Create link"))
