"""Project screens: instructors write and publish briefs; trainees prepare and hand in their work.

Every route loads its objects through a ``get_*_or_404`` helper of :mod:`projects.coursework.loaders` that
also checks the user may see them and that child ids belong to the project in the URL (a submission or
deliverable of another project is a 404, not a leak).  Refusals read as :mod:`projects.coursework.messages`
words them; the request edge commits.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.calendar.views import ics_response
from lms.db import utcnow
from lms.errors import apply_change, flash_error
from lms.extensions import db
from lms.forms import ActionForm
from lms.i18n import content_text
from lms.pagination import paginate
from lms.programmes.models import Cohort
from lms.programmes.services import cohorts_taught_by
from lms.security import role_required
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.coursework import briefs, calendar, loaders, services, submissions
from projects.coursework.forms import (
    BriefTranslationForm,
    CopyForm,
    DeliverableForm,
    ExtensionForm,
    ProjectForm,
    TeamForm,
)
from projects.coursework.loaders import get_deliverable_or_404, get_managed_project_or_404, get_project_or_404
from projects.coursework.models import Project

#: The plugin's static files (``projects/static``) serve every domain's scripts and styles.
bp = Blueprint(
    "projects",
    __name__,
    url_prefix="/projects",
    static_url_path="/static",
    static_folder=str(Path(__file__).resolve().parent.parent / "static"),
)


@bp.app_template_global()
def now_utc():
    """The current time (UTC) for templates comparing dates."""
    return utcnow()


@bp.app_template_global()
def localised_field(data: dict, field: str) -> str:
    """``data[field + "_en"]`` for English readers, else the Korean one; each falls back to the other, and
    readers of other languages see both (:func:`lms.i18n.content_text`)."""
    return content_text(data.get(f"{field}_ko"), data.get(f"{field}_en"))


@bp.route("/")
@login_required
def index():
    return render_template("projects/list.html", page=paginate(services.projects_query(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def new_project():
    cohorts = _manageable_cohorts(current_user)
    cohort = next((c for c in cohorts if c.id == request.args.get("cohort_id", type=int)), None)
    if cohort is None:
        return render_template("projects/choose_cohort.html", cohorts=cohorts)
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = services.create_project(cohort, current_user, **_project_fields(form))
        except ProjectError as exc:
            flash_error(exc)
        else:
            flash(_("The project is saved as a draft. Add its deliverables, then publish it."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/edit.html", form=form, cohort=cohort, project=None)


def _manageable_cohorts(user: User) -> list[Cohort]:
    if user.role is Role.ADMIN:
        return list(db.session.scalars(db.select(Cohort).order_by(Cohort.start_date.desc())))
    return cohorts_taught_by(user)


def _project_fields(form: ProjectForm) -> dict:
    fields = {name: getattr(form, name).data for name in services.PROJECT_FIELDS}
    for name in ("title_ko", "title_en", "brief_ko", "brief_en", "outcomes"):
        fields[name] = (fields[name] or "").strip()
    return fields


@bp.route("/<int:project_id>")
@login_required
def show(project_id: int):
    project = get_project_or_404(project_id, current_user)
    context = {
        "project": project,
        "action_form": ActionForm(),
        "manage": services.can_manage(current_user, project),
    }
    if context["manage"]:
        # The newest few; the extensions page has them all, a page at a time.
        context.update(extensions=list(db.session.scalars(services.extensions_query(project).limit(10))))
    else:
        context.update(
            submission=submissions.submission_for(project, current_user),
            dates=services.dates_for(project, current_user),
            team=services.team_of(project, current_user) if project.team_mode else None,
        )
    return render_template("projects/show.html", **context)


@bp.route("/<int:project_id>/calendar.ics")
@login_required
def calendar_file(project_id: int):
    """The project's dates for this person as a file a calendar app imports."""
    project = get_project_or_404(project_id, current_user)
    events = calendar.project_events(project, current_user)
    return ics_response(events, current_user, project.title, f"project-{project.id}.ics", attachment=True)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        if apply_change(
            lambda: services.update_project(project, **_project_fields(form)), _("The project is saved.")
        ):
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/edit.html", form=form, cohort=project.cohort, project=project)


@bp.route("/<int:project_id>/translations", methods=["GET", "POST"])
@login_required
def brief_translations(project_id: int):
    """The brief in the trainees' own languages: add or change one (one form), list and remove."""
    project = get_managed_project_or_404(project_id, current_user)
    form = BriefTranslationForm(locale=request.args.get("locale"))
    existing = project.brief_in(form.locale.data)
    if request.method == "GET" and existing is not None:
        form.title.data, form.brief.data = existing.title, existing.brief
    if form.validate_on_submit():
        save = lambda: briefs.save_brief_translation(  # noqa: E731
            project, form.locale.data, form.title.data or "", form.brief.data or "", current_user
        )
        if apply_change(save, _("The brief in this language is saved.")):
            return redirect(url_for("projects.brief_translations", project_id=project.id))
    return render_template("projects/translations.html", project=project, form=form, remove=ActionForm())


@bp.route("/<int:project_id>/translations/<locale>/remove", methods=["POST"])
@login_required
def remove_brief_translation(project_id: int, locale: str):
    project = get_managed_project_or_404(project_id, current_user)
    if ActionForm().validate_on_submit():
        briefs.remove_brief_translation(project, locale)
        flash(_("The brief in this language is removed."), "success")
    return redirect(url_for("projects.brief_translations", project_id=project.id))


@bp.route("/<int:project_id>/deliverables/new", methods=["GET", "POST"])
@bp.route("/<int:project_id>/deliverables/<int:deliverable_id>/edit", methods=["GET", "POST"])
@login_required
def edit_deliverable(project_id: int, deliverable_id: int | None = None):
    project = get_managed_project_or_404(project_id, current_user)
    deliverable = get_deliverable_or_404(project, deliverable_id) if deliverable_id else None
    form = DeliverableForm(obj=deliverable)
    if deliverable is not None and request.method == "GET":
        form.kind.data = deliverable.kind.value
        form.fill_spec(deliverable.spec)
        form.fill_captions(deliverable.captions or {})
    if form.validate_on_submit():
        fields = {
            "name_ko": (form.name_ko.data or "").strip(),
            "name_en": (form.name_en.data or "").strip(),
            "kind": form.kind.data,
            "required": form.required.data,
            "guidance_ko": form.guidance_ko.data or "",
            "guidance_en": form.guidance_en.data or "",
            "spec": form.spec(),
            "captions": form.captions(),
        }
        if apply_change(
            lambda: services.save_deliverable(project, deliverable, **fields), _("The deliverable is saved.")
        ):
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/deliverable.html", form=form, project=project, deliverable=deliverable)


@bp.route("/<int:project_id>/deliverables/<int:deliverable_id>/delete", methods=["POST"])
@login_required
def delete_deliverable(project_id: int, deliverable_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    deliverable = get_deliverable_or_404(project, deliverable_id)
    if ActionForm().validate_on_submit():
        apply_change(
            lambda: services.remove_deliverable(project, deliverable), _("The deliverable is removed.")
        )
    return redirect(url_for("projects.show", project_id=project.id))


@bp.route("/<int:project_id>/<any(publish, unpublish):op>", methods=["POST"])
@login_required
def publish(project_id: int, op: str):
    project = get_managed_project_or_404(project_id, current_user)
    if ActionForm().validate_on_submit():
        if (
            op == "publish"
            and project.deliverables
            and not project.published
            and request.form.get("confirmed") != "1"
        ):
            # A step of its own, not only a script's window.confirm: nothing changes until it is answered.
            return render_template(
                "projects/confirm.html",
                project=project,
                question=_(
                    "Publish “%(project)s” to %(count)s trainees of cohort %(cohort)s?",
                    project=project.title,
                    count=len(services.cohort_trainees(project.cohort_id)),
                    cohort=project.cohort.name,
                ),
                detail=_("Each of them is notified and can start handing in work."),
                action=url_for("projects.publish", project_id=project.id, op="publish"),
                confirm_label=_("Publish to the cohort"),
                back=url_for("projects.show", project_id=project.id),
                form=ActionForm(),
            )
        if op == "publish":
            apply_change(
                lambda: services.publish_project(project), _("The project is published to the cohort.")
            )
        else:
            apply_change(lambda: services.unpublish_project(project), _("The project is back to draft."))
    return redirect(url_for("projects.show", project_id=project.id))


@bp.route("/<int:project_id>/copy", methods=["GET", "POST"])
@login_required
def copy(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    cohorts = _manageable_cohorts(current_user)
    form = CopyForm()
    form.cohort_id.choices = [(c.id, f"{c.programme.name} — {c.name}") for c in cohorts]
    if form.validate_on_submit():
        cohort = next(c for c in cohorts if c.id == form.cohort_id.data)
        copied = services.copy_project(project, cohort, current_user)
        flash(_("A draft copy was made; check its dates before publishing."), "success")
        return redirect(url_for("projects.show", project_id=copied.id))
    return render_template("projects/copy.html", form=form, project=project)


@bp.route("/<int:project_id>/teams", methods=["GET", "POST"])
@bp.route("/<int:project_id>/teams/<int:team_id>", methods=["GET", "POST"])
@login_required
def teams(project_id: int, team_id: int | None = None):
    project = get_managed_project_or_404(project_id, current_user)
    team = loaders.get_team_or_404(project, team_id) if team_id else None
    trainees = services.cohort_trainees(project.cohort_id)
    # Ids, not the team's User objects: a field missing from a POST falls back to this data.
    form = TeamForm(data={"name": team.name, "members": [u.id for u in team.members]} if team else None)
    form.members.choices = [(u.id, u.name) for u in trainees]
    if form.validate_on_submit():
        members = [u for u in trainees if u.id in (form.members.data or [])]
        if apply_change(
            lambda: services.save_team(project, form.name.data, members, team), _("The team is saved.")
        ):
            return redirect(url_for("projects.teams", project_id=project.id))
    return render_template(
        "projects/teams.html",
        form=form,
        project=project,
        team=team,
        page=paginate(services.teams_query(project)),
    )


@bp.route("/<int:project_id>/extensions", methods=["GET", "POST"])
@login_required
def extensions(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    trainees = services.cohort_trainees(project.cohort_id)
    form = ExtensionForm()
    form.target.choices = [(f"team:{t.id}", _("Team %(name)s", name=t.name)) for t in project.teams] + [
        (f"user:{u.id}", u.name) for u in trainees
    ]
    if form.validate_on_submit():
        target = _extension_target(form.target.data, project, trainees)
        if apply_change(
            lambda: services.grant_extension(
                project,
                granted_by=current_user,
                due_at=form.due_at.data,
                cutoff_at=form.cutoff_at.data,
                reason=form.reason.data,
                **target,
            ),
            _("The extension is granted."),
        ):
            return redirect(url_for("projects.extensions", project_id=project.id))
    page = paginate(services.extensions_query(project))
    return render_template(
        "projects/extensions.html", form=form, project=project, extensions=page.items, extensions_page=page
    )


def _extension_target(choice: str, project: Project, trainees: list[User]) -> dict:
    """``{"team": …}`` or ``{"user": …}`` for the form's ``team:<id>`` / ``user:<id>`` choice."""
    kind, _sep, target_id = choice.partition(":")
    if kind == "team":
        return {"team": next((t for t in project.teams if str(t.id) == target_id), None)}
    return {"user": next((u for u in trainees if str(u.id) == target_id), None)}
