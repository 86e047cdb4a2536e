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
