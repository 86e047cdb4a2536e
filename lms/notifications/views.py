"""The notifications page, the message preferences page and the unsubscribe link of every e-mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import csrf, db
from lms.forms import ActionForm
from lms.i18n import language_of
from lms.notifications import delivery, services
from lms.notifications.forms import preferences_form
from lms.notifications.kinds import listed_kinds
from lms.pagination import paginate
from lms.security import client_ip, secret_url

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}


@bp.route("/notifications")
@login_required
def index():
    page = paginate(services.of_user(current_user))
    return render_template("lms/notifications.html", notifications=page.items, page=page, form=ActionForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read_all():
    if ActionForm().validate_on_submit():
        services.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = listed_kinds()
    current = services.preferences_of(current_user)
    form = preferences_form(
        kinds, current.choices, quiet_start=current.quiet_start, quiet_end=current.quiet_end
    )
    if form.validate_on_submit():
        services.save_preferences(
            current_user, form.choices(kinds), form.quiet_start.data, form.quiet_end.data
        )
        flash(_("Your message settings are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("lms/notifications/preferences.html", form=form, kinds=kinds)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@secret_url()
@csrf.exempt  # RFC 8058: the mail program posts with no session and no form token; the token is the proof
def unsubscribe(token: str):
    # A GET only asks: mail scanners open every link, and must not unsubscribe anyone.
    ip = client_ip()
    if delivery.unsubscribe_throttled(ip):
        return render_template("lms/notifications/unsubscribe_invalid.html", throttled=True), 429
    found = delivery.read_unsubscribe(token)
    if found is None:
        delivery.record_bad_unsubscribe(ip)
        # The answer is an error, which the request edge rolls back: commit the count on its own.
        db.session.commit()
        return render_template("lms/notifications/unsubscribe_invalid.html", throttled=False), 400
    user, kind = found
    if request.method == "POST":
        delivery.unsubscribe(user, kind.name)
    # In the language of the mail the link came from: the visitor is not signed in.
    with force_locale(language_of(user)):
        return render_template(
            "lms/notifications/unsubscribe.html", kind=kind, done=request.method == "POST", token=token
        )
