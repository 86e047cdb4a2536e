"""Forms of the completion screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class CohortCompletionForm(FlaskForm):
    """Record the completion of several trainees of a cohort: pick them (checkboxes, the page renders them),
    review the list on a confirmation page, confirm once.

    ``user_ids`` offers every trainee enrolled in the cohort, also those already recorded: a second
    submission of the same selection (a second tab, Back) is then answered, not refused.
    """

    user_ids = SelectMultipleField(_l("Trainees"), coerce=int, validate_choice=True)
    completed_on = DateField(_l("Completed on"), validators=[InputRequired(_l("Enter the completion date."))])
    #: "1" on the confirmation page's form: only then are records made.
    confirmed = HiddenField(default="")
    submit = SubmitField(_l("Continue"))


class RevokeCompletionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])
    submit = SubmitField(_l("Revoke record"))
