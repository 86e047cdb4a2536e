"""Column types and helpers shared by every package's models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (what every column stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone and hands back naive values; PostgreSQL hands back
    aware ones. Normalising here keeps comparisons identical on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls, length: int = 20) -> Enum:
    """A VARCHAR column holding an enum's *values* (``"admin"``), readable in SQL and the API."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


#: Indexes only migrations create, on PostgreSQL: the user search's ``pg_trgm`` indexes (an operator class the
#: models cannot declare for both databases). Schema comparisons leave them out.
DATABASE_ONLY_INDEXES = frozenset({"ix_users_name_trgm", "ix_users_email_trgm"})


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: everything but :data:`DATABASE_ONLY_INDEXES`."""
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


#: Rows per batch where a job reads a whole table (``lms check``): its memory stays flat at any size.
STREAM_BATCH = 1000


def streamed(statement):
    """The ORM objects of *statement*, fetched and built :data:`STREAM_BATCH` at a time (a server-side
    cursor on PostgreSQL) rather than all at once; eager loads run per batch."""
    from lms.extensions import db

    return db.session.scalars(statement.execution_options(yield_per=STREAM_BATCH))
