"""The NCS screens, on the projects blueprint: the unit list and import (staff; import: admins), a project's
mapping (its managers) and a trainee's coverage (the trainee, their instructors, admins)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.errors import flash_error
from lms.forms import ActionForm
from lms.pagination import paginate
from lms.security import role_required
from lms.users.models import Role
from projects.common import ProjectError
from projects.coursework.loaders import get_managed_project_or_404
from projects.coursework.views import bp
from projects.ncs import codes, importing, messages
from projects.ncs import services as ncs
from projects.ncs.forms import UnitImportForm
from projects.ncs.loaders import get_coverage_trainee_or_404


@bp.route("/ncs")
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def ncs_units():
    query = request.args.get("q", "")[:100]
    return render_template("projects/ncs/units.html", page=paginate(ncs.units_query(query)), query=query)


@bp.route("/ncs/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def ncs_import():
    form = UnitImportForm()
    errors = None
    if form.validate_on_submit():
        parsed = importing.parse_units_csv(form.file.data.read())
        errors = parsed.errors
        if not errors:  # all rows or none: a refused file writes nothing
            added, updated = ncs.import_units(parsed)
            flash(
                _("Imported: %(added)d new units, %(updated)d updated.", added=added, updated=updated),
                "success",
            )
            return redirect(url_for("projects.ncs_units"))
    return render_template(
        "projects/ncs/import.html", form=form, errors=errors, describe=messages.row_problem
    )


@bp.route("/<int:project_id>/ncs", methods=["GET", "POST"])
@login_required
def ncs_mapping(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    form = ActionForm()
    targets = ncs.targets(project)
    if form.validate_on_submit():
        wanted = {
            (t["kind"], t["ref"]): codes.split_codes(request.form.get(f"units-{t['kind']}-{t['ref']}", ""))[
                :50
            ]
            for t in targets
        }
        try:
            ncs.save_mappings(project, current_user, wanted)
        except ProjectError as exc:
            flash_error(exc)
        else:
            flash(_("The NCS units are saved."), "success")
            return redirect(url_for("projects.ncs_mapping", project_id=project.id))
    return render_template("projects/ncs/mapping.html", project=project, targets=targets, form=form)


@bp.route("/ncs/coverage/<int:user_id>")
@login_required
def ncs_coverage(user_id: int):
    trainee = get_coverage_trainee_or_404(user_id, current_user)
    return render_template("projects/ncs/coverage.html", trainee=trainee, coverage=ncs.coverage(trainee))
