"""The API's schemas for grading: rubrics (their criteria and levels) and assessments (their marks), with the
limits the OpenAPI document states (:mod:`projects.grading.api` serves them)."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from lms.config import SHIPPED_LANGUAGES
from projects.grading import services as marking
from projects.grading.models import MarkingStatus
from projects.grading.rubrics import DESCRIPTION_MAX, ID_MAX, MAX_CRITERIA, MAX_LEVELS, NUMBER_MAX, TITLE_MAX

#: A decimal as text, the way rubrics and marks store points and weights (``"2.5"``).
#: The pattern itself stops at NUMBER_MAX (100000), so text the document allows is never refused for size.
DECIMAL = r"^(100000(\.0{1,10})?|[0-9]{1,5}(\.[0-9]{1,10})?)$"
#: A grade or penalty on the wire: a string with two decimal places (``"66.70"``), or null.
GRADE_DOC = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "nullable": True, "example": "66.70"}
STATUSES = [s.value for s in MarkingStatus]


class Amount(fields.Field):
    """Points or a weight: a JSON number or a decimal string in (``5``, ``"2.5"``), a string out."""

    def __init__(self, **kwargs):
        number = {"type": "number", "minimum": 0, "maximum": NUMBER_MAX}
        text = {"type": "string", "pattern": DECIMAL, "maxLength": 17}
        super().__init__(metadata={"oneOf": [number, text]}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= NUMBER_MAX:
            # A number a client computed (16286.129391924756) is valid by the document: round it to the 10
            # places a stored decimal keeps rather than refuse it. Finite only: strict JSON has no NaN.
            value = format(Decimal(str(value)).quantize(Decimal("1e-10")), "f")
            value = value.rstrip("0").rstrip(".") if "." in value else value
        if isinstance(value, str) and re.fullmatch(DECIMAL, value) and Decimal(value) <= NUMBER_MAX:
            return value
        # Worded here, not in default_error_messages, so it follows the reader's language.
        raise ValidationError(
            _("Not a number from 0 to %(maximum)s, with at most 10 decimal places.", maximum=NUMBER_MAX)
        )


def _text(limit: int, **kwargs) -> fields.Str:
    return fields.Str(validate=validate.Length(max=limit), **kwargs)


class LevelSchema(Schema):
    """One level of a criterion: fixed ``points``, or a range from ``min_points`` to ``max_points``."""

    id = _text(ID_MAX, load_default="")
    name_ko = _text(TITLE_MAX, load_default="")
    name_en = _text(TITLE_MAX, load_default="")
    description_ko = _text(DESCRIPTION_MAX, load_default="")
    description_en = _text(DESCRIPTION_MAX, load_default="")
    points = Amount()
    min_points = Amount()
    max_points = Amount()


class CriterionSchema(Schema):
    id = _text(ID_MAX, load_default="")
    title_ko = _text(TITLE_MAX, load_default="")
    title_en = _text(TITLE_MAX, load_default="")
    description_ko = _text(DESCRIPTION_MAX, load_default="")
    description_en = _text(DESCRIPTION_MAX, load_default="")
    weight = Amount(load_default="1")
    technical = fields.Bool(load_default=False)
    levels = fields.List(
        fields.Nested(LevelSchema), required=True, validate=validate.Length(min=1, max=MAX_LEVELS)
    )


class RubricContentSchema(Schema):
    criteria = fields.List(fields.Nested(CriterionSchema), validate=validate.Length(max=MAX_CRITERIA))


def _criteria(**kwargs) -> fields.List:
    return fields.List(
        fields.Nested(CriterionSchema),
        load_only=True,
        validate=validate.Length(min=1, max=MAX_CRITERIA),
        **kwargs,
    )


class RubricSchema(Schema):
    """A rubric; created with ``POST`` (its ``programme_id``, titles and ``criteria``)."""

    id = fields.Int(dump_only=True)
    programme_id = fields.Int(allow_none=True, load_default=None)
    title_ko = _text(TITLE_MAX, load_default="")
    title_en = _text(TITLE_MAX, load_default="")
    version = fields.Int(dump_only=True, attribute="latest.number")
    criteria = _criteria(required=True)
    content = fields.Nested(RubricContentSchema, dump_only=True, attribute="latest.data")


class RubricReplaceSchema(Schema):
    """``PUT``: the whole rubric, every field (its programme stays)."""

    title_ko = _text(TITLE_MAX, required=True)
    title_en = _text(TITLE_MAX, required=True)
    criteria = _criteria(required=True)


class RubricPatchSchema(Schema):
    """``PATCH``: only the fields sent change."""

    title_ko = _text(TITLE_MAX)
    title_en = _text(TITLE_MAX)
    criteria = _criteria()


class MarkSchema(Schema):
    level_id = _text(ID_MAX, allow_none=True, load_default=None)
    points = Amount(allow_none=True, load_default=None)
    comment = _text(marking.COMMENT_MAX, load_default="")
    #: In the assessment's ``second_locale``; left out, it keeps what it was.
    comment_second = _text(marking.COMMENT_MAX, load_default=None)
    auto = fields.Bool(dump_only=True)


def _marks(**kwargs) -> fields.Dict:
    return fields.Dict(
        keys=_text(ID_MAX),
        values=fields.Nested(MarkSchema),
        validate=validate.Length(max=MAX_CRITERIA),
        # apispec writes a Length as maxLength, which bounds nothing on an object: say it for the document.
        metadata={"maxProperties": MAX_CRITERIA},
        **kwargs,
    )


class AssessmentSchema(Schema):
    """An assessment. ``version`` 0: nobody has started grading (``PUT``/``PATCH`` with 0 starts it)."""

    id = fields.Int(dump_only=True, allow_none=True)
    submission_id = fields.Int(dump_only=True)
    rubric_version_id = fields.Int(dump_only=True, allow_none=True)
    version = fields.Int(dump_only=True)
    status = fields.Str(dump_only=True, metadata={"enum": STATUSES})
    marks = _marks(dump_only=True)
    feedback = fields.Str(dump_only=True)
    second_locale = fields.Str(dump_only=True, allow_none=True)
    feedback_second = fields.Str(dump_only=True)
    # Strings on the wire (Decimal, two places): the document says so.
    grade = fields.Decimal(dump_only=True, as_string=True, allow_none=True, metadata=GRADE_DOC)
    penalty = fields.Decimal(dump_only=True, as_string=True, allow_none=True, metadata=GRADE_DOC)
    released_at = fields.DateTime(dump_only=True, allow_none=True)


class AssessmentReplaceSchema(Schema):
    """``PUT``: every field, with the ``version`` read before."""

    version = fields.Int(required=True, validate=validate.Range(min=0, max=2**31 - 1))
    status = fields.Str(required=True, validate=validate.OneOf(STATUSES))
    marks = _marks(required=True)
    feedback = _text(marking.FEEDBACK_MAX, required=True)
    second_locale = fields.Str(allow_none=True, validate=validate.OneOf(SHIPPED_LANGUAGES))
    feedback_second = _text(marking.FEEDBACK_MAX)


class AssessmentPatchSchema(Schema):
    """``PATCH``: the ``version`` read before, and the fields to change; ``marks`` names the criteria to
    change (the others keep their marks)."""

    version = fields.Int(required=True, validate=validate.Range(min=0, max=2**31 - 1))
    status = fields.Str(validate=validate.OneOf(STATUSES))
    marks = _marks()
    feedback = _text(marking.FEEDBACK_MAX)
    #: The language the ``*_second`` texts are in (any offered language; null: none, which drops them).
    second_locale = fields.Str(allow_none=True, validate=validate.OneOf(SHIPPED_LANGUAGES))
    feedback_second = _text(marking.FEEDBACK_MAX)


class ReleaseSchema(Schema):
    released = fields.Int()


class GradebookRowSchema(Schema):
    user_id = fields.Int()
    name = fields.Str()
    grades = fields.Dict(keys=fields.Str(), values=fields.Str(allow_none=True))
