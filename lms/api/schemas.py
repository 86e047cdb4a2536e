"""Marshmallow schemas shared by the core's API endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from lms.users.models import Role


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    # The service strips the name: a name of spaces alone would be stored empty.
    name = fields.Str(
        required=True,
        validate=[validate.Length(min=1, max=120), validate.Regexp(r"[\s\S]*\S", error="Enter a name.")],
    )
    role = fields.Enum(Role, by_value=True, required=True)
    active = fields.Bool(dump_only=True)
    locale = fields.Str(allow_none=True, validate=validate.OneOf(["ko", "en"]))
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
    id = fields.Int(dump_only=True)
    code = fields.Str()
    name_ko = fields.Str()
    name_en = fields.Str()
    description_ko = fields.Str()
    description_en = fields.Str()
    active = fields.Bool()


class CohortSchema(Schema):
    id = fields.Int(dump_only=True)
    programme_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    start_date = fields.Date()
    end_date = fields.Date()
    instructor_ids = fields.Method("_instructor_ids")

    def _instructor_ids(self, cohort):
        return [u.id for u in cohort.instructors]


class CohortQuerySchema(Schema):
    programme_id = fields.Int()


class EnrolmentSchema(Schema):
    id = fields.Int(dump_only=True)
    cohort_id = fields.Int(dump_only=True)
    user_id = fields.Int(required=True)
    status = fields.Str(dump_only=True, attribute="status.value")
    enrolled_at = fields.DateTime(dump_only=True)
