"""API: programmes, cohorts and enrolments, filtered by what the token's owner may see."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import select

from lms.api import api_blueprint
from lms.api.schemas import CohortQuerySchema, CohortSchema, EnrolmentSchema, ProgrammeSchema
from lms.extensions import db
from lms.pagination import api_page
from lms.programmes import services
from lms.programmes.loaders import get_cohort_or_404, get_programme_or_404, visible_cohorts
from lms.programmes.models import Cohort, Enrolment, Programme
from lms.users.models import Role, User

blp = api_blueprint("programmes_api", __name__, "", description="Programmes, cohorts and enrolments.")


def _page(stmt, pagination_parameters):
    return api_page(stmt, pagination_parameters)  # caps the page number: a huge OFFSET crashed the database


@blp.route("/programmes")
class Programmes(MethodView):
    @blp.response(200, ProgrammeSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Active programmes (everyone signed in)."""
        return _page(
            select(Programme).where(Programme.active.is_(True)).order_by(Programme.code),
            pagination_parameters,
        )


@blp.route("/programmes/<int:programme_id>")
class ProgrammeById(MethodView):
    @blp.response(200, ProgrammeSchema)
    def get(self, programme_id):
        """One programme."""
        programme = get_programme_or_404(programme_id, g.api_user)
        if not programme.active:  # the API publishes active programmes only, even to administrators
            abort(404)
        return programme


@blp.route("/cohorts")
class Cohorts(MethodView):
    @blp.arguments(CohortQuerySchema, location="query")
    @blp.response(200, CohortSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Cohorts the token's owner may see (staff: taught or all; trainees: their own)."""
        stmt = visible_cohorts(g.api_user)
        if "programme_id" in args:
            stmt = stmt.where(Cohort.programme_id == args["programme_id"])
        return _page(stmt, pagination_parameters)


@blp.route("/cohorts/<int:cohort_id>")
class CohortById(MethodView):
    @blp.response(200, CohortSchema)
    def get(self, cohort_id):
        """One cohort."""
        return get_cohort_or_404(cohort_id, g.api_user)


@blp.route("/cohorts/<int:cohort_id>/enrolments")
class Enrolments(MethodView):
    @blp.response(200, EnrolmentSchema(many=True))
    @blp.paginate()
    def get(self, cohort_id, pagination_parameters):
        """Enrolments of a cohort (administrators, liaisons, the cohort's instructors)."""
        cohort = get_cohort_or_404(cohort_id, g.api_user)
        if g.api_user.role is Role.TRAINEE:
            abort(403, message=_("Trainees cannot list a cohort's enrolments."))
        return _page(
            select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id),
            pagination_parameters,
        )

    @blp.arguments(EnrolmentSchema)
    @blp.response(201, EnrolmentSchema)
    def post(self, data, cohort_id):
        """Enrol a trainee (administrators); enrolling twice is harmless."""
        if g.api_user.role is not Role.ADMIN:
            abort(403, message=_("Only administrators may do this."))
        cohort = get_cohort_or_404(cohort_id, g.api_user)
        user = db.session.get(User, data["user_id"]) or abort(404)
        return services.enrol_trainee(cohort, user)  # a refusal (not a trainee) is the seam's 422
