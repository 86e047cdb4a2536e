"""Forms of the employer side: sign-up, the liaison's decisions, search, interests and their steps."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.passwords import MAX_LENGTH
from projects.careers.services import valid_business_number

#: A well-formed example: its last digit is the check digit of the first nine (see ``valid_business_number``).
EXAMPLE_BUSINESS_NUMBER = "123-45-67891"


def _business_number(_form, field) -> None:
    if not valid_business_number(field.data or ""):
        raise ValidationError(
            _l(
                "Enter the 10-digit business registration number as printed on the certificate "
                "(e.g. %(example)s); this one is not valid.",
                example=EXAMPLE_BUSINESS_NUMBER,
            )
        )


class EmployerSignupForm(FlaskForm):
    company = StringField(
        _l("Company name"),
        validators=[DataRequired(), Length(max=160)],
        render_kw={"autocomplete": "organization"},
    )
    business_number = StringField(
        _l("Business registration number (사업자등록번호)"),
        validators=[DataRequired(), Length(max=20), _business_number],
        render_kw={"inputmode": "numeric", "placeholder": EXAMPLE_BUSINESS_NUMBER},
    )
    industry = StringField(_l("Industry"), validators=[DataRequired(), Length(max=120)])
    region = SelectField(_l("Region"), validators=[DataRequired()])
    address = StringField(
        _l("Address"),
        validators=[DataRequired(), Length(max=300)],
        render_kw={"autocomplete": "street-address"},
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300), URL(message=_l("Enter a full web address (https://…)."))],
        render_kw={"placeholder": "https://"},
    )
    phone = StringField(
        _l("Phone"), validators=[DataRequired(), Length(max=40)], render_kw={"autocomplete": "tel"}
    )
    description = TextAreaField(_l("About the company"), validators=[Optional(), Length(max=4000)])
    contact_name = StringField(
        _l("Contact person"), validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        _l("Contact e-mail (your sign-in)"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 8 characters. A long phrase you can remember is best."),
        render_kw={"autocomplete": "new-password", "minlength": 8, "maxlength": MAX_LENGTH},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(
        _l("I agree to the collection and use of this personal information."),
        validators=[
            DataRequired(message=_l("Agree to the collection and use of personal information to sign up."))
        ],
    )
    submit = SubmitField(_l("Apply for an employer account"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Browsers mark required inputs only to screen readers (``required``); say it in the label for
        # everyone.
        for field in self:
            if field.flags.required and field.type not in ("BooleanField", "SubmitField", "CSRFTokenField"):
                field.label.text = _("%(label)s (required)", label=field.label.text)


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=lambda: [
            ("approved", _l("Approve")),
            ("rejected", _l("Reject")),
            ("suspended", _l("Suspend")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason (sent to the employer)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required to reject or suspend."),
    )
    submit = SubmitField(_l("Record the decision"))


class CheckboxListField(SelectMultipleField):
    """A multiple choice as a list of checkboxes: a ``<select multiple>`` needs Ctrl-click on a desktop and is
    a cramped wheel on a phone. Same values, same query parameter (repeated once per ticked box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """A GET form: bookmarkable, no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), coerce=int, validators=[Optional()])
    cohort = SelectField(_l("Cohort"), coerce=int, validators=[Optional()])
    completed_from = DateField(_l("Completed from"), validators=[Optional()])
    completed_to = DateField(_l("Completed until"), validators=[Optional()])
    competencies = CheckboxListField(_l("Competencies (all of)"), validators=[Optional()])
    skills = StringField(_l("Skills (comma-separated, all of)"), validators=[Optional(), Length(max=300)])
    korean_level = SelectField(
        _l("Korean level at least"),
        coerce=int,
        validators=[Optional()],
        description=_l("Counts only trainees who chose to show their level."),
    )
    korean_scale = SelectField(
        _l("Test"),
        choices=lambda: [("topik", _l("TOPIK level")), ("kiip", _l("KIIP stage"))],
        validators=[Optional()],
    )
    region = SelectField(_l("Region"), validators=[Optional()])
    submit = SubmitField(_l("Search"))


class InterestForm(FlaskForm):
    role_title = StringField(
        _l("Role"),
        validators=[DataRequired(), Length(max=160)],
        render_kw={"placeholder": _l("e.g. Video editor (full-time)")},
    )
    message = TextAreaField(
        _l("Message to the trainee"),
        validators=[Optional(), Length(max=4000)],
        description=_l("The Chamber of Commerce reads it first and passes it on."),
    )
    submit = SubmitField(_l("Express interest"))


class StepForm(FlaskForm):
    """One step of an interest; the button pressed names the action."""

    action = SelectField(
        choices=lambda: [
            (a, a)
            for a in (
                "forward",
                "screen_out",
                "accept",
                "decline",
                "interview",
                "hired",
                "not_hired",
                "withdraw",
            )
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
