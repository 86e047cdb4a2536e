"""Forms of the completion screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class CompletionForm(FlaskForm):
    user_id = SelectField(_l("Trainee"), coerce=int, validate_choice=True)
    completed_on = DateField(_l("Completed on"), validators=[InputRequired(_l("Enter the completion date."))])
    submit = SubmitField(_l("Mark as completed and sign"))


class RevokeCompletionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])
    submit = SubmitField(_l("Revoke record"))
