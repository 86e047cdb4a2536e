"""The portfolio item page: titles, reflections, the file shown, the poster, consent, publishing.

The page is one form: each of its buttons (save, poster, consent, publish) also saves the titles and
reflections typed on it, so no action throws typed text away (issue 14).  Loaders authorise
(:mod:`projects.portfolios.loaders`); the request edge commits; a refusal is undone by ``flash_error``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.errors import DomainError, apply_change, flash_error
from lms.forms import ActionForm
from lms.security import role_required
from lms.users.models import Role
from projects.coursework.forms import error_text
from projects.portfolios import services as portfolios
from projects.portfolios.forms import ConsentForm, ItemForm, PosterForm
from projects.portfolios.loaders import get_own_item_or_404
from projects.portfolios.models import PortfolioItem
from projects.portfolios.views import bp, media_urls


@bp.route("/portfolio/items/<int:item_id>", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def edit_item(item_id: int):
    item = get_own_item_or_404(item_id, current_user)
    form = _item_form(item)
    if form.validate_on_submit():
        if apply_change(lambda: portfolios.update_item(item, **_typed(form)), _("Saved.")):
            return redirect(url_for("portfolios.edit_item", item_id=item.id))
    return _render_item(item, form), 400 if form.errors else 200


def _item_form(item: PortfolioItem) -> ItemForm:
    form = ItemForm(obj=item)
    files = [i.media for i in item.attempt.items if i.media is not None]
    form.media_id.choices = [(m.id, m.original_name) for m in files] or [(0, "—")]
    return form


def _typed(form: ItemForm) -> dict:
    """The titles, reflections and file of the item form, as :func:`portfolios.update_item` takes them."""
    names = ("title_ko", "title_en", "reflection_ko", "reflection_en")
    media_id = form.media_id.data if form.media_id.choices[0][0] else None
    return {name: getattr(form, name).data for name in names} | {"media_id": media_id}


def _with_typed_text(item: PortfolioItem, action: Callable[[], object], done: str, anchor: str | None = None):
    """Run one of the item page's actions (consent, poster, publish) after saving the titles and reflections
    typed on the same form, so no action throws typed text away. Typed text the form refuses stays on the page
    (400); an action the services refuse is undone, and the typed text is still saved."""
    form = _item_form(item)
    typed = "title_ko" in request.form
    if typed and not form.validate_on_submit():
        return _render_item(item, form), 400
    try:
        if typed:
            portfolios.update_item(item, **_typed(form))
        action()
    except DomainError as exc:
        flash_error(exc)
        if typed and not apply_change(lambda: portfolios.update_item(item, **_typed(form)), _("Saved.")):
            return _render_item(item, form), 400
        return redirect(url_for("portfolios.edit_item", item_id=item.id, _anchor=anchor))
    flash(done, "success")
    return None


def _render_item(item: PortfolioItem, form: ItemForm, poster=None, consent: ConsentForm | None = None):
    consent = consent or ConsentForm(
        data={
            "people": [{"consent": p.get("consent"), "note": p.get("note", "")} for p in item.people or []]
        },
        formdata=None,
    )
    return render_template(
        "projects/portfolio/item.html",
        item=item,
        form=form,
        consent_form=consent,
        poster_form=poster if isinstance(poster, PosterForm) else PosterForm(formdata=None),
        action=ActionForm(),
        consent_complete=portfolios.consent_complete(item),
        urls=media_urls(
            item,
            lambda name: url_for(
                "portfolios.rendition", portfolio_id=item.portfolio_id, item_id=item.id, name=name
            ),
        ),
    )


@bp.route("/portfolio/items/<int:item_id>/consent", methods=["POST"])
@role_required(Role.TRAINEE)
def record_consent(item_id: int):
    item = get_own_item_or_404(item_id, current_user)
    form = ConsentForm()
    if not form.validate_on_submit():
        flash(error_text(form) or _("Choose a consent status for each person."), "error")
        return _render_item(item, _item_form(item), consent=form), 400
    consents = [(e.consent.data, e.note.data) for e in form.people]
    done = _with_typed_text(
        item, lambda: portfolios.record_consent(item, consents), _("Consent is recorded."), "people"
    )
    return done or redirect(url_for("portfolios.edit_item", item_id=item.id, _anchor="people"))


@bp.route("/portfolio/items/<int:item_id>/poster", methods=["POST"])
@role_required(Role.TRAINEE)
def choose_poster(item_id: int):
    item = get_own_item_or_404(item_id, current_user)
    auto = request.form.get("auto") == "1"
    form = ActionForm() if auto else PosterForm()
    if not form.validate_on_submit():
        flash(error_text(form) or _("Enter a time in seconds."), "error")
        return _render_item(item, _item_form(item), form), 400
    seconds = None if auto else float(form.seconds.data)
    change = lambda: portfolios.set_poster(item, seconds, current_user)
    done = _with_typed_text(item, change, _("The poster is changed."), "poster")
    return done or redirect(url_for("portfolios.edit_item", item_id=item.id, _anchor="poster"))


@bp.route("/portfolio/items/<int:item_id>/<any(publish, unpublish, up, down):op>", methods=["POST"])
@role_required(Role.TRAINEE)
def item_action(item_id: int, op: str):
    item = get_own_item_or_404(item_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    if op in ("publish", "unpublish"):
        publish = op == "publish"
        message = _("The item is published.") if publish else _("The item is hidden again.")
        change = lambda: portfolios.set_published(item, publish)
        done = _with_typed_text(item, change, message)
        return done or redirect(url_for("portfolios.edit", _anchor="items"))
    try:
        portfolios.move_item(item, -1 if op == "up" else 1)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("portfolios.edit_item", item_id=item_id))
    flash(_("The order is saved."), "success")
    return redirect(url_for("portfolios.edit", _anchor="items"))


@bp.route("/portfolio/items/<int:item_id>/remove", methods=["POST"])
@role_required(Role.TRAINEE)
def remove_item(item_id: int):
    item = get_own_item_or_404(item_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    portfolios.remove_item(item)
    flash(_("The item is removed from your portfolio."), "success")
    return redirect(url_for("portfolios.edit", _anchor="items"))
