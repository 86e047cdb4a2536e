"""LTI screens and endpoints: JWKS, OIDC login, launch, the choices after a launch, courses,
administration."""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from lms.auth.services import start_session
from lms.errors import flash_error
from lms.extensions import csrf, db
from lms.forms import ActionForm
from lms.jobs import commit, enqueue
from lms.programmes.loaders import get_cohort_or_404
from lms.security import client_ip, role_required
from lms.users.models import Role
from lti import grades, keys, services, tasks
from lti.forms import CohortChoiceForm, PlatformForm, ProjectChoiceForm
from lti.launch import DEEP_LINKING_REQUEST, LaunchError, decode_id_token
from lti.loaders import get_context_or_404, get_launch_or_404, get_platform_or_404
from lti.messages import launch_message
from lti.models import Platform
from projects.coursework.models import Project
from projects.coursework.services import can_view

log = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, url_prefix="/lti", static_folder="static", static_url_path="/static")


def _state_cookie(state: str) -> str:
    # One cookie per login in flight, so two launches in two tabs do not overwrite each other.
    return "lti_state_" + hashlib.sha256(state.encode()).hexdigest()[:16]


def _refuse(exc: LaunchError, where: str):
    # A 400: the transaction edge rolls back what the refused step began and drops its jobs.
    log.warning("lti: %s refused from %s: %s (iss=%r)", where, client_ip(), exc, request.values.get("iss"))
    return render_template("lti/launch_error.html", message=launch_message(exc.code), code=exc.code), 400


@bp.route("/jwks.json")
def jwks():
    """The tool's public keys (current, next and recently retired)."""
    keys.ensure_keys()
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/canvas.json")
def canvas_config():
    """Canvas "Paste JSON / Enter URL" developer-key configuration (public; it holds no secret)."""
    return jsonify(_canvas(services.tool_urls(url_for)))


def _canvas(urls: dict) -> dict:
    placement = {
        "placement": "link_selection",
        "message_type": DEEP_LINKING_REQUEST,
        "target_link_uri": urls["deep_link_url"],
    }
    return {
        "title": current_app.config.get("SITE_NAME", "Gongbang"),
        "description": "Gongbang projects: briefs, hand-ins, rubric grading",
        "oidc_initiation_url": urls["login_url"],
        "target_link_uri": urls["tool_url"],
        "public_jwk_url": urls["jwks_url"],
        "scopes": [
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
        ],
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {"placements": [placement, {**placement, "placement": "assignment_selection"}]},
            }
        ],
        "custom_fields": {},
    }


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the platform starts the login; the state and nonce protect what follows
def login():
    if not request.values:  # a person who followed the address, not a platform
        return render_template(
            "lti/launch_error.html", message=launch_message("missing_params"), code="missing_params"
        )
    try:
        state, target = services.start_login(request.values.to_dict(), url_for("lti.launch", _external=True))
    except LaunchError as exc:
        return _refuse(exc, "login")
    commit()  # the state must be saved before the browser leaves for the platform, which posts straight back
    response = redirect(target)
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    # The launch arrives as a cross-site POST: only SameSite=None (which needs Secure) comes back with it.
    response.set_cookie(
        _state_cookie(state),
        state,
        max_age=int(services.LOGIN_STATE_TTL.total_seconds()),
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
        path=url_for("lti.launch"),
    )
    return response


@bp.route("/launch", methods=["POST"])
@csrf.exempt  # signed by the platform and bound to this browser's state cookie and one-time nonce
def launch():
    state_value = request.form.get("state") or ""
    try:
        state = services.spend_state(state_value, request.cookies.get(_state_cookie(state_value)))
        commit()  # spent now, whatever follows: a replay finds it used
        platform = db.session.get(Platform, state.platform_id)
        if not request.form.get("id_token"):
            raise LaunchError("missing_token")
        claims = decode_id_token(
            platform, request.form["id_token"], nonce=state.nonce, target_link_uri=state.target_link_uri
        )
        launch = services.complete_launch(platform, claims)
    except LaunchError as exc:
        return _refuse(exc, "launch")
    user = launch.user
    session.clear()  # a fresh session, as at a password sign-in (fixation)
    session["sid"] = start_session(user, client_ip(), request.user_agent.string)
    session.permanent = True
    login_user(user)
    response = redirect(_landing(launch))
    response.delete_cookie(_state_cookie(state_value), path=url_for("lti.launch"))
    return response


def _landing(launch) -> str:
    if launch.message_type == DEEP_LINKING_REQUEST:
        return url_for("lti.pick", launch_id=launch.id)
    link = services.placement_of(launch)
    if link is not None and can_view(launch.user, link.project):
        return url_for("projects.show", project_id=link.project_id)
    return url_for("lti.pick", launch_id=launch.id)


@bp.route("/launches/<int:launch_id>")
@login_required
def pick(launch_id: int):
    """After a launch: link the course to a cohort, then pick a project (deep linking or a new placement)."""
    launch = get_launch_or_404(launch_id, current_user)
    link = services.placement_of(launch)
    configurable = bool(launch.claims.get("teacher")) and current_user.role in (Role.INSTRUCTOR, Role.ADMIN)
    cohort_form = CohortChoiceForm()
    cohort_form.cohort_id.choices = [
        (c.id, f"{c.programme.name} · {c.name}") for c in services.cohorts_for(current_user)
    ]
    return render_template(
        "lti/pick.html",
        launch=launch,
        link=link,
        configurable=configurable,
        deep_linking=launch.message_type == DEEP_LINKING_REQUEST,
        cohort_form=cohort_form,
        projects=services.projects_to_offer(launch),
        form=ProjectChoiceForm(),
    )


@bp.route("/launches/<int:launch_id>/cohort", methods=["POST"])
@login_required
def choose_cohort(launch_id: int):
    launch = get_launch_or_404(launch_id, current_user)
    form = CohortChoiceForm()
    form.cohort_id.choices = [(c.id, c.name) for c in services.cohorts_for(current_user)]
    if not form.validate_on_submit():
        flash(_("Choose one of your cohorts."), "error")
        return redirect(url_for("lti.pick", launch_id=launch.id))
    try:
        services.link_context(launch, get_cohort_or_404(form.cohort_id.data, current_user), current_user)
    except services.LinkError as exc:
        flash_error(exc)
    else:
        flash(_("The course is linked to the cohort."), "success")
    return redirect(url_for("lti.pick", launch_id=launch.id))


@bp.route("/launches/<int:launch_id>/project", methods=["POST"])
@login_required
def choose_project(launch_id: int):
    launch = get_launch_or_404(launch_id, current_user)
    form = ProjectChoiceForm()
    if not form.validate_on_submit():
        flash(_("Choose a project."), "error")
        return redirect(url_for("lti.pick", launch_id=launch.id))
    project = db.get_or_404(Project, form.project_id.data)
    try:
        if launch.message_type == DEEP_LINKING_REQUEST:
            return_url, token = services.deep_link_response(
                launch, project, url_for("lti.launch", _external=True)
            )
        else:
            services.link_placement(launch, project)
    except services.LinkError as exc:
        flash_error(exc)
        return redirect(url_for("lti.pick", launch_id=launch.id))
    if launch.message_type != DEEP_LINKING_REQUEST:
        return redirect(url_for("projects.show", project_id=project.id))
    return _deep_link_page(return_url, token, project)


def _deep_link_page(return_url: str, token: str, project: Project):
    """The page that posts the signed deep link back to the platform."""
    commit()  # the launch is answered (used up) before its token can reach the platform
    response = current_app.make_response(
        render_template("lti/deep_link_return.html", return_url=return_url, token=token, project=project)
    )
    # The one form that posts off-site: to the platform's return URL only.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(return_url))
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        f"base-uri 'none'; form-action {origin}; frame-ancestors 'none'"
    )
    return response


@bp.route("/courses")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def courses():
    """LMS courses linked to the user's cohorts: placements, scores sent or failed, roster sync."""
    contexts = services.contexts_for(current_user)
    return render_template(
        "lti/courses.html",
        contexts=[(c, services.placements_of(c), grades.syncs_of(c)) for c in contexts],
        form=ActionForm(),
    )


@bp.route("/courses/<int:context_id>/roster", methods=["POST"])
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def sync_roster(context_id: int):
    context = get_context_or_404(context_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    enqueue(tasks.sync_roster, context.id)  # queued by the transaction edge once the request commits
    flash(
        _("The roster is being fetched from the LMS. Reload this page in a moment to see the result."), "info"
    )
    return redirect(url_for("lti.courses"))


@bp.route("/courses/<int:context_id>/grades/retry", methods=["POST"])
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def retry_grades(context_id: int):
    context = get_context_or_404(context_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    count = grades.retry_failed(context)
    flash(_("%(count)d score(s) sent again.", count=count), "info")
    return redirect(url_for("lti.courses"))


@bp.route("/admin")
@role_required(Role.ADMIN)
def setup():
    """What an LMS administrator pastes into Moodle or Canvas, the registered platforms and the keys."""
    keys.ensure_keys()
    return render_template(
        "lti/setup.html",
        urls=services.tool_urls(url_for),
        platforms=services.platforms(),
        keys=keys.published_keys(),
        form=ActionForm(),
    )


@bp.route("/admin/platforms/new", methods=["GET", "POST"])
@bp.route("/admin/platforms/<int:platform_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_platform(platform_id: int | None = None):
    platform = get_platform_or_404(platform_id, current_user) if platform_id else None
    form = PlatformForm(obj=platform)
    if request.method == "GET" and platform is not None:
        form.deployment_lines.data = "\n".join(platform.deployment_ids)
    if form.validate_on_submit():
        try:
            services.save_platform(
                platform,
                name=form.name.data,
                issuer=form.issuer.data,
                client_id=form.client_id.data,
                auth_login_url=form.auth_login_url.data,
                auth_token_url=form.auth_token_url.data,
                jwks_url=form.jwks_url.data,
                deployment_ids=form.deployment_list(),
                token_audience=form.token_audience.data,
                match_email=form.match_email.data,
                active=form.active.data,
            )
        except services.PlatformTaken:  # refused before anything was written: the form keeps what was typed
            form.client_id.errors.append(_("This issuer and client ID are already registered."))
        else:
            flash(_("The platform is saved."), "success")
            return redirect(url_for("lti.setup"))
    return render_template("lti/platform.html", form=form, platform=platform)


@bp.route("/admin/keys/rotate", methods=["POST"])
@role_required(Role.ADMIN)
def rotate_key():
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        key = keys.rotate_keys(force=request.form.get("force") == "1")
    except keys.KeyRotationRefused as exc:  # nothing rotated; at most missing keys were made, worth keeping
        minutes = max(1, int(exc.wait.total_seconds() // 60))
        flash(
            _(
                "The next key was published too recently for platforms to have seen it. Rotate again in "
                "%(minutes)d minutes, or rotate now anyway.",
                minutes=minutes,
            ),
            "error",
        )
    else:
        flash(
            _("Key %(kid)s now signs; the previous key stays published for a day.", kid=key.kid[:12]),
            "success",
        )
    return redirect(url_for("lti.setup"))
