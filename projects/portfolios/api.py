"""API: portfolios, items, share links and the view log.

The same services and loaders as the screens.  ``/portfolios/me`` is the token owner's own portfolio;
``/portfolios/<id>`` answers only readers the trainee allowed (and logs employers' reads), with published
items only.  ``PUT`` replaces a portfolio or an item and needs every writable field; ``PATCH`` changes only
the fields sent.  Every text and list is limited in the schema (and so in the document) and refused past its
limit, never cut.  A share link's token is in the answer that creates it and never again.  A refusal reaches
the one JSON error handler (422 with its sentence); the request edge commits.
"""

from __future__ import annotations

import functools

from flask import g, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.api.fields import Id
from lms.api.schemas import NOT_BLANK, BoundedList
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


def _text(limit: int, **kwargs) -> fields.Str:
    """A text field of at most *limit* characters (the column's and the form's limit)."""
    return fields.Str(validate=validate.Length(max=limit), **kwargs)


class ItemSchema(Schema):
    id = fields.Int(dump_only=True)
    attempt_id = fields.Int(dump_only=True)
    position = fields.Int(dump_only=True)
    title_ko = fields.Str(dump_only=True)
    title_en = fields.Str(dump_only=True)
    reflection_ko = fields.Str(dump_only=True)
    reflection_en = fields.Str(dump_only=True)
    media_id = fields.Int(allow_none=True, dump_only=True)
    people = fields.List(fields.Dict(), dump_only=True)
    published = fields.Bool(dump_only=True)
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


class NewItemSchema(Schema):
    """What adding an item takes: the attempt, and titles and reflections to start with."""

    attempt_id = Id(required=True)
    title_ko = _text(portfolios.TITLE_MAX, load_default="")
    title_en = _text(portfolios.TITLE_MAX, load_default="")
    reflection_ko = _text(portfolios.REFLECTION_MAX, load_default="")
    reflection_en = _text(portfolios.REFLECTION_MAX, load_default="")


class ItemPutSchema(Schema):
    """Every field of an item a trainee writes (PUT replaces them all): titles, reflections, the file shown
    (``null``: none), each person's consent (one value per person, in order) and whether it is published."""

    title_ko = _text(portfolios.TITLE_MAX, required=True)
    title_en = _text(portfolios.TITLE_MAX, required=True)
    reflection_ko = _text(portfolios.REFLECTION_MAX, required=True)
    reflection_en = _text(portfolios.REFLECTION_MAX, required=True)
    media_id = Id(required=True, allow_none=True)
    consent = BoundedList(
        fields.Str(validate=validate.OneOf(portfolios.CONSENT_VALUES)),
        required=True,
        max_items=portfolios.MAX_PEOPLE,
    )
    published = fields.Bool(required=True)


class ItemPatchSchema(ItemPutSchema):
    """The same fields, each optional (PATCH changes only the fields sent)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PortfolioSchema(Schema):
    id = fields.Int(dump_only=True)
    owner_id = fields.Int(dump_only=True)
    name = fields.Method("_name", dump_only=True)
    headline_ko = fields.Str(dump_only=True)
    headline_en = fields.Str(dump_only=True)
    about_ko = fields.Str(dump_only=True)
    about_en = fields.Str(dump_only=True)
    skills = fields.List(fields.Str(), dump_only=True)
    region = fields.Str(allow_none=True, dump_only=True)
    visibility = fields.Str(attribute="visibility.value", dump_only=True)
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


class PortfolioPutSchema(Schema):
    """Every field of a portfolio its trainee writes (PUT replaces them all)."""

    headline_ko = _text(portfolios.HEADLINE_MAX, required=True)
    headline_en = _text(portfolios.HEADLINE_MAX, required=True)
    about_ko = _text(portfolios.ABOUT_MAX, required=True)
    about_en = _text(portfolios.ABOUT_MAX, required=True)
    skills = BoundedList(_text(portfolios.SKILL_MAX), required=True, max_items=portfolios.MAX_SKILLS)
    region = fields.Str(required=True, allow_none=True, validate=validate.OneOf(list(portfolios.REGIONS)))
    visibility = fields.Str(required=True, validate=validate.OneOf([v.value for v in Visibility]))


class PortfolioPatchSchema(PortfolioPutSchema):
    """The same fields, each optional (PATCH changes only the fields sent)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class LinkSchema(Schema):
    id = fields.Int(dump_only=True)
    recipient = fields.Str(
        required=True, validate=[validate.Length(min=1, max=links.RECIPIENT_MAX), NOT_BLANK]
    )
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


def _owner_first(view):
    """Load (and so check) the token owner's portfolio or item before the body of a change is read: whoever
    may not change it gets 404 whatever they sent, never a 422 about their input."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.method in ("POST", "PUT", "PATCH"):
            if "item_id" in kwargs:
                get_own_item_or_404(kwargs["item_id"], g.api_user)
            else:
                get_own_portfolio_or_404(g.api_user)
            if request.method == "PATCH" and not request.get_data(cache=True):  # "{}" is fine, nothing is not
                abort(422, errors={"json": {"_schema": ["Send the fields to change as a JSON object."]}})
        return view(*args, **kwargs)

    return checked


def _change_portfolio(data: dict):
    portfolio = get_own_portfolio_or_404(g.api_user)
    portfolios.update_portfolio(portfolio, **data)
    return portfolio


def _change_item(item_id: int, data: dict):
    item = get_own_item_or_404(item_id, g.api_user)
    changes = {name: data[name] for name in (*portfolios.ITEM_TEXT_FIELDS, "media_id") if name in data}
    if changes:
        portfolios.update_item(item, **changes)
    if "consent" in data:
        portfolios.record_consent(item, [(value, "") for value in data["consent"]])
    if "published" in data:
        portfolios.set_published(item, data["published"])
    return item


@blp.route("/portfolios/me")
class OwnPortfolio(MethodView):
    decorators = [_owner_first]

    @blp.response(200, PortfolioSchema)
    def get(self):
        """The token owner's portfolio with every item (trainees)."""
        return get_own_portfolio_or_404(g.api_user)

    @blp.arguments(PortfolioPutSchema)
    @blp.response(200, PortfolioSchema)
    def put(self, data):
        """Replace headline, texts, skills, region and visibility: every field is required (leaving
        "link" stops every share link)."""
        return _change_portfolio(data)

    @blp.arguments(PortfolioPatchSchema)
    @blp.response(200, PortfolioSchema)
    def patch(self, data):
        """Change only the fields sent (a change of visibility away from "link" stops every share link)."""
        return _change_portfolio(data)


@blp.route("/portfolios/me/items")
class OwnItems(MethodView):
    decorators = [_owner_first]

    @blp.response(200, ItemSchema(many=True))
    def get(self):
        """Every item of the token owner's portfolio, in order."""
        return get_own_portfolio_or_404(g.api_user).items

    @blp.arguments(NewItemSchema)
    @blp.response(201, ItemSchema)
    def post(self, data):
        """Add a released, graded attempt (``attempt_id``) as an unpublished item."""
        item = portfolios.add_item(get_own_portfolio_or_404(g.api_user), data.pop("attempt_id"))
        # An empty title keeps the project's title that the item starts with.
        changes = {name: value for name, value in data.items() if value or name.startswith("reflection")}
        if any(data.values()):
            portfolios.update_item(item, **changes)
        return item


@blp.route("/portfolios/me/items/<int:item_id>")
class OwnItemById(MethodView):
    decorators = [_owner_first]

    @blp.response(200, ItemSchema)
    def get(self, item_id):
        """One item of the token owner's portfolio."""
        return get_own_item_or_404(item_id, g.api_user)

    @blp.arguments(ItemPutSchema)
    @blp.response(200, ItemSchema)
    def put(self, data, item_id):
        """Replace texts, file, consent and publication: every field is required (consent is recorded
        before publishing)."""
        return _change_item(item_id, data)

    @blp.arguments(ItemPatchSchema)
    @blp.response(200, ItemSchema)
    def patch(self, data, item_id):
        """Change only the fields sent: texts, file, consent (one value per person, in order), publication
        (an item is published only with a reflection in at least one language)."""
        return _change_item(item_id, data)


# A view of its own, so that removing (DELETE) is authorised and tested apart from reading and changing.
@blp.route("/portfolios/me/items/<int:item_id>", endpoint="OwnItemRemoval")
class OwnItemRemoval(MethodView):
    @blp.response(204)
    def delete(self, item_id):
        """Remove the item from the portfolio (the work and its grade stay)."""
        portfolios.remove_item(get_own_item_or_404(item_id, g.api_user))


@blp.route("/portfolios/me/links")
class OwnLinks(MethodView):
    decorators = [_owner_first]

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
