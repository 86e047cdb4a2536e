"""The admins' wording pages: the languages offered, and each language's messages, overrides and reviews.

The language and the message travel in the query string (``?lang=vi&key=…``) or the posted form, so every
page has one address whatever the configured languages are.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.errors import DomainError, apply_change, describe, flash_error
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import LANGUAGE_NAMES
from lms.pagination import paginate_list
from lms.security import role_required
from lms.users.models import Role, User
from lms.wording import services, transfer
from lms.wording.catalogue import Message, plural_count
from lms.wording.forms import ImportForm

bp = Blueprint("wording", __name__, url_prefix="/admin/wording")

#: The message list's filters: value -> label (translated when shown).
STATUSES = ("", "overridden", "unreviewed", "outdated")


def get_language_or_404(source=None) -> str:
    """The configured language named by ``lang`` (the default language when a page names none)."""
    values = request.args if source is None else source
    locale = values.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    if locale not in current_app.config["LANGUAGES"]:
        abort(404)
    return locale


def get_message_or_404(key: str | None) -> Message:
    try:
        return services.find_message(key or "")
    except services.UnknownMessage:
        abort(404)


def _posted_language() -> str:
    """The language of a posted form; a form without one is malformed (400), one not configured a 404."""
    if not ActionForm().validate_on_submit() or not request.form.get("lang"):
        abort(400)
    return get_language_or_404(request.form)


@bp.route("/")
@role_required(Role.ADMIN)
def languages():
    return render_template(
        "lms/wording/languages.html", summaries=services.summaries(), names=LANGUAGE_NAMES, form=ActionForm()
    )


@bp.route("/offered", methods=["POST"])
@role_required(Role.ADMIN)
def set_offered():
    locale = _posted_language()
    offered = request.form.get("offered") == "1"
    apply_change(lambda: services.set_offered(locale, offered, current_user), _("Saved."))
    return redirect(url_for("wording.languages"))


@bp.route("/messages")
@role_required(Role.ADMIN)
def messages():
    locale = get_language_or_404()
    query, field = request.args.get("q", "")[:200], request.args.get("field", "text")
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    page = paginate_list(services.search(locale, query, field, status), per_page=25)
    return render_template(
        "lms/wording/messages.html",
        locale=locale,
        name=LANGUAGE_NAMES.get(locale, locale),
        page=page,
        q=query,
        field=field,
        status=status,
        statuses=STATUSES,
        form=ActionForm(),
    )


@bp.route("/message", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def message():
    locale = get_language_or_404()
    if not request.args.get("key"):
        return redirect(url_for("wording.messages", lang=locale))
    found = get_message_or_404(request.args.get("key"))
    typed = None
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        typed = request.form.getlist("text")
        try:
            services.save_override(locale, found.key, typed, current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("wording.message", lang=locale, key=found.key))
    (row,) = services.rows(locale, [found.key])
    count = plural_count(locale) if found.plural is not None else 1
    author = (
        db.session.get(User, row.override.updated_by_id)
        if row.override and row.override.updated_by_id
        else None
    )
    return render_template(
        "lms/wording/message.html",
        locale=locale,
        name=LANGUAGE_NAMES.get(locale, locale),
        row=row,
        forms=typed or row.text or [""] * count,
        count=count,
        author=author,
        form=ActionForm(),
    )


@bp.route("/revert", methods=["POST"])
@role_required(Role.ADMIN)
def revert():
    locale = _posted_language()
    found = get_message_or_404(request.form.get("key"))
    if services.revert_override(locale, found.key, current_user):
        flash(_("The shipped text is used again."), "success")
    return redirect(url_for("wording.message", lang=locale, key=found.key))


@bp.route("/review", methods=["POST"])
@role_required(Role.ADMIN)
def review():
    locale = _posted_language()
    keys = request.form.getlist("key")[:500]
    count = services.mark_reviewed(locale, keys, current_user)
    flash(_("Marked as reviewed: %(count)s.", count=count), "success")
    back = request.form.get("next", "")
    if not back.startswith("/admin/wording/") or back.startswith("//"):
        back = url_for("wording.messages", lang=locale)
    return redirect(back)


@bp.route("/export")
@role_required(Role.ADMIN)
def export():
    locale = get_language_or_404()
    merged = request.args.get("merged") == "1"
    body = transfer.export_po(locale, merged=merged)
    name = f"gongbang-{locale}{'-all' if merged else '-overrides'}.po"
    return Response(
        body,
        mimetype="text/x-gettext-translation",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_po():
    locale = get_language_or_404()
    form, report = ImportForm(), None
    if form.validate_on_submit():
        try:
            report = transfer.import_po(locale, form.file.data.read(), current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            if report.applied:
                flash(_("Saved."), "success")
    return render_template(
        "lms/wording/import.html",
        locale=locale,
        name=LANGUAGE_NAMES.get(locale, locale),
        form=form,
        report=report,
        describe=describe,
    )
