"""LTI 1.3 tables: registered platforms, the tool's keys, launches in flight, and what links both sides.

Every table carries the ``lti_`` prefix. Nothing here talks to a platform; :mod:`lti.services` does.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.programmes.models import Cohort
from lms.users.models import User
from projects.coursework.models import Project


class Platform(db.Model):
    """An LMS registration (Moodle site, Canvas instance...) as its administrator gave it to us."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The ``iss`` of its id_tokens, e.g. ``https://moodle.example.ac.kr``.
    issuer: Mapped[str] = mapped_column(String(255))
    #: The ``aud`` its id_tokens carry: the client id the platform gave this tool.
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    jwks_url: Mapped[str] = mapped_column(String(500))
    #: Audience of the client-credentials assertion when the token endpoint wants one other than its URL.
    token_audience: Mapped[str | None] = mapped_column(String(500))
    #: Link a first launch to an existing Gongbang account with the same e-mail (never an admin's).
    match_email: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.deployment_id"
    )

    @property
    def deployment_ids(self) -> list[str]:
        return [d.deployment_id for d in self.deployments]


class Deployment(db.Model):
    """A deployment id the platform may launch with; any other is refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class KeyState(str, enum.Enum):
    #: Published in the JWKS but not signing yet, so platforms have cached it before it signs.
    NEXT = "next"
    CURRENT = "current"
    #: No longer signs; still published until what it signed has expired.
    RETIRED = "retired"


class ToolKey(db.Model):
    """One RSA key pair of the tool. The private half is stored encrypted with a key derived from
    SECRET_KEY."""

    __tablename__ = "lti_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[KeyState] = mapped_column(str_enum(KeyState, 10), index=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    #: PKCS#8 PEM, encrypted (BestAvailableEncryption) with an HKDF of the application's SECRET_KEY.
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginState(db.Model):
    """The state and nonce of one OIDC login in flight: single use, short-lived."""

    __tablename__ = "lti_login_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the state value (the browser holds the value in a cookie and sends it back).
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    target_link_uri: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Context(db.Model):
    """An LMS course (LTI context) and the cohort it is linked to."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    #: NRPS ``context_memberships_url`` from the latest launch (roster sync needs it).
    memberships_url: Mapped[str | None] = mapped_column(String(500))
    #: AGS ``lineitems`` URL from the latest launch.
    lineitems_url: Mapped[str | None] = mapped_column(String(500))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: {"added": n, "withdrawn": n, "unchanged": n} or {"error": "..."} from the latest roster sync.
    sync_result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    platform: Mapped[Platform] = relationship()
    cohort: Mapped[Cohort | None] = relationship()


class ResourceLink(db.Model):
    """A placement of a Gongbang project in an LMS course, with its gradebook column (line item)."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    #: AGS line item URL of this placement (scores go to ``<lineitem>/scores``).
    lineitem_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    context: Mapped[Context] = relationship()
    project: Mapped[Project] = relationship()


class Account(db.Model):
    """Which Gongbang user an LMS user (``sub`` at a platform) is."""

    __tablename__ = "lti_accounts"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Launch(db.Model):
    """A verified launch kept for the pages that follow it (deep-link picking, linking a course)."""

    __tablename__ = "lti_launches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True
    )
    message_type: Mapped[str] = mapped_column(String(40))
    #: The claims the following pages need (deep-linking settings, resource link, AGS endpoint).
    claims: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when a deep-linking response was sent: the platform's return URL takes one answer.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    context: Mapped[Context | None] = relationship()


class GradeStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class GradeSync(db.Model):
    """One released grade on its way to one line item."""

    __tablename__ = "lti_grade_syncs"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("projects_assessments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[GradeStatus] = mapped_column(str_enum(GradeStatus, 10), default=GradeStatus.PENDING)
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resource_link: Mapped[ResourceLink] = relationship()
    user: Mapped[User] = relationship()
