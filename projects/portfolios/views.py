"""Portfolio screens: the trainee builds and shares a portfolio; readers open it.

Every loader authorises: ``get_own_item_or_404`` checks the item is in the
current trainee's portfolio, ``get_readable_or_404`` that the reader may read
the portfolio, and items and files are looked up *through* the portfolio (an
item id of another portfolio is a 404).  Pages opened through a share link are
never indexed, send no referrer and are not cached, so a revoked link stops
working at the next request.
"""
from __future__ import annotations

from zipfile import ZIP_STORED

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from zipstream import ZipStream

from lms.extensions import db
from lms.forms import ActionForm
from lms.jobs import commit
from lms.security import role_required
from lms.users.models import Role, User
from media.services import get_storage
from media.views import send_rendition
from projects.common import private
from projects.completions import services as completions
from projects.coursework.forms import error_text
from projects.coursework.services import ProjectError
from projects.coursework.submission_views import _safe_name
from projects.coursework.views import apply_change
from projects.portfolios import services as portfolios
from projects.portfolios.forms import (
    AddItemForm,
    ConsentForm,
    ItemForm,
    LinkForm,
    PortfolioForm,
    PosterForm,
)
from projects.portfolios.models import Portfolio, PortfolioItem, ShareLink

bp = Blueprint("portfolios", __name__)

def error_message(exc: ProjectError) -> str:
    p = exc.params
    messages = {
        "not_trainee": lambda: _("Only trainees have a portfolio."),
        "not_eligible": lambda: _("Only your own work with a released grade can go into your portfolio."),
        "already_added": lambda: _("This work is already in your portfolio."),
        "title_missing": lambda: _("Give it a title in at least one language."),
        "wrong_media": lambda: _("That file is not part of this work."),
        "bad_consent": lambda: _("Choose a consent status for each person."),
        "consent_missing": lambda: _("This item cannot be published until everyone in it has consented: "
                                     "%(names)s.", names=p.get("names")),
        "not_released": lambda: _("The grade of this work is being revised; publish it once it is released "
                                  "again."),
        "file_not_ready": lambda: _("The file is still being checked."),
        "no_video": lambda: _("This item has no video."),
        "not_uploader": lambda: _("Only the person who uploaded the video can change its poster."),
        "bad_moment": lambda: _("No picture could be taken at that moment. Try another time."),
        "bad_region": lambda: _("Choose a region from the list."),
        "bad_visibility": lambda: _("Choose who may see your portfolio."),
        "too_many_skills": lambda: _("At most %(limit)s skills.", limit=p.get("limit")),
        "recipient_missing": lambda: _("Name the recipient."),
        "bad_expiry": lambda: _("A link works for 1 to %(limit)s days.", limit=p.get("limit")),
        "not_link_visible": lambda: _("Links work only while your portfolio is shared with “people I send a link "
                                      "to”. Change who may see it first."),
    }
    return messages.get(exc.code, lambda: exc.code)()


# Loaders ------------------------------------------------------------------------------------------------


def own_portfolio() -> Portfolio:
    """The signed-in trainee's portfolio (made on first visit); anyone else gets 404."""
    if current_user.role is not Role.TRAINEE:
        abort(404)
    portfolio = portfolios.portfolio_of(current_user, create=True)
    return portfolio


def get_own_item_or_404(item_id: int) -> PortfolioItem:
    portfolio = own_portfolio()
    item = db.session.get(PortfolioItem, item_id)
    if item is None or item.portfolio_id != portfolio.id:
        abort(404)
    return item


def get_readable_or_404(portfolio_id: int) -> Portfolio:
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None or not portfolios.can_read(current_user, portfolio):
        abort(404)
    return portfolio


def get_link_or_404(token: str) -> ShareLink:
    return portfolios.live_link(token) or abort(404)


def get_link_or_gone(token: str) -> ShareLink | Response:
    """The live link of *token*, or the page saying it stopped (410 for a revoked or expired link, 404 for any
    other token), which shows nothing of the portfolio."""
    link = portfolios.live_link(token)
    if link is not None:
        return link
    known = portfolios.link_by_token(token)
    status = 410 if known is not None and portfolios.link_state(known) in ("revoked", "expired") else 404
    return private(current_app.make_response((render_template("projects/portfolio/link_stopped.html"), status)))



# The trainee's editor -----------------------------------------------------------------------------------


@bp.route("/portfolio", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def edit():
    portfolio = own_portfolio()
    form = PortfolioForm(data=_portfolio_data(portfolio))
    if form.validate_on_submit():
        try:
            stopped = portfolios.update_portfolio(portfolio, **{name: getattr(form, name).data for name in (
                "headline_ko", "headline_en", "about_ko", "about_en", "skills", "region", "visibility")})
        except ProjectError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            commit()
            flash(_("Your portfolio is saved."), "success")
            if stopped:
                # Two messages rather than ngettext: the catalogue checks expect one form per message.
                flash(_("1 share link was stopped. Make a new one for anyone who should still see your "
                        "portfolio.") if stopped == 1 else
                      _("%(num)s share links were stopped. Make new ones for anyone who should still see your "
                        "portfolio.", num=stopped), "info")
            return redirect(url_for("portfolios.edit"))
    else:
        commit()  # the portfolio made on the first visit
    return _render_edit(portfolio, form), 400 if form.errors else 200


def _portfolio_data(portfolio: Portfolio) -> dict:
    """The form's values: skills as the comma-separated text the trainee types, enums as their values."""
    return {"headline_ko": portfolio.headline_ko, "headline_en": portfolio.headline_en,
            "about_ko": portfolio.about_ko, "about_en": portfolio.about_en,
            "skills": ", ".join(portfolio.skills or []), "region": portfolio.region or "",
            "visibility": portfolio.visibility.value}


def _render_edit(portfolio: Portfolio, form: PortfolioForm, link_form: LinkForm | None = None):
    added = {i.attempt_id for i in portfolio.items}
    return render_template("projects/portfolio/edit.html", portfolio=portfolio, form=form,
                           link_form=link_form or LinkForm(formdata=None), action=ActionForm(),
                           eligible=[e for e in portfolios.eligible_work(current_user) if e.attempt.id not in added],
                           consent_complete=portfolios.consent_complete, item_shown=portfolios.item_shown,
                           link_state=portfolios.link_state, certificates=completions.completions_of(current_user),
                           views=portfolios.view_log(portfolio, 5), employer_name=_employer_name)


@bp.route("/portfolio/items", methods=["POST"])
@role_required(Role.TRAINEE)
def add_item():
    portfolio = own_portfolio()
    form = AddItemForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        item = portfolios.add_item(portfolio, form.attempt_id.data)
    except ProjectError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
        return redirect(url_for("portfolios.edit"))
    commit()
    flash(_("Added. Write a reflection, then publish it."), "success")
    return redirect(url_for("portfolios.edit_item", item_id=item.id))


@bp.route("/portfolio/items/<int:item_id>", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def edit_item(item_id: int):
    item = get_own_item_or_404(item_id)
    form = ItemForm(obj=item)
    files = [i.media for i in item.attempt.items if i.media is not None]
    form.media_id.choices = [(m.id, m.original_name) for m in files] or [(0, "—")]
    if form.validate_on_submit():
        if apply_change(lambda: portfolios.update_item(
                item, title_ko=form.title_ko.data, title_en=form.title_en.data, reflection_ko=form.reflection_ko.data,
                reflection_en=form.reflection_en.data, media_id=form.media_id.data if files else None), _("Saved."), error_message):
            return redirect(url_for("portfolios.edit_item", item_id=item.id))
    consent = ConsentForm(data={"people": [{"consent": p.get("consent"), "note": p.get("note", "")}
                                           for p in item.people or []]}, formdata=None)
    return render_template("projects/portfolio/item.html", item=item, form=form, consent_form=consent,
                           poster_form=PosterForm(formdata=None), action=ActionForm(),
                           consent_complete=portfolios.consent_complete(item),
                           urls=media_urls(item, lambda name: url_for("portfolios.rendition",
                                                                     portfolio_id=item.portfolio_id,
                                                                     item_id=item.id, name=name))), \
        400 if form.errors else 200


@bp.route("/portfolio/items/<int:item_id>/consent", methods=["POST"])
@role_required(Role.TRAINEE)
def record_consent(item_id: int):
    item = get_own_item_or_404(item_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        flash(error_text(form) or _("Choose a consent status for each person."), "error")
    else:
        apply_change(lambda: portfolios.record_consent(item, [(e.consent.data, e.note.data) for e in form.people]),
                     _("Consent is recorded."), error_message)
    return redirect(url_for("portfolios.edit_item", item_id=item.id, _anchor="people"))


@bp.route("/portfolio/items/<int:item_id>/poster", methods=["POST"])
@role_required(Role.TRAINEE)
def choose_poster(item_id: int):
    item = get_own_item_or_404(item_id)
    auto = request.form.get("auto") == "1"
    form = ActionForm() if auto else PosterForm()
    if not form.validate_on_submit():
        flash(error_text(form) or _("Enter a time in seconds."), "error")
    else:
        apply_change(lambda: portfolios.set_poster(item, None if auto else float(form.seconds.data), current_user),
                     _("The poster is changed."), error_message)
    return redirect(url_for("portfolios.edit_item", item_id=item.id, _anchor="poster"))


@bp.route("/portfolio/items/<int:item_id>/<any(publish, unpublish, up, down):op>", methods=["POST"])
@role_required(Role.TRAINEE)
def item_action(item_id: int, op: str):
    item = get_own_item_or_404(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if op in ("publish", "unpublish"):
            portfolios.set_published(item, op == "publish")
            message = _("The item is published.") if op == "publish" else _("The item is hidden again.")
        else:
            portfolios.move_item(item, -1 if op == "up" else 1)
            message = _("The order is saved.")
    except ProjectError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
        return redirect(url_for("portfolios.edit_item", item_id=item_id))
    commit()
    flash(message, "success")
    return redirect(url_for("portfolios.edit", _anchor="items"))


@bp.route("/portfolio/items/<int:item_id>/remove", methods=["POST"])
@role_required(Role.TRAINEE)
def remove_item(item_id: int):
    item = get_own_item_or_404(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    portfolios.remove_item(item)
    commit()
    flash(_("The item is removed from your portfolio."), "success")
    return redirect(url_for("portfolios.edit", _anchor="items"))


# Share links and the view log ---------------------------------------------------------------------------


@bp.route("/portfolio/links", methods=["POST"])
@role_required(Role.TRAINEE)
def create_link():
    portfolio = own_portfolio()
    form = LinkForm()
    if not form.validate_on_submit():
        return _render_edit(portfolio, PortfolioForm(formdata=None, data=_portfolio_data(portfolio)), form), 400
    try:
        link, token = portfolios.create_link(portfolio, recipient=form.recipient.data, days=form.days.data)
    except ProjectError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
        return redirect(url_for("portfolios.edit", _anchor="links"))
    commit()
    # The token exists only in this answer: no-store keeps it out of caches and the back button.
    return private(render_template("projects/portfolio/link_created.html", link=link,
                                   url=url_for("portfolios.shared", token=token, _external=True)))


@bp.route("/portfolio/links/<int:link_id>/revoke", methods=["POST"])
@role_required(Role.TRAINEE)
def revoke_link(link_id: int):
    portfolio = own_portfolio()
    link = db.session.get(ShareLink, link_id)
    if link is None or link.portfolio_id != portfolio.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    portfolios.revoke_link(link)
    commit()
    flash(_("The link for %(recipient)s no longer works.", recipient=link.recipient), "success")
    return redirect(url_for("portfolios.edit", _anchor="links"))


@bp.route("/portfolio/log")
@role_required(Role.TRAINEE)
def view_log():
    portfolio = own_portfolio()
    commit()
    return render_template("projects/portfolio/log.html", portfolio=portfolio,
                           views=portfolios.view_log(portfolio), employer_name=_employer_name)


def _employer_name(user: User | None) -> str:
    from projects.careers.services import employer_of

    if user is None:
        return _("An employer whose account was removed")
    employer = employer_of(user)
    return f"{employer.company} ({user.name})" if employer else user.name


# Reading ------------------------------------------------------------------------------------------------


def media_urls(item: PortfolioItem, url) -> dict:
    """The reader's URLs of an item's poster, web preview and picture (renditions only, never the upload)."""
    media = item.media
    if media is None:
        return {}
    out = {}
    if media.rendition("poster"):
        out["poster"] = url("poster.jpg")
    preview = media.rendition("preview")
    if preview is not None:
        ext = preview.storage_key.rsplit(".", 1)[1]
        out["preview"], out["preview_type"] = url(f"preview.{ext}"), preview.content_type
    if media.rendition("display"):
        out["display"] = url("display.jpg")
    return out


def _render_show(portfolio: Portfolio, *, owner: bool, name: str, url_for_item, link: ShareLink | None = None,
                 full_name: bool = True, interest_url: str | None = None):
    items = portfolios.items_for(portfolio, owner=owner)
    return render_template("projects/portfolio/show.html", portfolio=portfolio, name=name, owner=owner, link=link,
                           items=[(i, media_urls(i, lambda n, i=i: url_for_item(i, n))) for i in items],
                           korean=portfolios.korean_shown(portfolio), regions=portfolios.REGIONS,
                           item_shown=portfolios.item_shown, full_name=full_name, interest_url=interest_url,
                           completion=completions.current_completion(portfolio.owner))


def _interest_url(portfolio: Portfolio) -> str | None:
    """The careers form for an approved employer to express interest (when the careers screens are there)."""
    if not portfolios.is_approved_employer(current_user) or "careers.express_interest" not in \
            current_app.view_functions:
        return None
    return url_for("careers.express_interest", user_id=portfolio.owner_id)


@bp.route("/portfolio/<int:portfolio_id>")
@login_required
def show(portfolio_id: int):
    portfolio = get_readable_or_404(portfolio_id)
    owner = portfolio.owner_id == current_user.id
    portfolios.log_view(portfolio, viewer=current_user)
    commit()
    full = portfolios.sees_full_name(current_user, portfolio)
    name = portfolio.owner.name if full else portfolios.public_name(portfolio.owner)
    return private(_render_show(portfolio, owner=owner, name=name, full_name=full,
                                interest_url=_interest_url(portfolio), url_for_item=lambda i, n: url_for(
                                    "portfolios.rendition", portfolio_id=portfolio.id, item_id=i.id, name=n,
                                    v=i.media.version)))


@bp.route("/portfolio/<int:portfolio_id>/items/<int:item_id>/<any(" + ", ".join(
    f'"{n}"' for n in portfolios.READER_RENDITIONS) + "):name>")
@login_required
def rendition(portfolio_id: int, item_id: int, name: str):
    portfolio = get_readable_or_404(portfolio_id)
    item = portfolios.reader_item(portfolio, item_id, owner=portfolio.owner_id == current_user.id)
    if item is None or item.media is None:
        abort(404)
    return send_rendition(item.media, name)


@bp.route("/portfolio/l/<token>")
def shared(token: str):
    link = get_link_or_gone(token)
    if isinstance(link, Response):
        return link
    portfolio = link.portfolio
    portfolios.log_view(portfolio, link=link)
    commit()
    return private(_render_show(portfolio, owner=False, name=portfolio.owner.name, link=link,
                                url_for_item=lambda i, n: url_for("portfolios.shared_rendition", token=token,
                                                                  item_id=i.id, name=n, v=i.media.version)))


@bp.route("/portfolio/l/<token>/items/<int:item_id>/<any(" + ", ".join(
    f'"{n}"' for n in portfolios.READER_RENDITIONS) + "):name>")
def shared_rendition(token: str, item_id: int, name: str):
    """A rendition under the link: checked on every request, so revoking the link stops the video too."""
    link = get_link_or_404(token)
    item = portfolios.reader_item(link.portfolio, item_id, owner=False)
    if item is None or item.media is None:
        abort(404)
    return private(send_rendition(item.media, name))


# The offline bundle -------------------------------------------------------------------------------------


@bp.route("/portfolio/export.zip")
@role_required(Role.TRAINEE)
def export():
    """The published portfolio as a self-contained HTML bundle (index.html, style.css, posters, previews)."""
    portfolio = own_portfolio()
    commit()
    storage_path = get_storage().path
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    entries = []
    for item in portfolios.items_for(portfolio, owner=False):
        files = {}
        for role, ext in (("poster", "jpg"), ("preview", None), ("display", "jpg")):
            found = item.media.rendition(role) if item.media else None
            if found is None:
                continue
            ext = ext or found.storage_key.rsplit(".", 1)[1]
            files[role] = f"media/item-{item.id}-{role}.{ext}"
            archive.add_path(str(storage_path(found.storage_key)), files[role])
            if role == "preview":
                files["preview_type"] = found.content_type
        entries.append((item, files))
    html = render_template("projects/portfolio/bundle.html", portfolio=portfolio, entries=entries,
                           name=portfolio.owner.name, korean=portfolios.korean_shown(portfolio),
                           regions=portfolios.REGIONS)
    archive.add(html.encode("utf-8"), "index.html")
    archive.add(render_template("projects/portfolio/bundle.css").encode("utf-8"), "style.css")
    filename = f"portfolio-{_safe_name(portfolio.owner.name).replace(' ', '-') or portfolio.id}.zip"
    response = Response(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename.encode("ascii", "ignore").decode()}"'
    response.headers["Content-Length"] = str(len(archive))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.app_template_global()
def region_name(code: str | None) -> str:
    names = portfolios.REGIONS.get(code or "")
    if names is None:
        return ""
    return names[1] if str(get_locale() or "ko") == "en" else names[0]

