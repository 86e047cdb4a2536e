"""Forms of the timetable and attendance screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

WEEKDAYS = [
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
]
MARKS = [
    ("present", _l("Present")),
    ("late", _l("Late")),
    ("left_early", _l("Left early")),
    ("absent", _l("Absent")),
    ("excused", _l("Excused")),
]

#: What ticking "Korean class" does (the flag, not the topic's words, makes Korean-class hours).
KOREAN_HINT = _l("Attended hours count as Korean-class hours.")


class PatternForm(FlaskForm):
    """Sessions from a weekly pattern over the cohort's dates (or part of them)."""

    weekdays = SelectMultipleField(
        _l("Days of the week"),
        coerce=int,
        choices=lambda: WEEKDAYS,
        validators=[DataRequired(_l("Choose at least one day."))],
    )
    starts = TimeField(_l("Starts at"), validators=[InputRequired(_l("Enter the start time."))])
    ends = TimeField(_l("Ends at"), validators=[InputRequired(_l("Enter the end time."))])
    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("Until"), validators=[Optional()])
    room = StringField(_l("Room"), validators=[Length(max=80)])
    topic = StringField(_l("Topic"), validators=[Length(max=200)])
    instructor_id = SelectField(_l("Instructor"), coerce=int, validate_choice=True)
    korean = BooleanField(_l("Korean class"), description=KOREAN_HINT)
    submit = SubmitField(_l("Make sessions"))


class SessionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts = TimeField(_l("Starts at"), validators=[InputRequired(_l("Enter the start time."))])
    ends = TimeField(_l("Ends at"), validators=[InputRequired(_l("Enter the end time."))])
    room = StringField(_l("Room"), validators=[Length(max=80)])
    topic = StringField(_l("Topic"), validators=[Length(max=200)])
    instructor_id = SelectField(_l("Instructor"), coerce=int, validate_choice=True)
    korean = BooleanField(_l("Korean class"), description=KOREAN_HINT)
    submit = SubmitField(_l("Save session"))


class MarkForm(FlaskForm):
    """One tap of the roll call: a trainee and a mark (a reason after the session's day)."""

    user_id = HiddenField(validators=[DataRequired()])
    mark = SelectField(_l("Mark"), choices=lambda: MARKS, validate_choice=True)
    reason = TextAreaField(_l("Reason for the correction"), validators=[Length(max=2000)])


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code on the screen.")), Length(max=20)],
        description=_l("The code your instructor shows. It changes every 30 seconds."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Check in"))


class ExcuseForm(FlaskForm):
    session_id = SelectField(_l("Session"), coerce=int, validate_choice=True)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])
    document = FileField(
        _l("Document"), description=_l("A photo or PDF of a paper that shows the reason (optional).")
    )
    submit = SubmitField(_l("Send request"))


class DecisionForm(FlaskForm):
    approve = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class RulesForm(FlaskForm):
    grace_minutes = IntegerField(
        _l("Grace minutes"),
        validators=[InputRequired(), NumberRange(0, 120)],
        description=_l("Arriving within this many minutes after the start is not late."),
    )
    lates_per_absence = IntegerField(
        _l("Lates or early leaves that make one absence"), validators=[InputRequired(), NumberRange(1, 20)]
    )
    min_rate_percent = IntegerField(
        _l("Minimum attendance rate (%)"), validators=[InputRequired(), NumberRange(0, 100)]
    )
    period = SelectField(
        _l("Period of the rate"),
        choices=lambda: [("month", _l("Each month")), ("course", _l("The whole course"))],
        validate_choice=True,
    )
    submit = SubmitField(_l("Save rules"))


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    closed = BooleanField(
        _l("Day off"), default=True, description=_l("Untick to make a holiday a working day.")
    )
    name = StringField(_l("Name"), validators=[Length(max=120)])
    submit = SubmitField(_l("Save day"))


class LogForm(FlaskForm):
    """A session's training log; *sign* locks it, and a signed log needs a reason to change."""

    topic = StringField(_l("Topic"), validators=[Length(max=200)])
    content = TextAreaField(
        _l("What was taught"), validators=[DataRequired(_l("Write what was taught.")), Length(max=2000)]
    )
    remarks = TextAreaField(_l("Remarks"), validators=[Length(max=2000)])
    reason = TextAreaField(_l("Reason for the correction"), validators=[Length(max=2000)])
    sign = SubmitField(_l("Sign and lock"))
    submit = SubmitField(_l("Save draft"))
