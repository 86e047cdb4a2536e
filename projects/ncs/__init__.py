"""NCS (National Competency Standards): Korea's capability units, what each project's outcomes and rubric
criteria map to, and which units each trainee showed by which graded work.

The pure cores come first: :mod:`projects.ncs.codes` (unit codes, matched on their 10-digit prefix) and
:mod:`projects.ncs.importing` (the national CSV).  Portfolios, the employer search and credentials read
the units through :func:`projects.ncs.services.competency_labels` and
:func:`~projects.ncs.services.alignments_for`.
"""


def init_app(app) -> None:
    """Add the NCS pages, API and links and word its refusals (the personal-data download reads
    :func:`projects.ncs.services.coverage_data` through :mod:`projects.privacy`)."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from lms.i18n import content_text
    from projects.common import ProjectError
    from projects.ncs import api, messages, models, receivers, views  # noqa: F401  (routes, tables)

    register_messages(ProjectError, messages.describe)
    register_api_blueprint(app, api.blp)
    # Mapping targets and coverage evidence are plain dicts (``title_ko``/``title_en``), which ``localised``
    # cannot read.
    app.add_template_global(content_text)
    core.nav_items.connect(receivers.navigation)
