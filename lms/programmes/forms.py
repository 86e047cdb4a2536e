"""Programme, cohort and enrolment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError


class ProgrammeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, - and _ only.")),
        ],
        description=_l("Short and stable, used in CSV files, e.g. AIVIDEO."),
    )
    name_ko = StringField(_l("Name in Korean"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=160)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Save programme"))


class CohortForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, ., - and _ only.")),
        ],
        description=_l("Unique within the programme, e.g. 2026-1."),
    )
    name_ko = StringField(_l("Name in Korean"), validators=[Length(max=160)])
    name_en = StringField(
        _l("Name in English"),
        validators=[Length(max=160)],
        description=_l("Readers of the other language see the one name you give."),
    )
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    submit = SubmitField(_l("Save cohort"))

    def validate_name_ko(self, field):
        if not (field.data or "").strip() and not (self.name_en.data or "").strip():
            raise ValidationError(_l("Give the cohort a name in at least one language."))

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class PersonForm(FlaskForm):
    """Pick a user (instructor to assign or trainee to enrol); choices are filled by the view."""

    user_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Add"))
