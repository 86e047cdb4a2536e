"""Forms of the Korean evidence screens."""

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
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

SCALES = [("topik", _l("TOPIK level")), ("kiip", _l("KIIP stage"))]


class EvidenceForm(FlaskForm):
    scale = SelectField(_l("Test"), choices=lambda: SCALES, validators=[DataRequired()])
    level = IntegerField(
        _l("Level or stage"),
        validators=[InputRequired(), NumberRange(0, 6)],
        description=_l("TOPIK 1–6 or KIIP 0–5."),
    )
    test_date = DateField(_l("Test date"), validators=[Optional()], description=_l("Needed for TOPIK."))
    document = FileField(
        _l("Score report or certificate"),
        validators=[DataRequired()],
        description=_l("PDF or image, at most 10 MB."),
    )
    submit = SubmitField(_l("Send"))


class DecisionForm(FlaskForm):
    verify = HiddenField()
    note = TextAreaField(_l("Reason (needed to reject)"), validators=[Optional(), Length(max=2000)])


class ShareForm(FlaskForm):
    shared = BooleanField(_l("Show to employers once verified"))
