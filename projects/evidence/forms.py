"""Forms of the evidence pack screens.  The parts are checkboxes that start empty: nothing is in a pack
unless the trainee ticks it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.forms import Finite
from projects.evidence.links import LINK_DAYS_MAX
from projects.evidence.services import RECIPIENT_MAX

KINDS = [
    ("immigration", _l("Immigration office")),
    ("employer", _l("Employer")),
    ("region", _l("Local government (regional visa recommendation)")),
]


class Checkboxes(SelectMultipleField):
    """A list of checkboxes, none ticked until the trainee ticks one."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PackForm(FlaskForm):
    recipient_kind = SelectField(_l("Who receives it"), choices=lambda: KINDS, validators=[DataRequired()])
    recipient_name = StringField(
        _l("Name of the office or company"),
        validators=[DataRequired(_l("Name the recipient.")), Length(max=RECIPIENT_MAX)],
        description=_l("For example: Seoul Southern Immigration Office."),
    )
    completions = Checkboxes(_l("Completion records"), coerce=int, choices=[], validate_choice=False)
    units = Checkboxes(_l("NCS units I showed"), coerce=str, choices=[], validate_choice=False)
    attendance = Checkboxes(
        _l("Training hours and attendance rate"), coerce=int, choices=[], validate_choice=False
    )
    korean = Checkboxes(_l("Verified Korean level"), coerce=int, choices=[], validate_choice=False)
    items = Checkboxes(_l("Portfolio items"), coerce=int, choices=[], validate_choice=False)
    submit = SubmitField(_l("Continue"))


class ConsentForm(FlaskForm):
    consent = BooleanField(
        _l("I agree to share exactly these facts with this recipient."),
        validators=[DataRequired(_l("Tick the box to agree before the pack is issued."))],
    )
    submit = SubmitField(_l("Issue the pack"))


class LinkForm(FlaskForm):
    days = IntegerField(
        _l("Works for (days)"),
        default=30,
        validators=[
            InputRequired(_l("Enter a number of days.")),
            Finite(),
            NumberRange(min=1, max=LINK_DAYS_MAX),
        ],
    )
    submit = SubmitField(_l("Create link"))


class CheckPackForm(FlaskForm):
    """The verification page: a pack's credential pasted, or its JSON file."""

    document = TextAreaField(
        _l("The pack's credential (JSON)"), validators=[Optional(), Length(max=256 * 1024)]
    )
    upload = FileField(_l("Or its file (JSON)"))
    submit = SubmitField(_l("Check"))
