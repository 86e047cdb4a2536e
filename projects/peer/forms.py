"""Forms of peer review: the project's settings and an instructor's override."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.forms import Finite
from projects.coursework.forms import LocalDateTimeField
from projects.peer.arithmetic import Strictness
from projects.peer.models import PeerMethod


def _version_id(value) -> int | None:
    """A rubric version's id from the form ("": the project's rubric)."""
    return None if value in (None, "", "None") else int(value)


def _version_label(version) -> str:
    return str(_l("%(title)s (version %(n)s)", title=version.rubric.title, n=version.number))


def _own_label(version) -> str:
    return str(_l("The project's rubric: %(rubric)s", rubric=_version_label(version)))


def _weight(label, default):
    """A weight of the final grade; *default* is the column's (a first set-up starts from it, not empty)."""
    return DecimalField(
        label, places=2, default=default, validators=[InputRequired(), Finite(), NumberRange(min=0, max=100)]
    )


class PeerSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Trainees review each other's work"))
    reviews_each = IntegerField(
        _l("Works each trainee reviews"), validators=[InputRequired(), NumberRange(min=1, max=10)], default=3
    )
    anonymous_authors = BooleanField(_l("Reviewers do not see whose work it is"), default=True)
    anonymous_reviewers = BooleanField(_l("Authors do not see who reviewed them"), default=True)
    opens_at = LocalDateTimeField(_l("Reviews open"), validators=[Optional()])
    closes_at = LocalDateTimeField(_l("Reviews close"), validators=[Optional()])
    method = SelectField(
        _l("Peer mark per criterion"),
        choices=lambda: [
            (PeerMethod.MEDIAN.value, _l("Median")),
            (PeerMethod.TRIMMED_MEAN.value, _l("Trimmed mean")),
        ],
    )
    strictness = SelectField(
        _l("How strictly reviewers are graded"),
        choices=lambda: [
            (Strictness.VERY_LAX.value, _l("Very lax")),
            (Strictness.LAX.value, _l("Lax")),
            (Strictness.FAIR.value, _l("Fair")),
            (Strictness.STRICT.value, _l("Strict")),
            (Strictness.VERY_STRICT.value, _l("Very strict")),
        ],
        default=Strictness.FAIR.value,
    )
    peer_weight = _weight(_l("Weight of the peer grade (0: feedback only)"), 0)
    self_weight = _weight(_l("Weight of the self-assessment"), 0)
    instructor_weight = _weight(_l("Weight of the instructor's grade"), 1)
    agreement = DecimalField(
        _l("Agreement needed on the examples (0–100)"),
        places=2,
        default=70,
        validators=[InputRequired(), Finite(), NumberRange(min=0, max=100)],
    )
    attempts_enough = IntegerField(
        _l("Or this many tries on each example"), validators=[Optional(), NumberRange(min=1, max=20)]
    )
    flexible_after_days = IntegerField(
        _l("Days after closing to grade with fewer reviews"),
        validators=[Optional(), NumberRange(min=0, max=365)],
    )
    rubric_version_id = SelectField(
        _l("Rubric for peer review"),
        coerce=_version_id,
        choices=lambda: [("", _l("The project's rubric"))],  # offer_rubrics sets the library's
        description=_l("Reviewers mark with this rubric. It cannot change after reviews start."),
        validate_choice=True,
    )

    def offer_rubrics(self, project, settings, user) -> None:
        """The peer rubric's choices: the project's, each rubric of *user*'s library (its newest version, the
        library's own rule) and the one chosen now."""
        from lms.extensions import db
        from projects.grading import rubrics
        from projects.grading.models import RubricVersion

        own = project.rubric_version
        choices = [("", _l("The project's rubric") if own is None else _own_label(own))]
        versions = [r.latest for r in rubrics.library_for(user)]
        chosen = settings.rubric_version_id if settings is not None else None
        if chosen is not None and chosen not in {v.id for v in versions}:
            versions.insert(0, db.session.get(RubricVersion, chosen))
        choices += [(str(v.id), _version_label(v)) for v in versions]
        self.rubric_version_id.choices = choices

    def values(self) -> dict:
        """The fields as :func:`projects.peer.services.configure` takes them."""
        return {name: self[name].data for name in self._fields if name not in ("csrf_token", "submit")}


class OverrideForm(FlaskForm):
    grade = DecimalField(
        _l("Peer grade (empty: withdraw the override)"), places=2, validators=[Optional(), Finite()]
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Write a reason.")), Length(max=1000)])
