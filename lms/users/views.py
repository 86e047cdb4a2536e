"""Account pages (own profile, sessions, API tokens) and the admins' user screens."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.api import services as token_services
from lms.api.models import ApiToken
from lms.auth.models import UserSession
from lms.auth.services import hash_token
from lms.extensions import db
from lms.forms import ActionForm
from lms.mail import read_outbox
from lms.pagination import paginate
from lms.programmes.services import teaches_trainee
from lms.security import role_required
from lms.users import privacy, services
from lms.users.forms import ApiTokenForm, ImportForm, ProfileForm, UserForm
from lms.users.models import KoreanTest, Role, User

bp = Blueprint("users", __name__)

IMPORT_MESSAGES = {
    "not_utf8": lambda v: _("The file is not UTF-8 text. In Excel use “Save as → CSV UTF-8”."),
    "empty": lambda v: _("The file has no trainee rows."),
    "missing_column": lambda v: _("The header has no “%(column)s” column.", column=v),
    "missing_value": lambda v: _("“%(column)s” is empty.", column=v),
    "name_too_long": lambda v: _("The name is longer than 120 characters."),
    "bad_email": lambda v: _("“%(value)s” is not a valid e-mail address.", value=v),
    "duplicate_in_file": lambda v: _("The same e-mail address is already on line %(line)s.", line=v),
    "bad_language": lambda v: _(
        "Language “%(value)s” is not offered here. Write a code such as ko, en or vi.", value=v
    ),
    "control_character": lambda v: _("“%(column)s” has a hidden control character. Type it again.", column=v),
    "unreadable": lambda v: _("This line cannot be read. A cell may be too long or a quote not closed."),
    "too_many_rows": lambda v: _("At most %(count)s rows per file.", count=v),
    "unknown_programme": lambda v: _("There is no programme “%(value)s”.", value=v),
    "unknown_cohort": lambda v: _("The programme has no cohort “%(value)s”.", value=v),
    "email_not_trainee": lambda v: _("%(value)s belongs to an account that is not a trainee.", value=v),
}


#: Profile fields only trainees have (nationality and Korean level are about trainees).
TRAINEE_FIELDS = ("nationality", "korean_test", "korean_level", "share_nationality", "share_korean")


def get_user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if user.role is not Role.TRAINEE:
        for name in TRAINEE_FIELDS:
            delattr(form, name)
    if request.method == "GET":
        form.locale.data = user.locale or ""
        if user.role is Role.TRAINEE:
            form.nationality.data = user.nationality or ""
            form.korean_test.data = user.korean_test.value if user.korean_test else ""
    if form.validate_on_submit():
        fields = dict(name=form.name.data, locale=form.locale.data or None, timezone=form.timezone.data)
        if user.role is Role.TRAINEE:
            fields.update(
                nationality=form.nationality.data or None,
                korean_test=KoreanTest(form.korean_test.data) if form.korean_test.data else None,
                korean_level=form.korean_level.data if form.korean_test.data else None,
                share_nationality=form.share_nationality.data,
                share_korean=form.share_korean.data,
            )
        services.update_profile(user, **fields)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("users.profile"))
    sessions = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.last_seen_at.desc())
    ).all()
    return render_template(
        "lms/users/profile.html",
        form=form,
        sessions=sessions,
        current_hash=hash_token(session.get("sid", "")),
        action=ActionForm(),
    )


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    if ActionForm().validate_on_submit():
        mine = hash_token(session.get("sid", ""))
        for us in db.session.scalars(
            select(UserSession).where(UserSession.user_id == current_user.id, UserSession.token_hash != mine)
        ):
            db.session.delete(us)
        flash(_("You are signed out on all other devices."), "success")
    return redirect(url_for("users.profile"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    form = ApiTokenForm()
    new_raw = None
    if form.validate_on_submit():
        _token, new_raw = token_services.create_token(
            current_user, form.name.data, form.scope.data, form.expires_days.data or None
        )
        form = ApiTokenForm(formdata=None)
    return render_template(
        "lms/users/tokens.html",
        form=form,
        new_raw=new_raw,
        tokens=token_services.tokens_of(current_user),
        action=ActionForm(),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        token_services.revoke_token(token)
        flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("users.api_tokens"))


@bp.route("/account/personal-data.zip")
@login_required
def personal_data():
    """Everything stored about the signed-in user (core and plugins) with their files, as a ZIP."""
    archive = privacy.personal_data_archive(current_user._get_current_object())
    response = Response(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="gongbang-personal-data.zip"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/people/<int:user_id>")
@login_required
def person(user_id: int):
    user = get_user_or_404(user_id)
    viewer = current_user
    full = (
        viewer.id == user.id
        or viewer.role in (Role.ADMIN, Role.LIAISON)
        or (viewer.role is Role.INSTRUCTOR and teaches_trainee(viewer, user))
    )
    if not full:
        abort(404)  # 404, not 403: do not confirm that the account exists
    return render_template("lms/users/person.html", person=user, cohorts=services.trainee_cohorts(user))


@bp.route("/admin/users")
@role_required(Role.ADMIN)
def admin_users():
    q = request.args.get("q", "")[:100]
    role = request.args.get("role")
    role = Role(role) if role in {r.value for r in Role} else None
    page = paginate(services.search_users(q, role))
    return render_template("lms/users/admin_list.html", page=page, q=q, role=role, roles=list(Role))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_new_user():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                created_by=current_user,
                locale=form.locale.data or None,
                organisation=form.organisation.data,
            )
        except services.DuplicateEmail:
            form.email.errors.append(_("Another account already uses this e-mail address."))
        else:
            flash(
                _("%(name)s's account is created and an invitation is on its way.", name=user.name), "success"
            )
            return redirect(url_for("users.admin_user", user_id=user.id))
    return render_template("lms/users/admin_new.html", form=form)


@bp.route("/admin/users/<int:user_id>")
@role_required(Role.ADMIN)
def admin_user(user_id: int):
    user = get_user_or_404(user_id)
    return render_template(
        "lms/users/admin_detail.html",
        person=user,
        cohorts=services.trainee_cohorts(user),
        action=ActionForm(),
        anonymised=privacy.is_anonymised(user),
    )


@bp.route("/admin/users/<int:user_id>/<any(disable, enable, invite):op>", methods=["POST"])
@role_required(Role.ADMIN)
def admin_user_action(user_id: int, op: str):
    user = get_user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if privacy.is_anonymised(user):
        # No way back to an identity that was removed, nor invitations to a placeholder address.
        flash(_("This account is anonymised."), "error")
        return redirect(url_for("users.admin_user", user_id=user.id))
    if op == "disable":
        if user.id == current_user.id:
            flash(_("You cannot disable your own account."), "error")
            return redirect(url_for("users.admin_user", user_id=user.id))
        services.disable_user(user, current_user)
        message = _("%(name)s's account is disabled and signed out everywhere.", name=user.name)
    elif op == "enable":
        services.enable_user(user)
        message = _("%(name)s's account is enabled again.", name=user.name)
    else:
        services.send_invitation(user)
        message = _("A new invitation is on its way to %(email)s.", email=user.email)
    flash(message, "success")
    return redirect(url_for("users.admin_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/anonymise", methods=["POST"])
@role_required(Role.ADMIN)
def admin_anonymise(user_id: int):
    """Remove a departed user's identity and files for good; grades stay for statistics."""
    user = get_user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot anonymise your own account."), "error")
    elif privacy.is_anonymised(user):
        flash(_("This account is already anonymised."), "info")
    else:
        privacy.anonymise_user(user, current_user)
        flash(
            _(
                "The account is anonymised: name, e-mail, profile and files are removed; grades are kept "
                "for statistics."
            ),
            "success",
        )
    return redirect(url_for("users.admin_user", user_id=user.id))


@bp.route("/admin/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_import():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        result = services.import_trainees(form.file.data.read(), current_user)
        if result.ok:  # a refused file wrote nothing (all rows or none), so the edge has nothing to undo
            flash(
                _(
                    "Imported: %(created)d new trainees invited, %(enrolled)d existing trainees enrolled.",
                    created=len(result.created),
                    enrolled=len(result.enrolled),
                ),
                "success",
            )
    return render_template("lms/users/admin_import.html", form=form, result=result, messages=IMPORT_MESSAGES)


@bp.route("/admin/outbox")
@role_required(Role.ADMIN)
def admin_outbox():
    return render_template("lms/users/admin_outbox.html", messages=read_outbox())
