"""The projects plugin's public signals (grading and portfolios listen to them)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after a project became visible to its cohort. sender: the ``Project``.
project_published = _signals.signal("project-published")

#: Sent after an extension was granted. sender: the ``Extension``.
extension_granted = _signals.signal("extension-granted")

#: Sent after a trainee or team handed work in. sender: the ``Attempt``.
attempt_submitted = _signals.signal("attempt-submitted")

#: Sent after an assessment was released to its trainee(s). sender: the ``Assessment``.
assessment_released = _signals.signal("assessment-released")

#: Asked what waits for a grade (the instructors' daily digest; coursework cannot read grading's tables).
#: sender: a list of cohort ids. Receivers return ``{project_id: hand-ins not graded}``.
grading_backlog = _signals.signal("grading-backlog")

#: Asked for more gradebook columns (peer review's peer grade and assessing grade). sender: the list of
#: ``Project`` of the gradebook; kwarg ``trainees``: the list of ``User``. Receivers return a list of
#: ``(project_id, label, {trainee_id: Decimal | None})``; each becomes a column after its project's.
gradebook_columns = _signals.signal("gradebook-columns")

#: Asked whether rubric versions are in use elsewhere (a peer rubric), before grading deletes a rubric.
#: sender: a list of ``RubricVersion`` ids. Receivers return True when one is in use.
rubric_versions_used = _signals.signal("rubric-versions-used")

#: A project is about to be graded with another rubric version. sender: the ``Project``; kwargs ``before``
#: (the version id it had, or None) and ``after``. Receivers keep what was marked with the old one.
project_rubric_changing = _signals.signal("project-rubric-changing")
