"""LTI services: platform registration, the OIDC login and launch, accounts, courses and placements.

Services take plain arguments, flush and log; the view or task commits. Grade passback and roster sync
live in :mod:`lti.grades` and :mod:`lti.roster`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import delete, select

from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.programmes import services as programmes
from lms.programmes.models import Cohort
from lms.users.models import Role, User
from lti import client, keys
from lti.launch import (
    AGS_ENDPOINT,
    CONTEXT,
    CUSTOM,
    DEEP_LINKING_REQUEST,
    DL_SETTINGS,
    NRPS,
    RESOURCE_LINK,
    ROLES,
    LaunchError,
    is_teacher,
)
from lti.models import Account, Context, Deployment, Launch, LoginState, Platform, ResourceLink
from projects.coursework.models import Project

log = logging.getLogger(__name__)

LOGIN_STATE_TTL = timedelta(minutes=10)
LAUNCH_TTL = timedelta(hours=2)
#: Custom parameter a deep-linked placement carries, naming its project.
PROJECT_PARAM = "gongbang_project"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PlatformTaken(ValueError):
    """Another registration has this issuer and client id."""


def save_platform(
    platform: Platform | None,
    *,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
    deployment_ids: list[str],
    token_audience: str = "",
    match_email: bool = True,
    active: bool = True,
) -> Platform:
    """Register a platform, or change one; its deployment ids become exactly ``deployment_ids``.

    :raises PlatformTaken: when another registration has the same issuer and client id.
    """
    taken = db.session.scalar(
        select(Platform.id).where(Platform.issuer == issuer.strip(), Platform.client_id == client_id.strip())
    )
    if taken is not None and (platform is None or taken != platform.id):
        raise PlatformTaken(issuer)
    if platform is None:
        platform = Platform()
        db.session.add(platform)
    platform.name, platform.issuer, platform.client_id = name.strip(), issuer.strip(), client_id.strip()
    platform.auth_login_url, platform.auth_token_url = auth_login_url.strip(), auth_token_url.strip()
    platform.jwks_url, platform.token_audience = jwks_url.strip(), (token_audience or "").strip() or None
    platform.match_email, platform.active = match_email, active
    wanted = list(dict.fromkeys(d.strip() for d in deployment_ids if d.strip()))
    for deployment in list(platform.deployments):
        if deployment.deployment_id not in wanted:
            platform.deployments.remove(deployment)
    have = set(platform.deployment_ids)
    platform.deployments.extend(Deployment(deployment_id=d) for d in wanted if d not in have)
    db.session.flush()
    if platform.id:
        client.forget_cached(platform.id)
    log.info("lti: platform %s (%s, %s) saved", platform.id, platform.issuer, platform.client_id)
    return platform


def platforms() -> list[Platform]:
    return list(db.session.scalars(select(Platform).order_by(Platform.name)))


def find_platform(issuer: str, client_id: str | None) -> Platform:
    """The active platform for ``issuer`` (and ``client_id`` when given, or when the issuer has several)."""
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id:
        query = query.where(Platform.client_id == client_id)
    found = list(db.session.scalars(query))
    if len(found) != 1:
        raise LaunchError(
            "unknown_platform", f"{len(found)} registrations for iss={issuer!r} client_id={client_id!r}"
        )
    if not found[0].active:
        raise LaunchError("platform_inactive", f"platform {found[0].id} is switched off")
    return found[0]


def start_login(params: dict, launch_url: str) -> tuple[str, str]:
    """Third-party initiated login: remember a fresh state and nonce, return (state, redirect URL).

    :param params: the platform's request (``iss``, ``login_hint``, ``target_link_uri``, optional
        ``lti_message_hint``, ``client_id``, ``lti_deployment_id``).
    :param launch_url: our launch endpoint, the only ``redirect_uri`` we ask for.
    :raises LaunchError: on a missing parameter, an unknown platform or a target outside this tool.
    """
    issuer, login_hint, target = params.get("iss"), params.get("login_hint"), params.get("target_link_uri")
    if not issuer or not login_hint or not target:
        raise LaunchError("missing_params", "iss, login_hint and target_link_uri are required")
    platform = find_platform(issuer, params.get("client_id"))
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in platform.deployment_ids:
        raise LaunchError("unknown_deployment", f"deployment {deployment!r} at login")
    # Only our own launch endpoint: anything else would make us an open redirector.
    if target.split("?", 1)[0].rstrip("/") != launch_url.rstrip("/"):
        raise LaunchError("wrong_target", f"target_link_uri {target!r}")
    now = utcnow()
    db.session.execute(delete(LoginState).where(LoginState.expires_at < now - timedelta(days=1)))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.session.add(
        LoginState(
            state_hash=_hash(state),
            nonce=nonce,
            platform_id=platform.id,
            target_link_uri=target,
            created_at=now,
            expires_at=now + LOGIN_STATE_TTL,
        )
    )
    db.session.flush()
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    sep = "&" if "?" in platform.auth_login_url else "?"
    return state, f"{platform.auth_login_url}{sep}{urlencode(query)}"


def spend_state(state: str | None, cookie: str | None) -> LoginState:
    """Use up the login state the launch names: it must be this browser's, unused and unexpired.

    :raises LaunchError: ``missing_state``, ``state_cookie`` or ``state_unknown``.
    """
    if not state:
        raise LaunchError("missing_state")
    if not cookie or not secrets.compare_digest(state.encode(), cookie.encode()):
        raise LaunchError("state_cookie", "the state cookie is missing or names another login")
    row = db.session.scalar(select(LoginState).where(LoginState.state_hash == _hash(state)).with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise LaunchError("state_unknown", "used, expired or never issued")
    row.used_at = utcnow()
    db.session.flush()
    return row


def complete_launch(platform: Platform, claims: dict) -> Launch:
    """Sign-in side of a verified launch: the account, its course and placement, and a :class:`Launch`."""
    teacher = is_teacher(claims[ROLES])
    user = account_for(platform, claims, teacher)
    context = _context_for(platform, claims)
    if context is not None and context.cohort is not None:
        join_cohort(context.cohort, user, teacher)
    claims_kept = {k: claims[k] for k in (DL_SETTINGS, RESOURCE_LINK, AGS_ENDPOINT, CUSTOM) if k in claims}
    claims_kept.update(
        teacher=teacher,
        sub=claims["sub"],
        platform_id=platform.id,
        deployment_id=claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"],
    )
    launch = Launch(
        user_id=user.id,
        context_id=context.id if context else None,
        message_type=claims["https://purl.imsglobal.org/spec/lti/claim/message_type"],
        claims=claims_kept,
        expires_at=utcnow() + LAUNCH_TTL,
    )
    db.session.add(launch)
    db.session.flush()
    if launch.message_type != DEEP_LINKING_REQUEST and context is not None:
        _placement_for(launch, context)
    log.info(
        "lti: launch %s (%s) of user %s from platform %s",
        launch.id,
        launch.message_type,
        user.id,
        platform.id,
    )
    return launch


def account_for(platform: Platform, claims: dict, teacher: bool) -> User:
    """The Gongbang user of an LMS user: linked before, matched by e-mail, or created.

    :raises LaunchError: ``account_not_allowed`` for disabled accounts and roles LMS launches must not
        reach (admins, employers, liaisons).
    """
    sub = str(claims["sub"])
    account = db.session.scalar(select(Account).where(Account.platform_id == platform.id, Account.sub == sub))
    email = (claims.get("email") or "").strip().lower() or None
    name = (
        claims.get("name")
        or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")]))
        or email
        or "LMS user"
    ).strip()[:120]
    locale = _locale_from_claim(claims.get("locale") or "")
    if account is not None:
        user = account.user
    else:
        user = (
            db.session.scalar(select(User).where(User.email == email))
            if email and platform.match_email
            else None
        )
        if user is None:
            from lms.users.services import create_user

            address = email if email and not _email_taken(email) else _placeholder_email(platform, sub)
            user = create_user(
                email=address,
                name=name,
                role=Role.INSTRUCTOR if teacher else Role.TRAINEE,
                created_by=None,
                locale=locale,
                invite=False,
            )
        if user.role not in (Role.TRAINEE, Role.INSTRUCTOR):
            raise LaunchError("account_not_allowed", f"user {user.id} is {user.role.value}")
        db.session.add(Account(platform_id=platform.id, sub=sub, user_id=user.id))
    if not user.active or user.role not in (Role.TRAINEE, Role.INSTRUCTOR):
        raise LaunchError("account_not_allowed", f"user {user.id} ({user.role.value}, active={user.active})")
    db.session.flush()
    return user


def _locale_from_claim(tag: str) -> str | None:
    """The offered interface language an LTI ``locale`` claim names ("vi-VN" → "vi", "zh-Hans-CN" →
    "zh_Hans", "tl" → "fil"), or None (the person's browser then chooses)."""
    from babel import Locale, UnknownLocaleError

    from lms.i18n import offered_languages

    offered = offered_languages()
    try:
        locale = Locale.parse(tag.strip().replace("_", "-"), sep="-") if tag.strip() else None
    except (ValueError, UnknownLocaleError):
        return None
    if locale is None:
        return None
    language = {"tl": "fil"}.get(locale.language, locale.language)
    if language == "zh":
        return "zh_Hans" if "zh_Hans" in offered and locale.script != "Hant" else None
    return language if language in offered else None


def _email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def _placeholder_email(platform: Platform, sub: str) -> str:
    # The platform withheld the address (or it belongs to someone we may not link): a unique, undeliverable
    # one.
    return f"lti-{platform.id}-{_hash(sub)[:20]}@lti.invalid"


def _context_for(platform: Platform, claims: dict) -> Context | None:
    data = claims.get(CONTEXT) or {}
    if not data.get("id"):
        return None
    context = db.session.scalar(
        select(Context).where(Context.platform_id == platform.id, Context.context_id == str(data["id"]))
    )
    if context is None:
        context = Context(platform_id=platform.id, context_id=str(data["id"]))
        db.session.add(context)
    context.deployment_id = claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"]
    context.title, context.label = str(data.get("title") or "")[:255], str(data.get("label") or "")[:255]
    nrps, ags = claims.get(NRPS) or {}, claims.get(AGS_ENDPOINT) or {}
    if nrps.get("context_memberships_url"):
        context.memberships_url = nrps["context_memberships_url"]
    if ags.get("lineitems"):
        context.lineitems_url = ags["lineitems"]
    db.session.flush()
    return context


def join_cohort(cohort: Cohort, user: User, teacher: bool) -> None:
    """Enrol a trainee, or make an LMS teacher who is a Gongbang instructor teach the cohort."""
    if user.role is Role.TRAINEE:
        programmes.enrol_trainee(cohort, user)
    elif user.role is Role.INSTRUCTOR and teacher:
        programmes.assign_instructor(cohort, user)


def _placement_for(launch: Launch, context: Context) -> ResourceLink | None:
    """The project of a resource-link launch: known placement, or one a deep link named (same cohort only)."""
    link_id = str(launch.claims[RESOURCE_LINK]["id"])
    link = db.session.scalar(
        select(ResourceLink).where(
            ResourceLink.context_id == context.id, ResourceLink.resource_link_id == link_id
        )
    )
    if link is None:
        raw = str((launch.claims.get(CUSTOM) or {}).get(PROJECT_PARAM) or "")
        project = db.session.get(Project, int(raw)) if raw.isdigit() else None
        if project is None or context.cohort_id is None or project.cohort_id != context.cohort_id:
            return None
        link = ResourceLink(context_id=context.id, resource_link_id=link_id, project_id=project.id)
        db.session.add(link)
    lineitem = (launch.claims.get(AGS_ENDPOINT) or {}).get("lineitem")
    if lineitem:
        link.lineitem_url = lineitem
    db.session.flush()
    return link


def placement_of(launch: Launch) -> ResourceLink | None:
    if launch.context_id is None or RESOURCE_LINK not in launch.claims:
        return None
    return db.session.scalar(
        select(ResourceLink).where(
            ResourceLink.context_id == launch.context_id,
            ResourceLink.resource_link_id == str(launch.claims[RESOURCE_LINK]["id"]),
        )
    )


class LinkError(DomainError):
    """A refused choice after a launch (linking a course, a placement, a deep link; sentences in
    :mod:`lti.messages`)."""


def cohorts_for(user: User) -> list[Cohort]:
    """Cohorts ``user`` may link an LMS course to."""
    if user.role is Role.ADMIN:
        return list(db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc())))
    return programmes.cohorts_taught_by(user)


def link_context(launch: Launch, cohort: Cohort, user: User) -> None:
    """Link the launch's LMS course to a cohort ``user`` teaches (once; relinking is refused)."""
    context = launch.context
    if context is None:
        raise LinkError("no_context")
    if context.cohort_id is not None:
        raise LinkError("already_linked")
    if not launch.claims.get("teacher") or cohort not in cohorts_for(user):
        raise LinkError("not_yours")
    context.cohort = cohort
    join_cohort(cohort, user, teacher=True)
    db.session.flush()
    log.info("lti: context %s linked to cohort %s by user %s", context.id, cohort.id, user.id)


def projects_to_offer(launch: Launch) -> list[Project]:
    if launch.context is None or launch.context.cohort_id is None:
        return []
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.cohort_id == launch.context.cohort_id)
            .order_by(Project.due_at.desc())
        )
    )


def link_placement(launch: Launch, project: Project) -> ResourceLink:
    """Point a not-yet-configured placement (resource-link launch) at a project of the linked cohort."""
    if launch.message_type == DEEP_LINKING_REQUEST or launch.context is None:
        raise LinkError("no_context")
    if project.cohort_id != launch.context.cohort_id or not launch.claims.get("teacher"):
        raise LinkError("not_yours")
    if placement_of(launch) is not None:
        raise LinkError("already_linked")
    launch.claims = {
        **launch.claims,
        CUSTOM: {**(launch.claims.get(CUSTOM) or {}), PROJECT_PARAM: str(project.id)},
    }
    link = _placement_for(launch, launch.context)
    return link


def deep_link_response(launch: Launch, project: Project, launch_url: str) -> tuple[str, str]:
    """Sign the LtiDeepLinkingResponse returning ``project`` as a resource link with a line item.

    :returns: (the platform's return URL, the JWT to post to it).
    """
    if launch.message_type != DEEP_LINKING_REQUEST or launch.context is None:
        raise LinkError("no_context")
    if project.cohort_id != launch.context.cohort_id or not launch.claims.get("teacher"):
        raise LinkError("not_yours")
    if launch.answered_at is not None:
        raise LinkError("answered")
    platform = launch.context.platform
    settings = launch.claims[DL_SETTINGS]
    title = project.title_en or project.title_ko
    item = {
        "type": "ltiResourceLink",
        "title": title[:255],
        "url": launch_url,
        "text": _plain(project.brief_en or project.brief_ko)[:500],
        "custom": {PROJECT_PARAM: str(project.id)},
        "window": {"targetName": "gongbang"},
        "lineItem": {
            "label": title[:255],
            "scoreMaximum": float(project.max_grade),
            "resourceId": f"gongbang-project-{project.id}",
            "tag": "gongbang",
        },
    }
    now = int(utcnow().timestamp())
    payload = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 300,
        "nonce": secrets.token_urlsafe(16),
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": launch.claims["deployment_id"],
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [item],
    }
    if "data" in settings:
        payload["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = settings["data"]
    launch.answered_at = utcnow()
    db.session.flush()
    log.info("lti: deep link of project %s returned to platform %s", project.id, platform.id)
    return settings["deep_link_return_url"], keys.sign(payload)


def _plain(markdown: str) -> str:
    return re.sub(r"[#*_`>\[\]()!]", "", markdown or "").strip()


def contexts_for(user: User) -> list[Context]:
    """LMS courses ``user`` may manage: all for admins, those linked to a cohort they teach for
    instructors."""
    query = select(Context).order_by(Context.title)
    if user.role is not Role.ADMIN:
        taught = [c.id for c in programmes.cohorts_taught_by(user)]
        query = query.where(Context.cohort_id.in_(taught or [-1]))
    return list(db.session.scalars(query))


def placements_of(context: Context) -> list[ResourceLink]:
    return list(
        db.session.scalars(
            select(ResourceLink)
            .where(ResourceLink.context_id == context.id)
            .order_by(ResourceLink.created_at)
        )
    )


def tool_urls(url_for) -> dict:
    """The values an LMS administrator pastes into the platform."""
    ext = {"_external": True}
    return {
        "tool_url": url_for("lti.launch", **ext),
        "login_url": url_for("lti.login", **ext),
        "redirect_url": url_for("lti.launch", **ext),
        "jwks_url": url_for("lti.jwks", **ext),
        "deep_link_url": url_for("lti.launch", **ext),
        "canvas_config_url": url_for("lti.canvas_config", **ext),
        "domain": current_app.config.get("SERVER_NAME") or "",
    }
