"""Portfolio screens: the trainee builds and shares a portfolio; readers open it.

Every loader authorises (:mod:`projects.portfolios.loaders`): an item must be in the current trainee's
portfolio, a portfolio readable by the reader, a link live.  Pages opened through a share link are never
indexed, send no referrer and are not cached, so a revoked link stops working at the next request.  The
request edge commits; a refusal is undone by ``flash_error``.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.errors import DomainError, flash_error
from lms.forms import ActionForm
from lms.pdf import PdfError
from lms.security import role_required, secret_url
from lms.users.models import Role, User
from media.caption_views import send_caption_track
from media.views import send_rendition
from projects.common import private
from projects.completions import services as completions
from projects.portfolios import export as bundles
from projects.portfolios import links, signals
from projects.portfolios import pdf as portfolio_pdf
from projects.portfolios import services as portfolios
from projects.portfolios.forms import (
    AddItemForm,
    LinkForm,
    PortfolioForm,
)
from projects.portfolios.loaders import (
    get_link_or_404,
    get_own_link_or_404,
    get_own_portfolio_or_404,
    get_readable_or_404,
    get_reader_item_or_404,
)
from projects.portfolios.messages import PortfolioError
from projects.portfolios.models import Portfolio, PortfolioItem, ShareLink

log = logging.getLogger(__name__)
bp = Blueprint("portfolios", __name__)


def get_link_or_gone(token: str) -> ShareLink | Response:
    """The live link of *token*, or the page saying it stopped (410 for a revoked or expired link, 404 for any
    other token), which shows nothing of the portfolio."""
    link = links.live_link(token)
    if link is not None:
        return link
    known = links.link_by_token(token)
    status = 410 if known is not None and links.link_state(known) in ("revoked", "expired") else 404
    page = render_template("projects/portfolio/link_stopped.html")
    return private(current_app.make_response((page, status)))


#: The portfolio form's fields, as :func:`~projects.portfolios.services.update_portfolio` takes them.
PORTFOLIO_FIELDS = ("headline_ko", "headline_en", "about_ko", "about_en", "skills", "region", "visibility")


@bp.route("/portfolio", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def edit():
    portfolio = get_own_portfolio_or_404(current_user)
    form = PortfolioForm(data=_portfolio_data(portfolio))
    if form.validate_on_submit():
        try:
            stopped = portfolios.update_portfolio(
                portfolio, **{name: getattr(form, name).data for name in PORTFOLIO_FIELDS}
            )
        except DomainError as exc:
            flash_error(exc)  # the form stays as typed
        else:
            flash(_("Your portfolio is saved."), "success")
            _flash_stopped_links(stopped)
            return redirect(url_for("portfolios.edit"))
    return _render_edit(portfolio, form), 400 if form.errors else 200


def _flash_stopped_links(stopped: int) -> None:
    if not stopped:
        return
    # Two messages rather than ngettext: the catalogue checks expect one form per message.
    flash(
        _("1 share link was stopped. Make a new one for anyone who should still see your portfolio.")
        if stopped == 1
        else _(
            "%(num)s share links were stopped. Make new ones for anyone who should still see your portfolio.",
            num=stopped,
        ),
        "info",
    )


def _portfolio_data(portfolio: Portfolio) -> dict:
    """The form's values: skills as the comma-separated text the trainee types, enums as their values."""
    return {
        "headline_ko": portfolio.headline_ko,
        "headline_en": portfolio.headline_en,
        "about_ko": portfolio.about_ko,
        "about_en": portfolio.about_en,
        "skills": ", ".join(portfolio.skills or []),
        "region": portfolio.region or "",
        "visibility": portfolio.visibility.value,
    }


def _render_edit(portfolio: Portfolio, form: PortfolioForm, link_form: LinkForm | None = None):
    added = {i.attempt_id for i in portfolio.items}
    eligible = [e for e in portfolios.eligible_work(current_user) if e.attempt.id not in added]
    return render_template(
        "projects/portfolio/edit.html",
        portfolio=portfolio,
        form=form,
        eligible=eligible,
        link_form=link_form or LinkForm(formdata=None),
        action=ActionForm(),
        consent_complete=portfolios.consent_complete,
        item_shown=portfolios.item_shown,
        link_state=links.link_state,
        certificates=completions.completions_of(current_user),
        views=links.view_log(portfolio, 5),
        employer_name=_employer_name,
    )


@bp.route("/portfolio/items", methods=["POST"])
@role_required(Role.TRAINEE)
def add_item():
    portfolio = get_own_portfolio_or_404(current_user)
    form = AddItemForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        item = portfolios.add_item(portfolio, form.attempt_id.data)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("portfolios.edit"))
    flash(_("Added. Write a reflection, then publish it."), "success")
    return redirect(url_for("portfolios.edit_item", item_id=item.id))


@bp.route("/portfolio/links", methods=["POST"])
@role_required(Role.TRAINEE)
def create_link():
    portfolio = get_own_portfolio_or_404(current_user)
    form = LinkForm()
    if not form.validate_on_submit():
        profile = PortfolioForm(formdata=None, data=_portfolio_data(portfolio))
        return _render_edit(portfolio, profile, form), 400
    try:
        link, token = links.create_link(portfolio, recipient=form.recipient.data, days=form.days.data)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("portfolios.edit", _anchor="links"))
    # The token exists only in this answer: no-store keeps it out of caches and the back button.
    return private(
        render_template(
            "projects/portfolio/link_created.html",
            link=link,
            url=url_for("portfolios.shared", token=token, _external=True),
        )
    )


@bp.route("/portfolio/links/<int:link_id>/revoke", methods=["POST"])
@role_required(Role.TRAINEE)
def revoke_link(link_id: int):
    link = get_own_link_or_404(link_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    links.revoke_link(link)
    flash(_("The link for %(recipient)s no longer works.", recipient=link.recipient), "success")
    return redirect(url_for("portfolios.edit", _anchor="links"))


@bp.route("/portfolio/log")
@role_required(Role.TRAINEE)
def view_log():
    portfolio = get_own_portfolio_or_404(current_user)
    return render_template(
        "projects/portfolio/log.html",
        portfolio=portfolio,
        views=links.view_log(portfolio),
        employer_name=_employer_name,
    )


def _employer_name(user: User | None) -> str:
    if user is None:
        return _("An employer whose account was removed")
    company = signals.company_of(user)
    return f"{company} ({user.name})" if company else user.name


def media_urls(item: PortfolioItem, url, track_url=None) -> dict:
    """The reader's URLs of an item's poster, web preview and picture (renditions only, never the upload),
    and with *track_url* its caption tracks, the reader's language first (``tracks``: ``(track, URL)``)."""
    media = item.media
    if media is None:
        return {}
    out: dict = {}
    if media.rendition("poster"):
        out["poster"] = url("poster.jpg")
    preview = media.rendition("preview")
    if preview is not None:
        ext = preview.storage_key.rsplit(".", 1)[1]
        out["preview"], out["preview_type"] = url(f"preview.{ext}"), preview.content_type
    if media.rendition("display"):
        out["display"] = url("display.jpg")
    if preview is not None and track_url is not None:
        out["tracks"] = [(t, track_url(t)) for t in bundles.reader_tracks(item)]
    return out


def _render_show(
    portfolio: Portfolio,
    *,
    owner: bool,
    name: str,
    url_for_item,
    url_for_track,
    link: ShareLink | None = None,
    full_name: bool = True,
    interest_url: str | None = None,
):
    items = portfolios.items_for(portfolio, owner=owner)
    return render_template(
        "projects/portfolio/show.html",
        portfolio=portfolio,
        name=name,
        owner=owner,
        link=link,
        items=[
            (
                i,
                {
                    **media_urls(i, lambda n, i=i: url_for_item(i, n), lambda t, i=i: url_for_track(i, t)),
                    "transcript": True,
                },
            )
            for i in items
        ],
        korean=portfolios.korean_shown(portfolio),
        regions=portfolios.REGIONS,
        item_shown=portfolios.item_shown,
        full_name=full_name,
        interest_url=interest_url,
        completion=completions.current_completion(portfolio.owner),
    )


@bp.route("/portfolio/<int:portfolio_id>")
@login_required
def show(portfolio_id: int):
    portfolio = get_readable_or_404(portfolio_id, current_user)
    owner = portfolio.owner_id == current_user.id
    links.log_view(portfolio, viewer=current_user)
    full = portfolios.sees_full_name(current_user, portfolio)
    name = portfolio.owner.name if full else portfolios.public_name(portfolio.owner)
    return private(
        _render_show(
            portfolio,
            owner=owner,
            name=name,
            full_name=full,
            interest_url=signals.interest_url(current_user, portfolio.owner_id),
            url_for_item=lambda i, n: url_for(
                "portfolios.rendition", portfolio_id=portfolio.id, item_id=i.id, name=n, v=i.media.version
            ),
            url_for_track=lambda i, t: url_for(
                "portfolios.caption_track", portfolio_id=portfolio.id, item_id=i.id, track_id=t.id
            ),
        )
    )


@bp.route(
    "/portfolio/<int:portfolio_id>/items/<int:item_id>/<any("
    + ", ".join(f'"{n}"' for n in portfolios.READER_RENDITIONS)
    + "):name>"
)
@login_required
def rendition(portfolio_id: int, item_id: int, name: str):
    item = get_reader_item_or_404(get_readable_or_404(portfolio_id, current_user), item_id, current_user)
    return send_rendition(item.media, name)


@bp.route("/portfolio/<int:portfolio_id>/items/<int:item_id>/captions/<int:track_id>.vtt")
@login_required
def caption_track(portfolio_id: int, item_id: int, track_id: int):
    """A caption track of a shown item's video, to whoever may play the video here (as text/vtt, nosniff)."""
    item = get_reader_item_or_404(get_readable_or_404(portfolio_id, current_user), item_id, current_user)
    return send_caption_track(item.media, track_id)


@bp.route("/portfolio/l/<token>")
@secret_url()
def shared(token: str):
    link = get_link_or_gone(token)
    if isinstance(link, Response):
        return link
    portfolio = link.portfolio
    links.log_view(portfolio, link=link)
    return private(
        _render_show(
            portfolio,
            owner=False,
            name=portfolio.owner.name,
            link=link,
            url_for_item=lambda i, n: url_for(
                "portfolios.shared_rendition", token=token, item_id=i.id, name=n, v=i.media.version
            ),
            url_for_track=lambda i, t: url_for(
                "portfolios.shared_caption_track", token=token, item_id=i.id, track_id=t.id
            ),
        )
    )


@bp.route(
    "/portfolio/l/<token>/items/<int:item_id>/<any("
    + ", ".join(f'"{n}"' for n in portfolios.READER_RENDITIONS)
    + "):name>"
)
@secret_url()
def shared_rendition(token: str, item_id: int, name: str):
    """A rendition under the link: checked on every request, so revoking the link stops the video too."""
    item = get_reader_item_or_404(get_link_or_404(token).portfolio, item_id, None)
    return private(send_rendition(item.media, name))


@bp.route("/portfolio/l/<token>/items/<int:item_id>/captions/<int:track_id>.vtt")
@secret_url()
def shared_caption_track(token: str, item_id: int, track_id: int):
    """A caption track under the link, checked on every request as the video is: a stopped link stops it."""
    item = get_reader_item_or_404(get_link_or_404(token).portfolio, item_id, None)
    return private(send_caption_track(item.media, track_id))


@bp.route("/portfolio/export.zip")
@role_required(Role.TRAINEE)
def export():
    """The published portfolio as a self-contained HTML bundle (index.html, style.css, posters, previews)."""
    archive, filename = bundles.bundle(get_own_portfolio_or_404(current_user))
    response = Response(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(len(archive))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/portfolio/export.pdf")
@role_required(Role.TRAINEE)
def export_pdf():
    """The published portfolio as a PDF (posters, reflections, AI use, the credentials' QR codes)."""
    portfolio = get_own_portfolio_or_404(current_user)
    try:
        data, filename = portfolio_pdf.document(portfolio)
    except PdfError as exc:
        log.warning("portfolio %s: no PDF: %s", portfolio.id, exc)
        flash_error(PortfolioError("pdf_unavailable"))
        return redirect(url_for("portfolios.edit"))
    response = private(Response(data, mimetype="application/pdf"))
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.app_template_global()
def region_name(code: str | None) -> str:
    names = portfolios.REGIONS.get(code or "")
    if names is None:
        return ""
    return names[1] if str(get_locale() or "ko") == "en" else names[0]
