"""Centre-editable wording, like Moodle's language customisation: the languages the centre offers, and
overrides of any shipped message in any language, applied in every process without a restart.

``init_app`` gives the app its own translation domain (:mod:`lms.wording.overlay`), the admins' pages
(:mod:`lms.wording.views`) and the sentences of its refusals.  Other code asks
:func:`lms.wording.services.offered_languages` which languages people may choose.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    import lms.wording.models  # noqa: F401  (the tables, for metadata and Alembic)
    from lms.errors import register_messages
    from lms.wording import messages, overlay, views
    from lms.wording.services import WordingError

    app.extensions["wording"] = {}
    overlay.install(app)
    register_messages(WordingError, messages.describe)
    app.register_blueprint(views.bp)
