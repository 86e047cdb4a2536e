"""API: employers (the liaison's review), employer search, interests and placement figures.

The same services, loaders and checks as the screens: a token sees what its owner could see on the site. An
employer's token works here only once the liaison has approved the employer (their own status excepted). A
refusal of a service (:class:`~projects.careers.services.CareersError`) reaches the app's one error handler:
403 for ``not_allowed``, else 422, with the sentence as the message.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.api.fields import Id
from lms.api.schemas import NOT_BLANK, BoundedList
from projects.careers import interests as career_interests
from projects.careers import placement as career_placement
from projects.careers import search as career_search
from projects.careers import services as careers
from projects.careers.loaders import get_employer_or_404, get_interest_or_404, get_searchable_trainee_or_404
from projects.careers.models import EmployerStatus
from projects.portfolios.services import REGIONS, SKILL_MAX

blp = api_blueprint(
    "careers_api",
    __name__,
    "/careers",
    description="Employers, employer search, brokered interests and placement figures.",
)


class EmployerSchema(Schema):
    id = fields.Int()
    user_id = fields.Int()
    company = fields.Str()
    business_number = fields.Str()
    industry = fields.Str()
    region = fields.Str(allow_none=True)
    address = fields.Str()
    website = fields.Str()
    phone = fields.Str()
    description = fields.Str()
    contact_name = fields.Str(attribute="user.name")
    contact_email = fields.Str(attribute="user.email")
    status = fields.Str(attribute="status.value")
    decision_reason = fields.Str()
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class EmployerDecisionSchema(Schema):
    decision = fields.Str(required=True, validate=validate.OneOf(["approved", "rejected", "suspended"]))
    reason = fields.Str(load_default="", validate=validate.Length(max=careers.REASON_MAX))


class SearchArgs(Schema):
    programme_id = Id(strict=False, load_default=None)  # a query string's values are text
    cohort_id = Id(strict=False, load_default=None)
    completed_from = fields.Date(load_default=None)
    completed_to = fields.Date(load_default=None)
    # As many competencies and skills as a portfolio may show, each as long as the portfolio keeps it: every
    # competency asked for is one more clause of the query.
    competency = BoundedList(
        fields.Str(validate=validate.Length(max=120)), load_default=list, max_items=career_search.MAX_TERMS
    )
    skill = BoundedList(
        fields.Str(validate=validate.Length(max=SKILL_MAX)),
        load_default=list,
        max_items=career_search.MAX_TERMS,
    )
    min_korean_level = fields.Int(load_default=None, validate=validate.Range(0, 6))
    #: The scale of ``min_korean_level``: a KIIP stage is not a TOPIK level.
    korean_scale = fields.Str(load_default="topik", validate=validate.OneOf(["topik", "kiip"]))
    region = fields.Str(load_default=None, validate=validate.OneOf(list(REGIONS)))
    page = fields.Int(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Int(load_default=20, validate=validate.Range(1, 100))


class SearchCompetencySchema(Schema):
    key = fields.Str()
    label_ko = fields.Str()
    label_en = fields.Str()
    level = fields.Float()


class SearchResultSchema(Schema):
    user_id = fields.Int(attribute="trainee.id")
    name = fields.Str(attribute="display_name")
    contact = fields.Bool()
    email = fields.Method("_email")
    headline_ko = fields.Str(attribute="portfolio.headline_ko")
    headline_en = fields.Str(attribute="portfolio.headline_en")
    region = fields.Str(attribute="portfolio.region", allow_none=True)
    skills = fields.List(fields.Str(), attribute="portfolio.skills")
    korean_level = fields.Int(allow_none=True)  # self-declared
    korean_test = fields.Str(allow_none=True)  # the scale of the self-declared level
    korean_verified = fields.Method("_verified")
    competencies = fields.List(fields.Nested(SearchCompetencySchema))
    graduated_on = fields.Date(allow_none=True)
    training_until = fields.Date(allow_none=True)

    def _email(self, result):
        return result.trainee.email if result.contact else None

    def _verified(self, result):
        return [{"scale": scale, "level": level, "verified": True} for scale, level in result.korean_verified]


class SearchPageSchema(Schema):
    page = fields.Int()
    page_size = fields.Int(attribute="per_page")
    total = fields.Int()
    results = fields.List(fields.Nested(SearchResultSchema), attribute="items")


class InterestEventSchema(Schema):
    status = fields.Str(attribute="status.value")
    by_id = fields.Int(allow_none=True)
    note = fields.Str()
    at = fields.DateTime()


class InterestSchema(Schema):
    id = fields.Int(dump_only=True)
    trainee_id = Id(required=True, load_only=True)
    role_title = fields.Str(
        required=True, validate=[validate.Length(min=1, max=career_interests.ROLE_TITLE_MAX), NOT_BLANK]
    )
    message = fields.Str(load_default="", validate=validate.Length(max=career_interests.MESSAGE_MAX))
    status = fields.Str(dump_only=True, attribute="status.value")
    company = fields.Str(dump_only=True, attribute="employer.company")
    liaison_note = fields.Method("_liaison_note", dump_only=True)
    trainee_note = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    trainee = fields.Method("_trainee", dump_only=True)
    employer_contact = fields.Method("_employer", dump_only=True)
    events = fields.Method("_events", dump_only=True)
    actions = fields.Method("_actions", dump_only=True)

    def _trainee(self, interest):
        """The trainee as the reader may see them: full name and e-mail once contact is shared."""
        shared = interest.status in careers.CONTACT_SHARED or careers.is_broker(g.api_user)
        # The trainee reading her own interest sees her whole name; only an employer before contact sees it
        # shortened.
        own = g.api_user.id == interest.trainee_id
        name = interest.trainee.name if shared or own else careers.public_name(interest.trainee.name)
        return {"id": interest.trainee_id, "name": name, "email": interest.trainee.email if shared else None}

    def _employer(self, interest):
        if interest.status not in careers.CONTACT_SHARED and not careers.is_broker(g.api_user):
            return None
        e = interest.employer
        return {"company": e.company, "contact_name": e.user.name, "email": e.user.email, "phone": e.phone}

    def _liaison_note(self, interest):
        """Only the reader it is meant for (``career_interests.NOTE_AUDIENCE``) reads the liaison's note."""
        return career_interests.liaison_note_for(career_interests.actor_kind(g.api_user, interest), interest)

    def _events(self, interest):
        kind = career_interests.actor_kind(g.api_user, interest)
        return InterestEventSchema(many=True).dump(career_interests.history_for(kind, interest))

    def _actions(self, interest):
        return career_interests.actions_for(g.api_user, interest)


class InterestStepSchema(Schema):
    action = fields.Str(required=True, validate=validate.OneOf(list(career_interests.ACTIONS)))
    note = fields.Str(load_default="", validate=validate.Length(max=career_interests.NOTE_MAX))


class PlacementFiguresSchema(Schema):
    programme = fields.Str(attribute="programme.code", allow_none=True)
    cohort = fields.Str(attribute="cohort.code", allow_none=True)
    cohort_id = fields.Int(attribute="cohort.id", allow_none=True)
    graduates = fields.Int()
    visible = fields.Int()
    interests = fields.Int()
    accepted = fields.Int()
    interviews = fields.Int()
    hires = fields.Int()
    placed = fields.Int()
    rate = fields.Float(allow_none=True)


class PlacementSchema(Schema):
    programmes = fields.List(fields.Nested(PlacementFiguresSchema))
    cohorts = fields.List(fields.Nested(PlacementFiguresSchema))


def _broker_only() -> None:
    if not careers.is_broker(g.api_user):
        abort(403)


def _approved_or_broker() -> None:
    if not careers.may_search(g.api_user):
        abort(403)


@blp.route("/employer")
class MyEmployer(MethodView):
    @blp.response(200, EmployerSchema)
    def get(self):
        """The token owner's own company record and its status (employers, whatever their status)."""
        employer = careers.employer_of(g.api_user)
        if employer is None:
            abort(404)
        return employer


@blp.route("/employers")
class Employers(MethodView):
    @blp.response(200, EmployerSchema(many=True))
    def get(self):
        """Every employer, newest first (liaisons and admins)."""
        _broker_only()
        return careers.employers_by_status()


@blp.route("/employers/<int:employer_id>")
class EmployerById(MethodView):
    @blp.response(200, EmployerSchema)
    def get(self, employer_id):
        """One employer (liaisons and admins)."""
        _broker_only()
        return get_employer_or_404(employer_id, g.api_user)


@blp.route("/employers/<int:employer_id>/decision")
class EmployerDecision(MethodView):
    @blp.arguments(EmployerDecisionSchema)
    @blp.response(200, EmployerSchema)
    def post(self, data, employer_id):
        """Approve, reject (reason required) or suspend (reason required) an employer."""
        _broker_only()
        employer = get_employer_or_404(employer_id, g.api_user)
        careers.decide_employer(employer, EmployerStatus(data["decision"]), g.api_user, data["reason"])
        return employer


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, args):
        """Trainees visible to employers, filtered (approved employers, liaisons and admins)."""
        _approved_or_broker()
        filters = career_search.SearchFilters(
            programme_id=args["programme_id"],
            cohort_id=args["cohort_id"],
            completed_from=args["completed_from"],
            completed_to=args["completed_to"],
            competencies=args["competency"],
            skills=args["skill"],
            min_korean_level=args["min_korean_level"],
            korean_scale=args["korean_scale"],
            region=args["region"],
        )
        return career_search.search_trainees(
            g.api_user, filters, page=args["page"], per_page=args["page_size"]
        )


@blp.route("/interests")
class Interests(MethodView):
    @blp.response(200, InterestSchema(many=True))
    def get(self):
        """Interests the token's owner may see: an employer's own, a trainee's forwarded ones, brokers all."""
        return career_interests.interests_for(g.api_user)

    @blp.arguments(InterestSchema)
    @blp.response(201, InterestSchema)
    def post(self, data):
        """Express interest in a trainee visible to employers (approved employers)."""
        if not careers.is_approved_employer(g.api_user):
            abort(403)
        trainee = get_searchable_trainee_or_404(data["trainee_id"], g.api_user)
        return career_interests.express_interest(g.api_user, trainee, data["role_title"], data["message"])


@blp.route("/interests/<int:interest_id>")
class InterestById(MethodView):
    @blp.response(200, InterestSchema)
    def get(self, interest_id):
        """One interest with its history; contact details once the trainee accepted."""
        return get_interest_or_404(interest_id, g.api_user)


@blp.route("/interests/<int:interest_id>/steps")
class InterestSteps(MethodView):
    @blp.arguments(InterestStepSchema)
    @blp.response(200, InterestSchema)
    def post(self, data, interest_id):
        """Take a step: forward or screen_out (brokers), accept or decline (the trainee), interview, hired or
        not_hired (brokers), withdraw (the employer)."""
        interest = get_interest_or_404(interest_id, g.api_user)
        career_interests.move_interest(interest, data["action"], g.api_user, data["note"])
        return interest


@blp.route("/placement")
class Placement(MethodView):
    @blp.response(200, PlacementSchema)
    def get(self):
        """Placement figures per programme and per cohort (liaisons and admins)."""
        _broker_only()
        per_cohort, per_programme = career_placement.placement_figures()
        return {"programmes": per_programme, "cohorts": per_cohort}
