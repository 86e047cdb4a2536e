"""Rubric screens: the library, the builder, import and export, and choosing a project's rubric.

Registered on the projects blueprint (``projects.coursework.views.bp``); the request edge commits.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.errors import flash_error
from lms.extensions import db
from lms.forms import ActionForm
from lms.pagination import paginate
from lms.programmes.models import Programme
from lms.security import role_required
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.coursework.views import bp
from projects.grading import rubrics
from projects.grading.loaders import get_managed_project_or_404, get_rubric_or_404, get_rubric_version_or_404
from projects.grading.models import Rubric

STAFF = (Role.ADMIN, Role.INSTRUCTOR)


@bp.route("/rubrics/")
@role_required(*STAFF)
def rubric_library():
    return render_template(
        "projects/rubrics.html",
        page=paginate(rubrics.library_query(current_user)),
        programmes=_programmes(current_user),
        form=ActionForm(),
    )


def _programmes(user: User) -> list[Programme]:
    from lms.programmes.services import cohorts_taught_by

    if user.role is Role.ADMIN:
        return list(db.session.scalars(db.select(Programme).order_by(Programme.code)))
    return sorted({c.programme for c in cohorts_taught_by(user)}, key=lambda p: p.code)


@bp.route("/rubrics/new", methods=["GET", "POST"])
@bp.route("/rubrics/<int:rubric_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_rubric(rubric_id: int | None = None):
    rubric = get_rubric_or_404(rubric_id, current_user) if rubric_id else None
    project = _starting_project(rubric)
    if request.method == "POST" and ActionForm().validate_on_submit():
        data, titles = _builder_data(request.form)
        grow = request.form.get("grow")
        if grow:  # "add a criterion / level": show the form again with one more row, nothing saved
            refusal = _grow(data, grow)
            if refusal:
                flash(refusal, "error")
                return _builder(rubric, data, titles, project), 400
            return _builder(rubric, data, titles, project)
        try:
            rubric = _save(rubric, data, titles)
        except ProjectError as exc:
            flash_error(exc)
            return _builder(rubric, data, titles, project)  # what was typed stays in the form
        if project is not None:
            rubrics.attach(project, rubric.latest)
            flash(_("The rubric is saved and the project is graded with it."), "success")
            return redirect(url_for("projects.show", project_id=project.id, _anchor="grading"))
        flash(_("The rubric is saved (version %(n)s).", n=rubric.latest.number), "success")
        return redirect(url_for("projects.rubric_library"))
    if rubric is None:
        return _builder(None, {"criteria": [_empty_criterion(1)]}, {"title_ko": "", "title_en": ""}, project)
    return _builder(rubric, rubric.latest.data, {"title_ko": rubric.title_ko, "title_en": rubric.title_en})


def _starting_project(rubric: Rubric | None):
    """The project a new rubric was started from (``project_id`` in the query or the form), to attach the
    rubric to and return to; 404 when the user may not edit that project.  Editing a rubric has none."""
    project_id = request.values.get("project_id", type=int)
    if rubric is not None or not project_id:
        return None
    return get_managed_project_or_404(project_id, current_user)


def _builder(rubric: Rubric | None, data: dict, titles: dict, project=None) -> str:
    return render_template(
        "projects/rubric_edit.html",
        rubric=rubric,
        data=data,
        titles=titles,
        programmes=_programmes(current_user),
        form=ActionForm(),
        project=project,
    )


def _save(rubric: Rubric | None, data: dict, titles: dict) -> Rubric:
    """Create the rubric in the chosen programme's library, or add a version to *rubric* (403 if not
    allowed)."""
    if rubric is None:
        programme_id = request.form.get("programme_id", type=int)
        if not rubrics.may_create_in(current_user, programme_id):
            abort(403)
        return rubrics.create_rubric(programme_id=programme_id, by=current_user, data=data, **titles)
    if not rubrics.can_edit(current_user, rubric):
        abort(403)
    rubrics.save_rubric(rubric, by=current_user, data=data, **titles)
    return rubric


def _empty_criterion(n: int) -> dict:
    return {
        "id": "",
        "title_ko": "",
        "title_en": "",
        "description_ko": "",
        "description_en": "",
        "weight": "1",
        "technical": False,
        "levels": [{"id": "", "name_ko": "", "name_en": "", "points": ""} for _ in range(3)],
    }


def _builder_data(form) -> tuple[dict, dict]:
    """Rubric content from the builder's fields ``c<i>-<field>`` and ``c<i>-l<j>-<field>``; blank rows
    dropped."""
    criteria = []
    i = 0
    # One past the limits is read, so that the save refuses too many rows instead of dropping them.
    while f"c{i}-id" in form and i <= rubrics.MAX_CRITERIA:
        get = lambda name: (form.get(f"c{i}-{name}") or "").strip()  # noqa: E731
        levels = []
        j = 0
        while f"c{i}-l{j}-id" in form and j <= rubrics.MAX_LEVELS:
            lget = lambda name: (form.get(f"c{i}-l{j}-{name}") or "").strip()  # noqa: E731
            level = {
                k: lget(k)
                for k in (
                    "id",
                    "name_ko",
                    "name_en",
                    "description_ko",
                    "description_en",
                    "points",
                    "min_points",
                    "max_points",
                )
            }
            if any(level[k] for k in ("name_ko", "name_en", "points", "min_points", "max_points")):
                levels.append(
                    {k: v for k, v in level.items() if v or k not in ("points", "min_points", "max_points")}
                )
            j += 1
        criterion = {
            k: get(k) for k in ("id", "title_ko", "title_en", "description_ko", "description_en", "weight")
        }
        criterion["technical"] = bool(form.get(f"c{i}-technical"))
        criterion["levels"] = levels
        if criterion["title_ko"] or criterion["title_en"] or levels:
            criteria.append(criterion)
        i += 1
    titles = {"title_ko": form.get("title_ko", ""), "title_en": form.get("title_en", "")}
    return {"criteria": criteria}, titles


def _grow(data: dict, what: str) -> str | None:
    """One more criterion (``criterion``) or level (``level-<i>``); else the sentence that says why not."""
    criteria = data["criteria"]
    kind, _sep, number = what.partition("-")
    index = int(number) if number.isascii() and number.isdigit() and len(number) < 6 else -1
    if what == "criterion":
        if len(criteria) >= rubrics.MAX_CRITERIA:
            return _("A rubric has at most %(limit)s criteria.", limit=rubrics.MAX_CRITERIA)
        criteria.append(_empty_criterion(len(criteria) + 1))
    elif kind == "level" and 0 <= index < len(criteria):
        if len(criteria[index]["levels"]) >= rubrics.MAX_LEVELS:
            return _("A criterion has at most %(limit)s levels.", limit=rubrics.MAX_LEVELS)
        criteria[index]["levels"].append({"id": "", "name_ko": "", "name_en": "", "points": ""})
    else:
        return _("That button is not part of this form. Reload the page and try again.")
    return None


@bp.route("/rubrics/<int:rubric_id>/export.<any(json, csv):fmt>")
@role_required(*STAFF)
def export_rubric(rubric_id: int, fmt: str):
    rubric = get_rubric_or_404(rubric_id, current_user)
    version = get_rubric_version_or_404(rubric, request.args.get("version", type=int) or None)
    if fmt == "json":
        body = json.dumps(rubrics.to_json(rubric, version), ensure_ascii=False, indent=2)
        mimetype = "application/json"
    else:
        body, mimetype = rubrics.to_csv(version), "text/csv"
    response = Response(body, mimetype=mimetype)
    filename = f"rubric-{rubric.id}-v{version.number}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/rubrics/import", methods=["POST"])
@role_required(*STAFF)
def import_rubric():
    """Import JSON or CSV as a new rubric, or as a new version of one (never overwriting a version)."""
    upload = request.files.get("file")
    if not ActionForm().validate_on_submit() or upload is None:
        abort(400)
    try:
        rubric = _import(upload.filename, upload.stream.read(2_000_000).decode("utf-8-sig", errors="replace"))
    except ProjectError as exc:
        flash_error(exc)
    else:
        flash(_("The rubric is imported (version %(n)s).", n=rubric.latest.number), "success")
    return redirect(url_for("projects.rubric_library"))


def _import(filename: str, text: str) -> Rubric:
    """The uploaded rubric, as a version of the form's ``rubric_id`` or new in its ``programme_id`` (403 if
    not allowed)."""
    if filename.lower().endswith(".json"):
        try:
            title_ko, title_en, data = rubrics.from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ProjectError("bad_rubric", detail=str(exc), problem="not_an_export") from exc
    else:
        title_ko, title_en, data = (
            request.form.get("title_ko", ""),
            request.form.get("title_en", ""),
            rubrics.from_csv(text),
        )
    target = request.form.get("rubric_id", type=int)
    if target:
        rubric = get_rubric_or_404(target, current_user)
        if not rubrics.can_edit(current_user, rubric):
            abort(403)
        rubrics.save_rubric(
            rubric,
            title_ko=title_ko or rubric.title_ko,
            title_en=title_en or rubric.title_en,
            data=data,
            by=current_user,
        )
        return rubric
    programme_id = request.form.get("programme_id", type=int)
    if not rubrics.may_create_in(current_user, programme_id):
        abort(403)
    return rubrics.create_rubric(
        programme_id=programme_id,
        title_ko=title_ko or filename,
        title_en=title_en,
        data=data,
        by=current_user,
    )


@bp.route("/<int:project_id>/rubric", methods=["GET", "POST"])
@login_required
def project_rubric(project_id: int):
    """Choose the project's rubric, or move its unfinished assessments to the rubric's newest version."""
    project = get_managed_project_or_404(project_id, current_user)
    library = rubrics.library_for(current_user)
    if request.method == "POST" and ActionForm().validate_on_submit():
        chosen = request.form.get("rubric_id", type=int)
        rubric = next((r for r in library if r.id == chosen), None) or abort(404)
        if request.form.get("move"):
            moved = rubrics.move_to_version(project, rubric.latest)
            flash(
                _(
                    "Moved to version %(n)s (%(count)s unfinished assessments with it).",
                    n=rubric.latest.number,
                    count=moved,
                ),
                "success",
            )
        else:
            rubrics.attach(project, rubric.latest)
            flash(_("The project is graded with this rubric."), "success")
        return redirect(url_for("projects.show", project_id=project.id))
    return render_template(
        "projects/project_rubric.html", project=project, library=library, form=ActionForm()
    )
