"""Fuzz the JSON API from its own OpenAPI document with schemathesis, as an administrator and as a trainee.

Every operation the document lists gets valid and invalid inputs (schemathesis' positive and negative
modes, then its coverage phase: each boundary value, each missing required part, each undocumented method),
then chains of calls along the links it infers (its stateful phase), against a database seeded with the
demo data plus a graded submission, in-process through the WSGI app.
Every check schemathesis runs by default applies (:data:`DEFAULT_CHECKS`): no server error, and every
answer as the document promises (status code, content type, headers, body schema), input the schema
refuses refused, input it accepts accepted, 405 with ``Allow``.  Loading the document also validates it
against the OpenAPI 3.0 meta-schema.  It always runs on SQLite (it commits freely) and is marked slow (about
two minutes on two cores), so the PostgreSQL pass leaves it out.

The app runs with ``TESTING`` on, so an unhandled exception is raised here with its traceback (instead of
an opaque 500) and Hypothesis shrinks it to a small falsifying request.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing, contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import ChecksConfig, SchemathesisConfig
from sqlalchemy import update

from lms import create_app
from lms.api.models import ApiToken
from lms.extensions import db
from lms.users.models import User
from tests.fixtures.app import app_config as _config

pytestmark = pytest.mark.slow

#: Per operation, generation mode and role (about 60 operations x 2 x 2), on top of the coverage phase's
#: systematic cases; each request takes milliseconds.  Together about two minutes on two cores.
MAX_EXAMPLES = 15
#: Chains of up to 10 calls per role in the stateful run.
STATEFUL_EXAMPLES = 60

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


#: Every check schemathesis 4 runs by default (none left out): no server error; status code, content type,
#: headers and body as documented; schema-invalid input refused and valid input accepted; 405 with ``Allow``
#: for undocumented methods; missing required headers refused; auth not ignored; and, in the stateful run,
#: no use after delete and created resources readable.  ``object_level_authorization`` is on as well but
#: compares two identities within one run, and each role runs alone here: the permission matrix
#: (``tests/test_permission_matrix.py``) covers who may read what.
#: :func:`test_fuzzing_runs_every_default_check` pins the list: a newer schemathesis's new check shows here.
DEFAULT_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
}


#: Where schemathesis' expectations meet rules the document cannot write down, each with its reason:
#: schema-valid input may still break a rule of the domain (a 422 *without* field ``errors``;
#: :func:`schema_valid_input_passes_validation` fails one *with* them); tus answers a wrong or missing
#: ``Tus-Resumable`` with 412, as its protocol requires; and tus' ``Upload-Metadata`` is base64 of UTF-8
#: text checked against the server's limits and the user's quota (400 and 413), which no schema can say.
#: Text never holds NUL (refused with 400 everywhere, as the document's description says), so strings are
#: drawn without it; ``tests/lms/test_api_frame.py`` sends NUL, surrogates, deep nesting and 1e400.
#: Server errors stay out of every list.
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429"]
CONFIG = {
    "generation": {"allow-x00": False},
    "checks": {
        "positive_data_acceptance": {"expected-statuses": POSITIVE},
        "negative_data_rejection": {"expected-statuses": NEGATIVE},
        "missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "412", "415", "422"]},
    },
    "operations": [
        {
            "include-path": "/api/v1/uploads/",
            "include-method": "POST",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "400", "413"]}},
        }
    ],
}


def schema_valid_input_passes_validation(ctx, response, case):
    """Input the document accepts must pass the API's own validation: a 4xx naming fields is a schema the
    document does not show (a limit, a pattern or a required field missing from it)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    try:
        errors = (response.json() or {}).get("errors")
    except ValueError:
        return None
    assert not errors, f"schema-valid input refused by validation the document does not show: {errors}"
    return None


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
    config = SchemathesisConfig.from_dict(CONFIG)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app, config=config)


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
    # The token is fixed, not generated: a case that drops it would be sent with it all the same.
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def run(case):
        _check(case, app, headers)

    run()


def _check(case, app, headers: dict) -> None:
    _restore_fuzzers(app)
    # No ``checks=``: schemathesis' default checks, all of them, plus ours.
    case.call_and_validate(headers=headers, additional_checks=[schema_valid_input_passes_validation])


def _cover(operation, app, headers: dict) -> list[str]:
    """schemathesis' coverage phase for one operation: boundary values, missing parts, undocumented
    methods (where ``unsupported_method`` and ``missing_required_header`` apply); the failures, one line
    each."""
    schema = operation.schema
    failures = []
    for case in schema.iter_coverage_cases(
        operation,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        extra_data_source=None,
        error_feedback=None,
        session=None,
    ):
        # A case about the token itself (missing, wrong) goes out as generated; every other case with ours.
        about_token = getattr(case.meta.phase.data, "parameter", None) == "Authorization"
        try:
            _check(case, app, {} if about_token else headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - try all, then show every failure
            scenario = getattr(case.meta.phase.data, "description", "")
            failures.append(f"--- {operation.label} (coverage: {scenario}) ---\n{exc}")
    return failures


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
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # Nothing to make invalid (tus' OPTIONS: no parameter, no body, no token).
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - try all, then show every failure
                failures.append(f"--- {operation.label} ({mode.value}) ---\n{exc}")
        failures.extend(_cover(operation, fuzz_app, headers))
    assert not failures, f"{len(failures)} failing operations:\n" + "\n".join(failures)


@contextmanager
def _same_start(app):
    """Restore the database to its state now before each call of the yielded function (SQLite's backup API:
    the file is in WAL mode, so copying it would miss pages)."""
    with app.app_context():
        path = db.engine.url.database
        db.engine.dispose()
    snapshot = sqlite3.connect(":memory:")
    with closing(sqlite3.connect(path)) as live:
        live.backup(snapshot)

    def restore() -> None:
        with app.app_context():
            db.engine.dispose()
        with closing(sqlite3.connect(path)) as live:
            snapshot.backup(live)

    try:
        yield restore
    finally:
        snapshot.close()


# After the runs above, so that they see the data as seeded.
@pytest.mark.parametrize("role", ["trainee", "admin"])
def test_api_stateful_fuzzing_finds_nothing(api_schema, fuzz_app, role):
    """Chains of calls along the links schemathesis infers from the document (an id from one answer into the
    next request): here the checks that need a history apply too (no use after delete, a created resource
    can be read).  Every chain starts from the same database, so Hypothesis can replay and shrink it."""
    _restore_fuzzers(fuzz_app)
    token = fuzz_app.extensions["fuzz"]["tokens"][role]
    # The token as configuration, not as call arguments: schemathesis then knows it was given, not generated.
    config = SchemathesisConfig.from_dict(
        {**CONFIG, "headers": {"Authorization": f"Bearer {token}", "Accept-Language": "en"}}
    )
    machine = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", fuzz_app, config=config
    ).as_state_machine()
    with _same_start(fuzz_app) as restore:

        class Chains(machine):
            def setup(self):
                restore()

        Chains.run(
            settings=settings(
                max_examples=STATEFUL_EXAMPLES,
                stateful_step_count=10,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )


def test_fuzzing_runs_every_default_check():
    """``call_and_validate`` without ``checks=`` runs every check enabled by default: all of them."""
    load_all_checks()
    config = ChecksConfig()
    enabled = {c.__name__ for c in CHECKS.get_all() if config.get_by_name(name=c.__name__).enabled}
    assert enabled == DEFAULT_CHECKS
