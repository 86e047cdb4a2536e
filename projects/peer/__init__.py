"""Peer assessment: trainees review each other's work by the rubric, after calibrating on examples.

The pure core comes first: :mod:`projects.peer.allocation` (who reviews whose work) and
:mod:`projects.peer.arithmetic` (peer marks, the grade for assessing, weights, the flexible threshold).
"""


def init_app(app) -> None:
    """Add peer review's pages to the projects blueprint, word its refusals, let reviewers see the files
    they review."""
    from lms.errors import register_messages
    from media import signals as media
    from projects.common import ProjectError
    from projects.coursework import signals as coursework
    from projects.peer import api, messages, models, receivers, services, tasks, views  # noqa: F401  (routes, tables, jobs)

    register_messages(ProjectError, messages.describe)
    # The project page links here without coursework importing peer review.
    app.add_template_global(services.settings_for, "peer_settings")
    media.media_access.connect(receivers.media_access)
    coursework.gradebook_columns.connect(receivers.gradebook_columns)
    coursework.rubric_versions_used.connect(receivers.rubric_versions_used)
    coursework.project_rubric_changing.connect(receivers.keep_peer_rubric)
