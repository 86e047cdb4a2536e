"""Fuzz the JSON API from its own OpenAPI document with schemathesis, as an administrator and as a trainee.

Every operation the document lists gets valid and invalid inputs (schemathesis' positive and negative
modes) against a database seeded with the demo data plus a graded submission, in-process through the WSGI
app.  No answer may be a server error, and every answer must match what the document promises (status
code, content type, body schema).  Loading the document also validates it against the OpenAPI 3.0
meta-schema.  It always runs on SQLite (it commits freely) and is marked slow (about two minutes on two
cores), so the PostgreSQL pass leaves it out.

The app runs with ``TESTING`` on, so an unhandled exception is raised here with its traceback (instead of
an opaque 500) and Hypothesis shrinks it to a small falsifying request.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import update

from lms import create_app
from lms.api.models import ApiToken
from lms.extensions import db
from lms.users.models import User
from tests.fixtures.app import app_config as _config

pytestmark = pytest.mark.slow

#: Per operation, generation mode and role (about 40 operations x 2 x 2); each request takes milliseconds.
MAX_EXAMPLES = 20

RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_ko": "구성",
            "title_en": "Story",
            "levels": [
                {"id": "weak", "name_en": "Weak", "points": 0},
                {"id": "good", "name_en": "Good", "points": 5},
            ],
        },
    ]
}


#: No server error, and answers as documented: status code, content type and body schema.  Left out:
#: header conformance (flask-smorest documents the JSON text of ``X-Pagination`` with an object schema, so
#: every paginated answer would "fail"), and the checks that a schema-invalid request is refused or a valid
#: one accepted (ids that exist and business rules decide those, not the schema).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _seed() -> dict[str, object]:
    """Demo data, plus a project with a rubric and a handed-in, started assessment; tokens per role."""
    from datetime import timedelta

    from lms.api.services import create_token
    from lms.db import utcnow
    from lms.demo import load_demo
    from projects.coursework import services, submissions
    from projects.grading import rubrics
    from projects.grading import services as marking

    load_demo()
    people = {u.email: u for u in db.session.scalars(db.select(User))}
    admin, trainee = people["admin@demo.gongbang.kr"], people["trainee@demo.gongbang.kr"]
    instructor = people["instructor@demo.gongbang.kr"]
    cohort = next(e.cohort for e in _enrolments(trainee))
    rubric = rubrics.create_rubric(
        programme_id=cohort.programme_id, title_ko="평가", title_en="Rubric", data=RUBRIC, by=instructor
    )
    project = services.create_project(
        cohort, instructor, title_ko="노트", title_en="Note", due_at=utcnow() + timedelta(days=7)
    )
    services.save_deliverable(project, name_ko="노트", name_en="Note", kind="text")
    services.publish_project(project)
    rubrics.attach(project, rubric.latest)
    submission = submissions.submission_for(project, trainee, create=True)
    submissions.save_answer(submission, project.deliverables[0], text="My film")
    submissions.save_declarations(submission, ai_used=False)
    submissions.submit(submission, trainee, statement_accepted=True)
    marking.start_assessment(submission, instructor)
    tokens = {
        "admin": create_token(admin, "fuzz", "read write")[1],
        "trainee": create_token(trainee, "fuzz", "read write")[1],
    }
    db.session.commit()
    return {"tokens": tokens, "user_ids": [admin.id, trainee.id]}


def _enrolments(trainee):
    from lms.programmes.models import Enrolment

    return db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == trainee.id)).all()


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    # Always SQLite in a folder of its own: the run commits freely and needs no cleaning between tests.
    path = tmp_path_factory.mktemp("fuzz")
    app = create_app(_config(f"sqlite:///{path / 'fuzz.sqlite'}"), instance_path=str(path / "instance"))
    with app.app_context():
        db.create_all()
        app.extensions["fuzz"] = _seed()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    """The published document; loading it validates it against the OpenAPI 3.0 meta-schema."""
    # tus chunks are plain bytes under their own media type.
    schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)


def _restore_fuzzers(app) -> None:
    """Undo what an earlier example did to the fuzzing accounts (the admin may disable the trainee)."""
    seeded = app.extensions["fuzz"]
    with app.app_context():
        db.session.execute(update(User).where(User.id.in_(seeded["user_ids"])).values(active=True))
        db.session.execute(
            update(ApiToken).where(ApiToken.user_id.in_(seeded["user_ids"])).values(revoked_at=None)
        )
        db.session.commit()


def _fuzz(operation, mode: GenerationMode, app, headers: dict) -> None:
    # schemathesis' own pytest loader (``from_fixture``) fails under pytest 9, so each operation gets a
    # plain Hypothesis test over the operation's strategy, with the same checks.
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def run(case):
        _restore_fuzzers(app)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


# A trainee first: the administrator's run creates and changes records that the trainee's would then see.
@pytest.mark.parametrize("role", ["trainee", "admin"])
def test_api_fuzzing_finds_no_server_error_and_no_schema_violation(api_schema, fuzz_app, role):
    token = fuzz_app.extensions["fuzz"]["tokens"][role]
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    results = list(api_schema.get_all_operations())
    unreadable = [str(result.err()) for result in results if not hasattr(result, "ok")]
    assert not unreadable, f"operations the document describes wrongly: {unreadable}"
    operations = [result.ok() for result in results]
    assert len(operations) >= 20, [op.label for op in operations]
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, fuzz_app, headers)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - try all, then show every failure
                failures.append(f"--- {operation.label} ({mode.value}) ---\n{exc}")
    assert not failures, f"{len(failures)} failing operations:\n" + "\n".join(failures)
