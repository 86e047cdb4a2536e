"""The calendar page (make, replace or stop one's feed address) and the feed itself."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.calendar import services
from lms.forms import ActionForm
from lms.i18n import language_of
from lms.security import secret_url

bp = Blueprint("calendar", __name__)


@bp.route("/account/calendar")
@login_required
def settings():
    return _page(new_url=None)


@bp.route("/account/calendar/new", methods=["POST"])
@login_required
def new_feed():
    if not ActionForm().validate_on_submit():
        return redirect(url_for("calendar.settings"))
    raw = services.issue_feed(current_user)
    # The address is shown on this answer only: it is never stored, so it cannot be shown again.
    return _page(new_url=url_for("calendar.feed", token=raw, _external=True))


@bp.route("/account/calendar/revoke", methods=["POST"])
@login_required
def revoke_feed():
    if ActionForm().validate_on_submit() and services.revoke_feed(current_user):
        flash(_("The calendar address is stopped. Calendar apps get nothing from it now."), "success")
    return redirect(url_for("calendar.settings"))


@bp.route("/calendar/<token>.ics")
@secret_url()
def feed(token: str):
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    # A calendar app has no session: the feed speaks its owner's language.
    with force_locale(language_of(user)):
        return ics_response(services.events_for(user), user, services.feed_name(user), "gongbang.ics")


def ics_response(events, user, name: str, filename: str, attachment: bool = False) -> Response:
    """*events* as an iCalendar answer in *user*'s time zone, links under the site's public address."""
    body = services.to_ics(
        events,
        name=name,
        timezone=user.timezone or "Asia/Seoul",
        base_url=current_app.config.get("PUBLIC_URL") or request.url_root,
    )
    disposition = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": disposition})


def _page(new_url: str | None):
    return render_template(
        "lms/calendar/settings.html",
        feed=services.feed_of(current_user),
        new_url=new_url,
        action=ActionForm(),
    )
