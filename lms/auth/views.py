"""Sign in, sign out, forgotten password and the invitation/reset link page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from lms.auth import services
from lms.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from lms.security import client_ip, secret_url

bp = Blueprint("auth", __name__, url_prefix="/auth")


def password_messages(problems: list[str]) -> list[str]:
    """Translated explanations for :func:`lms.passwords.check_password` codes."""
    texts = {
        "too_short": _("Use at least 8 characters."),
        "too_long": _("Use at most 128 characters."),
        "common": _("This password is on a list of passwords that attackers try first. Choose another."),
        "personal": _("Do not build the password from your name or e-mail address."),
    }
    return [texts[p] for p in problems]


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an absolute or scheme-relative URL would be an open redirect.
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return None
    return target


def cookie_dropped() -> bool:
    """Whether the browser kept no session cookie because it is Secure and the page came over plain HTTP
    (a LAN address such as http://192.168.0.20:5000: browsers keep Secure cookies only over HTTPS and on
    localhost)."""
    cfg = current_app.config
    return (
        bool(cfg["SESSION_COOKIE_SECURE"])
        and not request.is_secure
        and cfg["SESSION_COOKIE_NAME"] not in request.cookies
    )


@bp.errorhandler(CSRFError)
def form_expired(_exc: CSRFError):
    """The sign-in forms' answer to a missing or stale form token, saying how to run on a LAN when that is
    the cause (the app-wide answer, ``lms.errors``, says only that the form expired)."""
    expired = _("Your form had expired. It has been reloaded: please submit it again.")
    if not cookie_dropped():
        return render_template("errors/error.html", code=400, message=expired), 400
    hint = _(
        "Your browser did not send back the sign-in cookie: Gongbang sends it over HTTPS only, and this page "
        "came over plain HTTP. Open the site through HTTPS. On a trusted local network you may instead start "
        "Gongbang with %(setting)s.",
        setting="LMS_SESSION_COOKIE_SECURE=false",
    )
    if request.endpoint == "auth.login":
        flash(expired, "error")
        flash(hint, "error")
        return render_template("lms/auth/login.html", form=LoginForm()), 400
    return render_template("errors/error.html", code=400, message=f"{expired} {hint}"), 400


def _sign_in(user) -> None:
    """Start a fresh signed-in session for ``user``: a new server-side session and a cleared cookie, so
    nothing from before survives (session fixation). A session this browser held before, for anyone, ends."""
    locale = session.get("locale")
    services.end_session(session.get("sid"))
    session.clear()
    session["sid"] = services.start_session(user, client_ip(), request.user_agent.string)
    session.permanent = True
    if locale and not user.locale:
        user.locale = locale
    if not user.locale:  # never chose: every page asks at its top until they do (base.html)
        session["choose_language"] = True
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, client_ip())
        except services.Throttled as exc:
            minutes = int(exc.retry_after.total_seconds() // 60)
            flash(
                _("Too many failed sign-ins. Wait %(minutes)d minutes and try again.", minutes=minutes),
                "error",
            )
            return render_template("lms/auth/login.html", form=form), 429
        if user is None:
            # One message for unknown, wrong and disabled accounts: no enumeration.
            flash(_("The e-mail address or password is not correct."), "error")
            return render_template("lms/auth/login.html", form=form), 200
        _sign_in(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("core.dashboard"))
    return render_template("lms/auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_session(session.get("sid"))
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("auth.login"))
    # Drop what the browser kept for this user (cached pages, resumable-upload records in localStorage).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account uses that address, we have sent it a link to set a new password. "
                "The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("lms/auth/forgot.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@secret_url()
def set_password(token: str):
    if services.find_link_token(token) is None:
        return render_template("lms/auth/link_invalid.html"), 410
    form = SetPasswordForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            user = services.redeem_link_token(token, form.password.data)
        except services.PasswordRejected as exc:  # refused before anything changed: nothing to undo
            errors = password_messages(exc.problems)
        else:
            if user is None:  # spent or expired between the check above and now (a second tab)
                return render_template("lms/auth/link_invalid.html"), 410
            # The link proved who this is and the password is new: sign in here rather than ask for it
            # again. redeem_link_token spent the token and ended the user's other sessions; _sign_in starts
            # a new one.
            _sign_in(user)
            flash(
                _(
                    "Your password is saved and you are signed in. Next time, sign in with %(email)s.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("core.dashboard"))
    return render_template("lms/auth/set_password.html", form=form, errors=errors)
