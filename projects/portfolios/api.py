"""API: portfolios, items, share links and the view log.

The same services and loaders as the screens.  ``/portfolios/me`` is the token owner's own portfolio;
``/portfolios/<id>`` answers only readers the trainee allowed (and logs employers' reads), with published
items only.  A share link's token is in the answer that creates it and never again.  A refusal reaches the
one JSON error handler (422 with its sentence); the request edge commits.
"""

from __future__ import annotations

from flask import g, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from projects.portfolios import links
from projects.portfolios import services as portfolios
from projects.portfolios.loaders import (
    get_own_item_or_404,
    get_own_link_or_404,
    get_own_portfolio_or_404,
    get_readable_or_404,
)
from projects.portfolios.models import Visibility

blp = api_blueprint("portfolios_api", __name__, "", description="Portfolios and share links.")


class CompetencySchema(Schema):
    key = fields.Str()
    label_ko = fields.Str()
    label_en = fields.Str()
    level = fields.Float()
    evidence = fields.Int()


class ItemSchema(Schema):
    id = fields.Int(dump_only=True)
    attempt_id = fields.Int(required=True, load_only=False)
    position = fields.Int(dump_only=True)
    title_ko = fields.Str(load_default="")
    title_en = fields.Str(load_default="")
    reflection_ko = fields.Str(load_default="")
    reflection_en = fields.Str(load_default="")
    media_id = fields.Int(allow_none=True, load_default=None)
    people = fields.List(fields.Dict(), dump_only=True)
    published = fields.Bool(load_default=False)
    project_title_ko = fields.Str(dump_only=True, attribute="attempt.submission.project.title_ko")
    project_title_en = fields.Str(dump_only=True, attribute="attempt.submission.project.title_en")
    ai_used = fields.Bool(dump_only=True, attribute="attempt.ai_used")
    ai_tools = fields.Str(dump_only=True, attribute="attempt.ai_tools")
    ai_generated = fields.Str(dump_only=True, attribute="attempt.ai_generated")
    files = fields.Method("_files", dump_only=True)

    def _files(self, item):
        """Rendition URLs (never the upload) that a reader allowed to see the item may load."""
        from projects.portfolios.views import media_urls

        return media_urls(
            item,
            lambda name: url_for(
                "portfolios.rendition",
                portfolio_id=item.portfolio_id,
                item_id=item.id,
                name=name,
                _external=True,
            ),
        )


class ItemUpdateSchema(Schema):
    title_ko = fields.Str(load_default="")
    title_en = fields.Str(load_default="")
    reflection_ko = fields.Str(load_default="")
    reflection_en = fields.Str(load_default="")
    media_id = fields.Int(allow_none=True, load_default=None)
    published = fields.Bool(load_default=None, allow_none=True)
    consent = fields.List(
        fields.Str(validate=validate.OneOf(portfolios.CONSENT_VALUES)), load_default=None, allow_none=True
    )


class PortfolioSchema(Schema):
    id = fields.Int(dump_only=True)
    owner_id = fields.Int(dump_only=True)
    name = fields.Method("_name", dump_only=True)
    headline_ko = fields.Str(load_default="")
    headline_en = fields.Str(load_default="")
    about_ko = fields.Str(load_default="")
    about_en = fields.Str(load_default="")
    skills = fields.List(fields.Str(), load_default=list)
    region = fields.Str(allow_none=True, load_default=None)
    visibility = fields.Str(
        attribute="visibility.value",
        load_default="private",
        validate=validate.OneOf([v.value for v in Visibility]),
    )
    korean = fields.Method("_korean", dump_only=True)
    competencies = fields.List(fields.Nested(CompetencySchema), dump_only=True)
    items = fields.Method("_items", dump_only=True)

    def _reader_is_owner(self, portfolio) -> bool:
        return g.api_user.id == portfolio.owner_id

    def _name(self, portfolio):
        owner = portfolio.owner
        return (
            owner.name
            if (self._reader_is_owner(portfolio) or g.api_user.is_staff)
            else portfolios.public_name(owner)
        )

    def _korean(self, portfolio):
        owner = portfolio.owner
        if not (portfolios.korean_shown(portfolio) or self._reader_is_owner(portfolio)):
            return None
        return {"test": owner.korean_test.value if owner.korean_test else None, "level": owner.korean_level}

    def _items(self, portfolio):
        items = portfolios.items_for(portfolio, owner=self._reader_is_owner(portfolio))
        return ItemSchema(many=True).dump(items)


class LinkSchema(Schema):
    id = fields.Int(dump_only=True)
    recipient = fields.Str(required=True, validate=validate.Length(min=1, max=160))
    days = fields.Int(
        load_only=True, load_default=30, validate=validate.Range(min=1, max=links.LINK_DAYS_MAX)
    )
    expires_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    state = fields.Function(lambda link: links.link_state(link), dump_only=True)


class NewLinkSchema(LinkSchema):
    url = fields.Str(dump_only=True)


class ViewSchema(Schema):
    viewed_at = fields.DateTime()
    via = fields.Str()
    viewer_id = fields.Int(allow_none=True)
    link_id = fields.Int(allow_none=True)
    recipient = fields.Str(attribute="link.recipient", allow_none=True)


@blp.route("/portfolios/me")
class OwnPortfolio(MethodView):
    @blp.response(200, PortfolioSchema)
    def get(self):
        """The token owner's portfolio with every item (trainees)."""
        return get_own_portfolio_or_404(g.api_user)

    @blp.arguments(PortfolioSchema)
    @blp.response(200, PortfolioSchema)
    def put(self, data, **_kwargs):
        """Change headline, texts, skills, region and visibility (leaving "link" stops every share link)."""
        portfolio = get_own_portfolio_or_404(g.api_user)
        visibility = data.pop("visibility", {"value": "private"})
        visibility = visibility.get("value") if isinstance(visibility, dict) else visibility
        portfolios.update_portfolio(portfolio, visibility=visibility, **data)
        return portfolio


@blp.route("/portfolios/me/items")
class OwnItems(MethodView):
    @blp.response(200, ItemSchema(many=True))
    def get(self):
        """Every item of the token owner's portfolio, in order."""
        return get_own_portfolio_or_404(g.api_user).items

    @blp.arguments(ItemSchema)
    @blp.response(201, ItemSchema)
    def post(self, data):
        """Add a released, graded attempt (``attempt_id``) as an unpublished item."""
        item = portfolios.add_item(get_own_portfolio_or_404(g.api_user), data["attempt_id"])
        if any(data.get(name) for name in ("title_ko", "title_en", "reflection_ko", "reflection_en")):
            portfolios.update_item(
                item,
                title_ko=data["title_ko"] or item.title_ko,
                title_en=data["title_en"] or item.title_en,
                reflection_ko=data["reflection_ko"],
                reflection_en=data["reflection_en"],
            )
        return item


@blp.route("/portfolios/me/items/<int:item_id>")
class OwnItemById(MethodView):
    @blp.response(200, ItemSchema)
    def get(self, item_id):
        """One item of the token owner's portfolio."""
        return get_own_item_or_404(item_id, g.api_user)

    @blp.arguments(ItemUpdateSchema)
    @blp.response(200, ItemSchema)
    def put(self, data, item_id):
        """Change texts and file; record consent (one value per person, in order); publish or hide."""
        item = get_own_item_or_404(item_id, g.api_user)
        portfolios.update_item(
            item,
            title_ko=data["title_ko"] or item.title_ko,
            title_en=data["title_en"] or item.title_en,
            reflection_ko=data["reflection_ko"],
            reflection_en=data["reflection_en"],
            media_id=data["media_id"],
        )
        if data["consent"] is not None:
            portfolios.record_consent(item, [(value, "") for value in data["consent"]])
        if data["published"] is not None:
            portfolios.set_published(item, data["published"])
        return item


# A view of its own, so that removing (DELETE) is authorised and tested apart from reading and changing.
@blp.route("/portfolios/me/items/<int:item_id>", endpoint="OwnItemRemoval")
class OwnItemRemoval(MethodView):
    @blp.response(204)
    def delete(self, item_id):
        """Remove the item from the portfolio (the work and its grade stay)."""
        portfolios.remove_item(get_own_item_or_404(item_id, g.api_user))


@blp.route("/portfolios/me/links")
class OwnLinks(MethodView):
    @blp.response(200, LinkSchema(many=True))
    def get(self):
        """The share links, newest first (their tokens are not stored and cannot be shown again)."""
        return get_own_portfolio_or_404(g.api_user).links

    @blp.arguments(LinkSchema)
    @blp.response(201, NewLinkSchema)
    def post(self, data):
        """Make a link for one recipient, working ``days`` days; ``url`` holds the token, shown this once."""
        link, token = links.create_link(
            get_own_portfolio_or_404(g.api_user), recipient=data["recipient"], days=data["days"]
        )
        link.url = url_for("portfolios.shared", token=token, _external=True)
        return link


@blp.route("/portfolios/me/links/<int:link_id>")
class OwnLinkById(MethodView):
    @blp.response(204)
    def delete(self, link_id):
        """Revoke the link at once."""
        links.revoke_link(get_own_link_or_404(link_id, g.api_user))


@blp.route("/portfolios/me/views")
class OwnViews(MethodView):
    @blp.response(200, ViewSchema(many=True))
    def get(self):
        """Who read the portfolio (employers and links), newest first."""
        return links.view_log(get_own_portfolio_or_404(g.api_user))


@blp.route("/portfolios/<int:portfolio_id>")
class PortfolioById(MethodView):
    @blp.response(200, PortfolioSchema)
    def get(self, portfolio_id):
        """A portfolio the token owner may read, with its published items; an employer's read is logged."""
        portfolio = get_readable_or_404(portfolio_id, g.api_user)
        links.log_view(portfolio, viewer=g.api_user)
        return portfolio
