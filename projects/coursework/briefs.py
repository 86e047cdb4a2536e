"""A project's brief in the trainees' own languages (beside the Korean and English the project holds)."""

from __future__ import annotations

import logging

from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import BriefTranslation, Project, brief_digest

log = logging.getLogger(__name__)


def save_brief_translation(
    project: Project, locale: str, title: str, brief: str, by: User
) -> BriefTranslation:
    """Add or change the project's brief in *locale*, a language the centre offers other than Korean and
    English (those are the project's own fields). It records the Korean brief it was written from, so readers
    learn when the Korean changes later."""
    from lms.i18n import CONTENT_LANGUAGES, offered_languages

    if locale in CONTENT_LANGUAGES or locale not in offered_languages():
        raise ProjectError("bad_translation_language")
    if not (title.strip() or brief.strip()):
        raise ProjectError("empty_translation")
    translation = project.brief_in(locale)
    if translation is None:
        translation = BriefTranslation(project=project, locale=locale)
        db.session.add(translation)
    translation.title, translation.brief = title.strip(), brief
    translation.source_digest = brief_digest(project.brief_ko)
    translation.updated_by_id = by.id
    db.session.flush()
    log.info("project %s: brief in %s saved by user %s", project.id, locale, by.id)
    return translation


def remove_brief_translation(project: Project, locale: str) -> None:
    """Remove the project's brief in *locale* (nothing happens when there is none)."""
    translation = project.brief_in(locale)
    if translation is not None:
        project.brief_translations.remove(translation)
        db.session.flush()
