"""Marshmallow schemas shared by the core's API endpoints."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from lms.api.fields import Id
from lms.config import SHIPPED_LANGUAGES
from lms.users.models import Role

#: A required text must hold more than spaces (the services strip it, and refuse it empty). The pattern is in
#: the API document too, so a client learns the rule before it is refused.
NOT_BLANK = validate.Regexp(r"[\s\S]*\S", error="Enter more than spaces.")


class BoundedList(fields.List):
    """A list of at most *max_items* items (``maxItems`` in the document), counted before any item is read:
    a list of 100,000 items is refused at once instead of after loading each one."""

    def __init__(self, cls_or_instance, *, max_items: int, **kwargs) -> None:
        super().__init__(cls_or_instance, validate=validate.Length(max=max_items), **kwargs)
        self.max_items = max_items

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list | tuple) and len(value) > self.max_items:
            raise ValidationError(validate.Length.message_max.format(max=self.max_items))
        return super()._deserialize(value, attr, data, **kwargs)


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    # The service strips the name: a name of spaces alone would be stored empty.
    name = fields.Str(
        required=True,
        validate=[validate.Length(min=1, max=120), NOT_BLANK],
    )
    role = fields.Enum(Role, by_value=True, required=True)
    active = fields.Bool(dump_only=True)
    locale = fields.Str(allow_none=True, validate=validate.OneOf(SHIPPED_LANGUAGES))
    timezone = fields.Str(dump_only=True)
    organisation = fields.Str(allow_none=True, validate=validate.Length(max=160))
    created_at = fields.DateTime(dump_only=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


class UserPatchSchema(Schema):
    active = fields.Bool(required=True)


class UserQuerySchema(Schema):
    q = fields.Str(validate=validate.Length(max=100))
    role = fields.Enum(Role, by_value=True)


class ProgrammeSchema(Schema):
    """A programme as the API shows it (read only)."""

    id = fields.Int(dump_only=True)
    code = fields.Str(dump_only=True)
    name_ko = fields.Str(dump_only=True)
    name_en = fields.Str(dump_only=True)
    description_ko = fields.Str(dump_only=True)
    description_en = fields.Str(dump_only=True)
    active = fields.Bool(dump_only=True)


class CohortSchema(Schema):
    """A cohort as the API shows it (read only)."""

    id = fields.Int(dump_only=True)
    programme_id = fields.Int(dump_only=True)
    code = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)  # in the reader's language (Accept-Language), else the other one
    name_ko = fields.Str(dump_only=True)
    name_en = fields.Str(dump_only=True)
    start_date = fields.Date(dump_only=True)
    end_date = fields.Date(dump_only=True)
    instructor_ids = fields.Method("_instructor_ids", dump_only=True)

    def _instructor_ids(self, cohort):
        return [u.id for u in cohort.instructors]


class CohortQuerySchema(Schema):
    programme_id = Id(strict=False)  # a query string's value is text


class EnrolmentSchema(Schema):
    id = fields.Int(dump_only=True)
    cohort_id = fields.Int(dump_only=True)
    user_id = Id(required=True)
    status = fields.Str(dump_only=True, attribute="status.value")
    enrolled_at = fields.DateTime(dump_only=True)
