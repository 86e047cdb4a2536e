"""API: sessions, attendance marks and training logs, with the rights of the screens.

A trainee reads the sessions of their cohorts and only their own marks; an instructor reads the sessions,
marks and logs of the cohorts they teach, changes their sessions, takes the roll and writes the logs; an
admin all of them.  Nobody else (employers, the liaison) reads anything of attendance.  Refusals reach the
app's one error handler; the request edge commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, post_load, validate

from lms.api import api_blueprint
from lms.api.fields import Id
from lms.db import utcnow
from lms.extensions import db
from lms.users.models import Role, User
from projects.attendance import logs, marks, rules, services
from projects.attendance.models import AttendanceRecord, TrainingLog, TrainingSession
from projects.grading.api import checked_first

blp = api_blueprint(
    "attendance_api",
    __name__,
    "/attendance",
    description="Timetable sessions, attendance marks and training logs.",
)

#: The widest window one request may ask for.
MAX_DAYS = 120


class AttendanceSessionSchema(Schema):
    id = fields.Int()
    cohort_id = fields.Int()
    day = fields.Date()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    hours = fields.Float()
    room = fields.Str()
    topic = fields.Str()
    korean = fields.Bool()
    instructor = fields.Str(attribute="instructor.name", allow_none=True)


#: A time of day, ``HH:MM`` in the centre's zone (what the session form takes).
CLOCK = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Give a time as HH:MM.")


class AttendanceSessionPatchSchema(Schema):
    """A change to one session: only the fields sent change; the day and times (``HH:MM``) are in the centre's
    zone."""

    day = fields.Date()
    starts = fields.Str(validate=[validate.Length(max=5), CLOCK])
    ends = fields.Str(validate=[validate.Length(max=5), CLOCK])
    room = fields.Str(validate=validate.Length(max=80))
    topic = fields.Str(validate=validate.Length(max=200))
    instructor_id = Id(allow_none=True)
    korean = fields.Bool()

    @post_load
    def _clocks(self, data: dict, **_kwargs) -> dict:
        return {k: time.fromisoformat(v) if k in ("starts", "ends") else v for k, v in data.items()}


class AttendanceWindowSchema(Schema):
    start = fields.DateTime(load_default=None)
    end = fields.DateTime(load_default=None)


class AttendanceMarkSchema(Schema):
    session_id = fields.Int(dump_only=True)
    user_id = Id(required=True)
    mark = fields.Function(
        lambda record: record.mark.value,
        deserialize=str,
        required=True,
        validate=validate.OneOf(rules.STATUSES),
    )
    reason = fields.Str(load_only=True, load_default="", validate=validate.Length(max=services.MAX_TEXT))
    arrived_at = fields.DateTime(dump_only=True, allow_none=True)
    left_at = fields.DateTime(dump_only=True, allow_none=True)
    source = fields.Str(attribute="source.value", dump_only=True)
    marked_at = fields.DateTime(dump_only=True)


class TrainingLogSchema(Schema):
    """A session's log as it stands (a session without one answers empty texts and no dates)."""

    session_id = fields.Int()
    topic = fields.Str()
    content = fields.Str()
    remarks = fields.Str()
    version = fields.Int(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    signed_by = fields.Str(attribute="signed_by.name", allow_none=True)
    signed_at = fields.DateTime(allow_none=True)


class TrainingLogInSchema(Schema):
    """What writing a log sends: the texts, whether to sign, and the reason for a change after signing."""

    topic = fields.Str(load_default="", validate=validate.Length(max=logs.MAX_TOPIC))
    content = fields.Str(required=True, validate=validate.Length(min=1, max=services.MAX_TEXT))
    remarks = fields.Str(load_default="", validate=validate.Length(max=services.MAX_TEXT))
    sign = fields.Bool(load_default=False)
    reason = fields.Str(load_default="", validate=validate.Length(max=services.MAX_TEXT))


def _no_attendance_role() -> None:
    if g.api_user.role not in (Role.TRAINEE, Role.INSTRUCTOR, Role.ADMIN):
        abort(403)


def _session_or_404(session_id: int, *, manage: bool = False) -> TrainingSession:
    """A session of a cohort the caller teaches (admins: any), or, without *manage*, is enrolled in."""
    _no_attendance_role()
    training = db.session.get(TrainingSession, session_id)
    if training is None:
        abort(404)
    user = g.api_user
    if services.can_manage(user, training.cohort_id):
        return training
    if not manage and services.is_enrolled(user, training.cohort_id):
        return training
    abort(404)


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.arguments(AttendanceWindowSchema, location="query")
    @blp.response(200, AttendanceSessionSchema(many=True))
    def get(self, window):
        """The caller's sessions (a trainee's cohorts, an instructor's) between *start* and *end* (default:
        this week; at most 120 days)."""
        _no_attendance_role()
        start, end = services.week_of(utcnow())
        start, end = window["start"] or start, window["end"] or end
        if end <= start or end - start > timedelta(days=MAX_DAYS):
            abort(422, message=f"end must be after start, at most {MAX_DAYS} days")
        return services.sessions_for(g.api_user, _aware(start), _aware(end))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _managed_session(session_id: int) -> None:
    _session_or_404(session_id, manage=True)


@blp.route("/sessions/<int:session_id>")
class SessionById(MethodView):
    @blp.response(200, AttendanceSessionSchema)
    def get(self, session_id):
        """One session (its cohort's trainees and managers)."""
        return _session_or_404(session_id)

    @checked_first(_managed_session)
    @blp.arguments(AttendanceSessionPatchSchema)
    @blp.response(200, AttendanceSessionSchema)
    def patch(self, data, session_id):
        """Change the fields sent (its managers); the others, ``korean`` too, stay as they are."""
        training = _session_or_404(session_id, manage=True)
        local = training.starts_at.astimezone(services.zone()), training.ends_at.astimezone(services.zone())
        instructor = training.instructor
        if "instructor_id" in data:
            instructor = db.session.get(User, data["instructor_id"]) if data["instructor_id"] else None
            if data["instructor_id"] and instructor is None:
                abort(422, message="instructor_id: no such user")
        services.update_session(
            training,
            day=data.get("day", training.day),
            starts=data.get("starts", local[0].time()),
            ends=data.get("ends", local[1].time()),
            room=data.get("room", training.room),
            topic=data.get("topic", training.topic),
            instructor=instructor,
            korean=data.get("korean", training.korean),
        )
        return training


@blp.route("/sessions/<int:session_id>/marks")
class SessionMarks(MethodView):
    @blp.response(200, AttendanceMarkSchema(many=True))
    def get(self, session_id):
        """The session's marks: all of them for its managers, a trainee's own only."""
        training = _session_or_404(session_id)
        if services.can_manage(g.api_user, training.cohort_id):
            return sorted(marks.records_of(training).values(), key=lambda r: r.user_id)
        own = marks.record_of(training, g.api_user)
        return [own] if own else []

    @blp.arguments(AttendanceMarkSchema)
    @blp.response(200, AttendanceMarkSchema)
    def post(self, data, session_id):
        """Mark a trainee (the roll call; after the session's day a correction, with a reason)."""
        training = _session_or_404(session_id, manage=True)
        trainee = db.session.get(User, data["user_id"])
        if trainee is None:
            abort(404)
        return marks.mark_trainee(training, trainee, data["mark"], by=g.api_user, reason=data["reason"])


@blp.route("/marks")
class MyMarks(MethodView):
    @blp.response(200, AttendanceMarkSchema(many=True))
    def get(self):
        """The caller's own marks (trainees), newest first."""
        from sqlalchemy import select

        _no_attendance_role()
        stmt = (
            select(AttendanceRecord)
            .where(AttendanceRecord.user_id == g.api_user.id)
            .order_by(AttendanceRecord.marked_at.desc())
            .limit(1000)
        )
        return list(db.session.scalars(stmt))


@blp.route("/sessions/<int:session_id>/log")
class SessionLog(MethodView):
    @blp.response(200, TrainingLogSchema)
    def get(self, session_id):
        """The session's training log (its managers); an empty, unsigned version 0 before it is written."""
        training = _session_or_404(session_id, manage=True)
        return logs.log_of(training) or TrainingLog(
            session_id=training.id, topic="", content="", remarks="", version=0
        )

    @blp.arguments(TrainingLogInSchema)
    @blp.response(200, TrainingLogSchema)
    def put(self, data, session_id):
        """Write the log; ``sign`` locks it; a signed log changes only with a ``reason`` (a new version)."""
        training = _session_or_404(session_id, manage=True)
        return logs.save_log(training, by=g.api_user, **data)
