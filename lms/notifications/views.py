"""The notifications page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.forms import ActionForm
from lms.notifications import services
from lms.pagination import paginate

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
