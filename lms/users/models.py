"""The user account and its profile."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db


class Role(str, enum.Enum):
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    TRAINEE = "trainee"
    EMPLOYER = "employer"
    #: Chamber of Commerce staff who approve employers and broker contact.
    LIAISON = "liaison"


#: Roles that work for the centre and may see trainees' staff-only profile fields.
STAFF_ROLES = frozenset({Role.ADMIN, Role.INSTRUCTOR, Role.LIAISON})


class KoreanTest(str, enum.Enum):
    TOPIK = "topik"  # levels 1–6
    KIIP = "kiip"  # Korea Immigration & Integration Program, stages 0–5


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "korean_level IS NULL OR (korean_level >= 0 AND korean_level <= 6)", name="korean_level"
        ),
        # The admins' user list pages newest first, with or without a role (50,000 trainees at national
        # scale).
        Index("ix_users_created_at_id", "created_at", "id"),
        Index("ix_users_role_created_at_id", "role", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the unique index is what stops duplicate accounts.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    #: None until the invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    organisation: Mapped[str | None] = mapped_column(String(160))
    nationality: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    korean_test: Mapped[KoreanTest | None] = mapped_column(str_enum(KoreanTest, 10))
    korean_level: Mapped[int | None] = mapped_column(Integer)
    #: The trainee's own choice to show these beyond staff (employers, portfolio readers).
    share_nationality: Mapped[bool] = mapped_column(Boolean, default=False)
    share_korean: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Indexed for the admin dashboard's recent sign-ins.
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"
