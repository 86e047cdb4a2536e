"""The permission matrix: every route, every method it accepts, every kind of visitor.

One world is built per module: a programme with two cohorts; a published project with a text and a video
deliverable, a submission handed in by its owner (with a real, processed video), a graded but unreleased
assessment, a rubric, an extension and a notification; a team project with a team; an API token per actor.
Every rule of ``app.url_map`` is then requested by every actor, and the answer's class is compared with
:data:`EXPECTED`:

``allow``  2xx/3xx that is not a redirect to the sign-in page; for POST/PUT/PATCH/DELETE, sent with a
           minimal body, anything but 401/403/404, a sign-in redirect or a crash (400/409/422 are fine);
``login``  a redirect to ``/auth/login`` for pages, 401 for the API and the tus upload protocol;
``deny``   403 or 404 (410 for a stopped or expired share link).

Safe requests go first, then the others (the actors expected to be refused first; a refused request must
leave every table as it was), then signing out.  Flask's automatic HEAD (beside GET) and OPTIONS are left
out; methods a view declares itself are in.

A route with no entry in :data:`EXPECTED` fails :func:`test_every_route_has_an_entry`.  Where the code breaks
a rule, the expectation stays right and the pair is listed in :data:`BUGS`: the main tests leave it out and
:func:`test_known_bug` checks it alone as ``xfail(strict=True)``, so that fixing the bug fails it until the
entry is removed.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from lms import create_app
from lms.extensions import db as _db
from tests.conftest import PASSWORD, IsolatedClient, _config
from tests.media.conftest import canary, media  # noqa: F401  (session fixtures: the generated samples)

ACTORS = ("anon", "owner", "other", "foreign", "instr", "instr2", "employer", "pending", "liaison", "admin")
SIGNED_IN = ACTORS[1:]
#: ``owner``: the trainee who handed in the submission; ``other``: a trainee of the same cohort (not in the
#: owner's team); ``foreign``: a trainee of the other cohort; ``instr``/``instr2``: instructors of the
#: project's cohort and of the other cohort (both teach the world's one programme).  ``employer``: an employer
#: the liaison approved; ``pending``: one still waiting for approval, who is held on their status page (pages
#: other than their account's are refused, see :func:`expected_for`; the API treats them as any user).
GROUPS = {
    "users": SIGNED_IN,
    "staff": ("instr", "instr2", "admin"),  # the instructor or admin role, whatever the cohort
    "managers": ("instr", "admin"),  # manage the world's project and cohort
    "viewers": ("owner", "other", "instr", "admin"),  # see the world's published project
    "readers": ("instr", "instr2", "liaison", "admin"),  # the programme screens
}
SAFE = {"GET", "HEAD", "OPTIONS"}
WRITES = {"POST", "PUT", "PATCH"}
OUTCOMES = {"allow", "login", "deny"}


def expect(allow: str = "", anon: str = "login") -> dict[str, str]:
    """``{actor: outcome}``: actors or groups named in *allow* are allowed, other signed-in actors denied."""
    allowed = set(itertools.chain.from_iterable(GROUPS.get(name, (name,)) for name in allow.split()))
    assert allowed <= set(SIGNED_IN), allowed - set(SIGNED_IN)
    return {"anon": anon, **{a: "allow" if a in allowed else "deny" for a in SIGNED_IN}}


def by_method(default: dict[str, str], **methods: dict[str, str]) -> dict[str, dict[str, str]]:
    """Expectations that differ by HTTP method; ``"*"`` holds those of the methods not named."""
    return {"*": default, **methods}


PUBLIC = expect("users", anon="allow")
USERS = expect("users")
ADMIN = expect("admin")
STAFF = expect("staff")
MANAGERS = expect("managers")
VIEWERS = expect("viewers")
OWNER_AND_MANAGERS = expect("owner instr admin")
WORKERS = expect("owner other")  # trainees of the cohort, each in their own workspace
TRAINEES = expect("owner other foreign")  # each their own portfolio
PORTFOLIO_READERS = expect("owner instr liaison admin employer")

#: endpoint -> {actor: outcome}, or (by_method) {method or "*": {actor: outcome}}.
EXPECTED: dict[str, dict] = {
    # Static files are public; listed one by one so that a new static folder is a decision too.
    "static": PUBLIC,
    "media.static": PUBLIC,
    "projects.static": PUBLIC,
    # The API's description, documented in the README and read without a token; it holds no data.
    "api-docs.openapi_json": PUBLIC,

    # Core: the sign-in pages, the health check and the language switch are public.
    "core.index": USERS,  # visitors are sent to the sign-in page
    "core.dashboard": USERS,
    "core.health": PUBLIC,
    "core.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.set_password": PUBLIC,  # with a live invitation link
    "auth.logout": USERS,
    "notifications.index": USERS,  # one's own
    "notifications.read_all": USERS,

    # Users: one's own account; a person's page for themselves, their instructors, liaisons and admins.
    "users.profile": USERS,
    "users.end_other_sessions": USERS,
    "users.api_tokens": USERS,
    "users.revoke_api_token": expect("owner"),  # token_id: one of the owner's tokens
    "users.person": expect("owner instr liaison admin"),  # user_id: the owner
    "users.admin_users": ADMIN,
    "users.admin_new_user": ADMIN,
    "users.admin_user": ADMIN,
    "users.admin_user_action": ADMIN,
    "users.admin_import": ADMIN,
    "users.admin_outbox": ADMIN,
    "users.personal_data": USERS,  # one's own
    "users.admin_anonymise": ADMIN,  # user_id: the departed trainee
    "users_api.Me": USERS,
    "users_api.Users": ADMIN,
    "users_api.UserById": ADMIN,

    # Programmes: admins manage; liaisons read everything; instructors the list and their own cohorts.
    "programmes.list_programmes": expect("readers"),
    "programmes.cohort": expect("instr liaison admin"),
    "programmes.edit_programme": ADMIN,
    "programmes.edit_cohort": ADMIN,
    "programmes.add_person": ADMIN,
    "programmes.remove_instructor": ADMIN,
    "programmes.withdraw": ADMIN,
    "programmes_api.Programmes": USERS,  # the catalogue of active programmes
    "programmes_api.ProgrammeById": USERS,
    "programmes_api.Cohorts": USERS,  # filtered to the cohorts each may see
    "programmes_api.CohortById": expect("owner other instr liaison admin"),
    "programmes_api.Enrolments": by_method(expect("instr liaison admin"), POST=ADMIN),

    # Media: anyone signed in checks files of their own.  A file is its owner's, its project's managers'
    # (once it is part of a submission) and the admins'.  An upload in progress is only its owner's; the
    # tus capabilities (OPTIONS) are public on the page face, behind a token on the API.
    "media.check": USERS,
    "media.mine": USERS,
    "media.uploads": by_method(USERS, OPTIONS=PUBLIC),
    "media.upload": by_method(expect("owner"), OPTIONS=PUBLIC),
    "media.detail": OWNER_AND_MANAGERS,
    "media.status": OWNER_AND_MANAGERS,
    "media.rendition": OWNER_AND_MANAGERS,
    "media.download": OWNER_AND_MANAGERS,
    "media.choose_poster": expect("owner"),
    "media.reprocess": ADMIN,
    "uploads_api.Uploads": USERS,
    "uploads_api.UploadById": by_method(expect("owner"), OPTIONS=USERS),

    # Projects: the cohort's trainees see the published project and work on their own (or team's)
    # submission and released grade; its instructors and admins manage and grade it; other cohorts,
    # employers and liaisons see none of it.
    "projects.index": USERS,  # filtered to each one's projects (none for employers and liaisons)
    "projects.new_project": STAFF,  # instructors choose among the cohorts they teach
    "projects.show": VIEWERS,
    "projects.feedback": VIEWERS,  # a trainee's own released grade, or "not released yet"
    "projects.edit": MANAGERS,
    "projects.edit_deliverable": MANAGERS,
    "projects.delete_deliverable": MANAGERS,
    "projects.publish": MANAGERS,
    "projects.copy": MANAGERS,
    "projects.teams": MANAGERS,
    "projects.extensions": MANAGERS,
    "projects.review_list": MANAGERS,
    "projects.review": MANAGERS,
    "projects.download_all": MANAGERS,
    "projects.project_rubric": MANAGERS,
    "projects.grade": MANAGERS,
    "projects.add_comment": MANAGERS,
    "projects.adjust": MANAGERS,
    "projects.release": MANAGERS,
    "projects.by_criterion": MANAGERS,
    "projects.analytics": MANAGERS,
    "projects.work": WORKERS,
    "projects.upload": WORKERS,
    "projects.answer": WORKERS,
    "projects.declarations": WORKERS,
    "projects.hand_in": WORKERS,
    "projects.self_assess": WORKERS,
    "projects.receipt": OWNER_AND_MANAGERS,
    # The rubric library is per programme, and both instructors teach the world's programme.
    "projects.rubric_library": STAFF,
    "projects.edit_rubric": STAFF,
    "projects.export_rubric": STAFF,
    "projects.import_rubric": STAFF,
    "projects.gradebook": MANAGERS,
    "projects.gradebook_csv": MANAGERS,
    "projects_api.Projects": USERS,  # filtered like projects.index
    "projects_api.ProjectById": VIEWERS,
    "projects_api.Teams": MANAGERS,
    "projects_api.Extensions": MANAGERS,
    "projects_api.Submissions": VIEWERS,  # a trainee gets only their own
    "projects_api.SubmissionById": OWNER_AND_MANAGERS,
    "projects_api.AssessmentOfSubmission": MANAGERS,  # its trainee too once released; the world's is not
    "projects_api.Release": MANAGERS,
    "projects_api.Rubrics": STAFF,
    "projects_api.RubricById": STAFF,
    "projects_api.RubricVersionByNumber": STAFF,
    "projects_api.Gradebook": MANAGERS,

    # Portfolios: the owner's, shared by link (so staff of the owner's cohort, liaisons, admins and approved
    # employers read it); each trainee edits their own (others get their own, empty one).  Link pages and
    # verification are public.  Unpublished items are the owner's alone (HIDDEN_MARK, mismatch cases).
    "portfolios.edit": TRAINEES,
    "portfolios.add_item": TRAINEES,
    "portfolios.edit_item": expect("owner"),  # item_id: the owner's published item
    "portfolios.record_consent": expect("owner"),
    "portfolios.choose_poster": expect("owner"),
    "portfolios.item_action": expect("owner"),
    "portfolios.remove_item": expect("owner"),  # item_id: a spare item
    "portfolios.create_link": TRAINEES,
    "portfolios.revoke_link": expect("owner"),  # link_id: a spare link
    "portfolios.view_log": TRAINEES,
    "portfolios.export": TRAINEES,
    "portfolios.show": PORTFOLIO_READERS,
    "portfolios.rendition": PORTFOLIO_READERS,
    "portfolios.shared": PUBLIC,  # token: a live link
    "portfolios.shared_rendition": PUBLIC,
    "completions.certificate": expect("owner admin"),
    "completions.completions_admin": ADMIN,
    "completions.complete_cohort": ADMIN,
    "completions.revoke_completion": ADMIN,
    "completions.verify": PUBLIC,
    "completions.verify_json": PUBLIC,
    "completions.signing_keys": PUBLIC,
    "portfolios_api.OwnPortfolio": TRAINEES,
    "portfolios_api.OwnItems": TRAINEES,
    "portfolios_api.OwnItemById": expect("owner"),
    "portfolios_api.OwnItemRemoval": expect("owner"),  # item_id: another spare item
    "portfolios_api.OwnLinks": TRAINEES,
    "portfolios_api.OwnLinkById": expect("owner"),
    "portfolios_api.OwnViews": TRAINEES,
    "portfolios_api.PortfolioById": PORTFOLIO_READERS,
    "completions_api.Completions": by_method(USERS, POST=ADMIN),  # GET: one's own (admins: all)
    "completions_api.CompletionById": expect("owner admin"),
    "completions_api.CompletionRevoke": ADMIN,
    "completions_api.CompletionVerification": expect("owner admin"),

    # LTI: the platform-facing endpoints are public (a launch is refused without its state, nonce and
    # signature); a launch's follow-up pages are its user's own; LMS courses are their cohort's managers'.
    "lti.static": PUBLIC,
    "lti.jwks": PUBLIC,
    "lti.canvas_config": PUBLIC,
    "lti.login": PUBLIC,
    "lti.launch": PUBLIC,
    "lti.pick": expect("instr"),  # launch_id: the instructor's deep-linking launch
    "lti.choose_cohort": expect("instr"),
    "lti.choose_project": expect("instr"),
    "lti.courses": STAFF,  # filtered to the courses linked to one's cohorts
    "lti.sync_roster": MANAGERS,
    "lti.retry_grades": MANAGERS,
    "lti.setup": ADMIN,
    "lti.edit_platform": ADMIN,
    "lti.rotate_key": ADMIN,

    # Careers: employers sign up in public and wait (``pending``) on their status page; liaisons and admins
    # review them, run the interest board and read placement figures; approved employers search trainees who
    # opted in (the owner) and follow their own interests; a trainee sees an interest once it is passed on.
    "careers.signup": PUBLIC,  # signed-in visitors are sent to their dashboard
    "careers.signup_done": PUBLIC,
    "careers.status": expect("employer pending"),
    "careers.employers": expect("liaison admin"),
    "careers.employer": expect("liaison admin"),  # employer_id: the pending employer
    "careers.decide": expect("liaison admin"),
    "careers.search": expect("employer liaison admin"),
    "careers.express_interest": expect("employer"),  # user_id: the owner, visible to employers
    "careers.interests": expect("owner other foreign employer liaison admin"),  # one's own; brokers: the board
    "careers.interest": expect("owner employer liaison admin"),  # interest_id: employer's, in the owner, passed on
    "careers.move_interest": expect("owner employer liaison admin"),
    "careers.board": expect("liaison admin"),
    "careers.placement": expect("liaison admin"),
    "careers.placement_csv": expect("liaison admin"),
    "careers_api.MyEmployer": expect("employer pending"),
    "careers_api.Employers": expect("liaison admin"),
    "careers_api.EmployerById": expect("liaison admin"),
    "careers_api.EmployerDecision": expect("liaison admin"),
    "careers_api.Search": expect("employer liaison admin"),
    "careers_api.Interests": by_method(USERS, POST=expect("employer")),  # GET: one's own (brokers: all)
    "careers_api.InterestById": expect("owner employer liaison admin"),
    "careers_api.InterestSteps": expect("liaison admin"),  # "forward" is the brokers' step; others get 403
    "careers_api.Placement": expect("liaison admin"),
}

#: (endpoint, or "mismatch:" + a case's name; actor) -> what the code does wrong.  Left out of the main
#: tests and checked alone by test_known_bug (xfail, strict): once one is fixed, delete its entry.
#: (The first run found four: rubric import and the rubric API let instructors create rubrics outside the
#: programmes they teach; fixed with projects.rubrics.may_create_in.)
BUGS: dict[tuple[str, str], str] = {}

#: URL argument -> the world's attribute holding its value.
ARGS = {
    "project_id": "project", "submission_id": "submission", "media_id": "media", "rubric_id": "rubric",
    "deliverable_id": "text_deliverable", "cohort_id": "cohort", "programme_id": "programme",
    "user_id": "owner_id", "team_id": "team", "token_id": "spare_token", "number": "attempt_number",
    "enrolment_id": "victim_enrolment", "token": "invite_token", "employer_id": "employer_id",
    "interest_id": "interest",
    "portfolio_id": "portfolio", "item_id": "item", "link_id": "spare_link", "completion_id": "completion",
    "code": "completion_code",
    "platform_id": "lti_platform", "context_id": "lti_context", "launch_id": "lti_launch",
}
#: Per endpoint, exceptions to ARGS: the team project for team routes, harmless targets for admin actions.
ARG_OVERRIDES = {
    "projects.teams": {"project_id": "team_project"},
    "projects_api.Teams": {"project_id": "team_project"},
    "users.admin_user": {"user_id": "victim_id"},
    "users.admin_user_action": {"user_id": "victim_id"},
    "users_api.UserById": {"user_id": "victim_id"},
    "programmes.remove_instructor": {"user_id": "instr2_id"},  # not in the cohort: a no-op
    "users.admin_anonymise": {"user_id": "departed_id"},
    "portfolios.shared": {"token": "share_token"},
    "portfolios.shared_rendition": {"token": "share_token"},
    "portfolios.remove_item": {"item_id": "spare_item"},
    "portfolios_api.OwnItemRemoval": {"item_id": "spare_item2"},
}
#: Minimal bodies where an empty one would be turned away before the permission check (the API validates
#: the body first): valid, and harmless where possible (a stale version, no target).
BODIES = {
    "projects.edit_rubric": lambda w: {"programme_id": w.programme},
    "projects.project_rubric": lambda w: {"rubric_id": w.rubric},
    "projects.adjust": lambda w: {"user_id": w.owner_id},
    "programmes_api.Enrolments": lambda w: {"user_id": w.victim_id},
    "projects_api.AssessmentOfSubmission": lambda w: {"version": 0, "status": "in_progress", "marks": {}},
    "projects_api.Extensions": lambda w: {"due_at": "2030-01-01T09:00:00+00:00", "reason": "Matrix"},
    "projects_api.RubricById": lambda w: {"criteria": []},
    "projects_api.Rubrics": lambda w: {"criteria": [], "programme_id": w.programme},
    "users_api.UserById": lambda w: {"active": True},
    "users_api.Users": lambda w: {"email": "new@matrix.example.org", "name": "New", "role": "trainee"},
    # A pending employer cannot be suspended; the owner already has the employer's open interest; the world's
    # interest is forwarded already: each is refused after the permission check, and nothing changes.
    "careers_api.EmployerDecision": lambda w: {"decision": "suspended", "reason": "Matrix"},
    "careers_api.Interests": lambda w: {"trainee_id": w.owner_id, "role_title": "Matrix"},
    "careers_api.InterestSteps": lambda w: {"action": "forward"},
    # Every trainee's PUT keeps their portfolio private (no trainee opts in by it); _portfolio_mismatch_world
    # shares the owner's by link again.
    "portfolios_api.OwnPortfolio": lambda w: {"visibility": "private", "headline_en": "Matrix"},
    # Refused after the permission check: no such released attempt; already completed; the link is made (the
    # owner's portfolio is shared by link) or refused (the others' are not).
    "portfolios_api.OwnItems": lambda w: {"attempt_id": 0},
    "portfolios_api.OwnLinks": lambda w: {"recipient": "Matrix"},
    "completions_api.Completions": lambda w: {"user_id": w.owner_id, "cohort_id": w.cohort,
                                             "completed_on": date.today().isoformat()},
    "completions_api.CompletionRevoke": lambda w: {"reason": "Matrix"},
}
TUS = {"media.uploads", "media.upload", "uploads_api.Uploads", "uploads_api.UploadById"}
#: Sent after everything else: it ends the session, and its success is a redirect to the sign-in page.
LAST = {"auth.logout"}
#: Unsafe requests go from the actors expected to be refused to those allowed: a refused request that
#: changed something is seen before an allowed one changes things on purpose.
UNSAFE_ORDER = ("anon", "other", "foreign", "instr2", "pending", "employer", "liaison", "instr", "admin", "owner")
#: Text planted in the world -> the actors who may read it in any answer.
TITLE_MARK = "title-mark-5d1e"  # in the project's title
ANSWER_MARK = "answer-mark-7f3a"  # the owner's text answer
FEEDBACK_MARK = "feedback-mark-91c2"  # the grader's feedback, not released
HIDDEN_MARK = "hidden-item-mark-4b7c"  # the title of the owner's unpublished portfolio item
READERS_OF = {TITLE_MARK: GROUPS["viewers"], ANSWER_MARK: ("owner", "instr", "admin"),
              FEEDBACK_MARK: ("instr", "admin"), HIDDEN_MARK: ("owner",)}
#: Columns that signed-in requests touch as a matter of course.
VOLATILE_COLUMNS = {"last_used_at", "last_seen_at"}

VIDEO = {"name_en": "Final cut", "name_ko": "최종본", "kind": "video", "spec": {"require_audio": True}}
NOTE = {"name_en": "Director's note", "name_ko": "연출 노트", "kind": "text"}
RUBRIC = {"criteria": [
    {"id": "story", "title_en": "Story", "title_ko": "구성", "levels": [
        {"id": "weak", "name_en": "Weak", "points": 0}, {"id": "good", "name_en": "Good", "points": 5}]},
    {"id": "tech", "title_en": "Technical", "title_ko": "기술", "technical": True, "levels": [
        {"id": "fail", "name_en": "Fail", "points": 0}, {"id": "pass", "name_en": "Pass", "points": 10}]},
]}
RENDITIONS = {"poster.jpg": "poster", "display.jpg": "display", "sprite.jpg": "sprite",
              "thumbnails.vtt": "vtt", "preview.mp4": "preview", "preview.webm": "preview"}


def expected_for(endpoint: str, method: str) -> dict[str, str]:
    entry = EXPECTED[endpoint]
    table = entry.get(method, entry["*"]) if "*" in entry else entry
    if table["pending"] == "allow" and method != "OPTIONS" and held_page(endpoint):
        table = {**table, "pending": "deny"}
    return table


def held_page(endpoint: str) -> bool:
    """A page an employer awaiting approval is turned away from (``projects.career_views._hold``)."""
    from projects.careers.views import held_may_open

    return not endpoint.split(".")[0].endswith("_api") and not held_may_open(endpoint)


def methods_of(rule) -> list[str]:
    """The methods a rule accepts, less Flask's automatic HEAD (beside GET) and OPTIONS."""
    methods = set(rule.methods)
    if "GET" in methods:
        methods.discard("HEAD")
    if getattr(rule, "provide_automatic_options", False):
        methods.discard("OPTIONS")
    return sorted(methods)


def unlisted_routes(app) -> list[str]:
    """Endpoints of *app* that have no entry in :data:`EXPECTED`."""
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()} - EXPECTED.keys())


@pytest.fixture
def bare_app(tmp_path):
    """An app to read the routes of; it touches no database, so the world's is left alone."""
    app = create_app(_config("sqlite://"), instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_every_route_has_an_entry(bare_app):
    """A new route without an entry in the matrix fails here, and so does an entry without a route."""
    missing = unlisted_routes(bare_app)
    assert not missing, f"routes with no entry in EXPECTED (add one): {missing}"
    endpoints = {rule.endpoint for rule in bare_app.url_map.iter_rules()}
    assert EXPECTED.keys() <= endpoints, f"EXPECTED names no route: {EXPECTED.keys() - endpoints}"
    for rule in bare_app.url_map.iter_rules():
        named = set(EXPECTED[rule.endpoint]) - {"*"} if "*" in EXPECTED[rule.endpoint] else set()
        assert named <= set(rule.methods), (rule.endpoint, named)
        for method in methods_of(rule):
            table = expected_for(rule.endpoint, method)
            assert set(table) == set(ACTORS) and set(table.values()) <= OUTCOMES, (rule.endpoint, method)


def test_a_new_route_is_reported(bare_app):
    bare_app.add_url_rule("/matrix-probe", "probe.view", lambda: "")
    assert unlisted_routes(bare_app) == ["probe.view"]


# The world ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory, postgres_url, media):  # noqa: F811
    """The app, the ids of everything in it, a signed-in page client and an API token per actor."""
    tmp = tmp_path_factory.mktemp("matrix")
    app = create_app(_config(postgres_url or f"sqlite:///{tmp / 'test.sqlite'}"),
                     instance_path=str(tmp / "instance"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if not postgres_url:
            _db.create_all()
        w = _build_world(app, media)
    yield w
    with app.app_context():
        if postgres_url:
            names = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


def _login(app, email: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _build_world(app, media) -> SimpleNamespace:  # noqa: F811
    from lms.api.services import create_token
    from lms.auth.models import TokenPurpose
    from lms.auth.services import hasher, issue_link_token
    from lms.db import utcnow
    from lms.notifications.services import notify
    from lms.programmes import services as programmes
    from lms.programmes.models import Enrolment
    from lms.users.models import Role, User
    from media import services as media_services
    from media.models import MediaFile, MediaStatus
    from projects.coursework import services, submissions
    from projects.coursework.models import DraftItem
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus

    db = _db
    w = SimpleNamespace(app=app)
    roles = {"owner": "trainee", "other": "trainee", "foreign": "trainee", "mate": "trainee",
             "victim": "trainee", "invitee": "trainee", "instr": "instructor", "instr2": "instructor",
             "employer": "employer", "pending": "employer", "liaison": "liaison", "admin": "admin"}
    users = {name: User(role=Role(role), email=f"{name}@matrix.example.org", name=f"Matrix {name}",
                        locale="en", password_hash=None if name == "invitee" else hasher().hash(PASSWORD))
             for name, role in roles.items()}
    db.session.add_all(users.values())
    db.session.commit()
    w.user_ids = {name: u.id for name, u in users.items()}
    w.emails = {name: u.email for name, u in users.items()}
    w.owner_id, w.victim_id, w.instr2_id = users["owner"].id, users["victim"].id, users["instr2"].id
    _careers_world(w, users)

    programme = programmes.create_programme(code="MX", name_ko="영상 과정", name_en="Film programme")
    term = {"start_date": date.today() - timedelta(days=30), "end_date": date.today() + timedelta(days=150)}
    cohort = programmes.create_cohort(programme, code="A", name="Cohort A", **term)
    cohort2 = programmes.create_cohort(programme, code="B", name="Cohort B", **term)
    programmes.assign_instructor(cohort, users["instr"])
    programmes.assign_instructor(cohort2, users["instr2"])
    for name in ("owner", "other", "mate", "victim"):
        programmes.enrol_trainee(cohort, users[name])
    programmes.enrol_trainee(cohort2, users["foreign"])
    db.session.commit()
    w.programme, w.cohort, w.cohort2 = programme.id, cohort.id, cohort2.id
    enrolment_of = {e.user_id: e.id for e in db.session.scalars(select(Enrolment))}
    w.victim_enrolment, w.foreign_enrolment = enrolment_of[w.victim_id], enrolment_of[users["foreign"].id]

    rubric = rubrics.create_rubric(programme_id=programme.id, title_ko="영상 평가", title_en="Film rubric",
                                   data=RUBRIC, by=users["instr"])
    due = utcnow() + timedelta(days=7)
    project = services.create_project(cohort, users["instr"], title_en=f"Brand film {TITLE_MARK}",
                                      title_ko=f"브랜드 영상 {TITLE_MARK}", self_assessment=True, due_at=due)
    services.save_deliverable(project, **NOTE)
    services.save_deliverable(project, **VIDEO)
    services.publish_project(project)
    rubrics.attach(project, rubric.latest)
    team_project = services.create_project(cohort, users["instr"], title_en="Team film", title_ko="팀 영상",
                                           team_mode=True, due_at=due)
    services.save_deliverable(team_project, **NOTE)
    services.publish_project(team_project)
    team = services.save_team(team_project, "Team A", [users["owner"], users["mate"]])
    db.session.commit()
    w.rubric, w.project, w.team_project, w.team = rubric.id, project.id, team_project.id, team.id
    text_deliverable, video_deliverable = project.deliverables
    w.text_deliverable, w.team_deliverable = text_deliverable.id, team_project.deliverables[0].id

    # The owner's video goes through the real upload form and the media checks.
    owner_client = _login(app, users["owner"].email)
    response = owner_client.post(f"/projects/{project.id}/work/{video_deliverable.id}/upload",
                                 data={"file": (io.BytesIO(media["h264_aac.mp4"].read_bytes()), "cut.mp4")},
                                 content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.scalar(select(DraftItem).where(DraftItem.deliverable_id == video_deliverable.id))
    assert item.media is not None and item.media.status is MediaStatus.READY
    w.media = item.media_id
    submission = submissions.submission_for(project, users["owner"], create=True)
    submissions.save_answer(submission, text_deliverable, text=ANSWER_MARK)
    submissions.save_declarations(submission, ai_used=False)
    attempt = submissions.submit(submission, users["owner"], statement_accepted=True)
    assessment = marking.start_assessment(submission, users["instr"])
    marking.save_assessment(assessment, expected_version=assessment.version,
                            marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
                            feedback=FEEDBACK_MARK, status=MarkingStatus.READY, by=users["instr"])
    services.grant_extension(project, granted_by=users["instr"], user=users["owner"], reason="Illness",
                             due_at=due + timedelta(days=3), cutoff_at=None)
    notify(users["owner"], lambda: "Matrix notification", "/dashboard", email=False)
    db.session.commit()
    w.submission, w.attempt_number, w.assessment = submission.id, attempt.number, assessment.id

    # Another trainee's own file from the "check a file" page (for the mismatched-ids cases).
    w.other_media = media_services.register_upload(
        users["other"], io.BytesIO(media["image.png"].read_bytes()), filename="mine.png",
        declared_type="image/png", spec={}).id
    db.session.commit()
    video = db.session.get(MediaFile, w.media)
    w.renditions = sorted(name for name, role in RENDITIONS.items() if (found := video.rendition(role))
                          and found.storage_key.endswith(name.rsplit(".", 1)[1]))
    assert len(w.renditions) >= 3, w.renditions

    _portfolio_world(w, users, cohort, rubric)
    w.tokens = {name: create_token(users[name], "matrix", "read write")[1] for name in SIGNED_IN}
    w.spare_token = create_token(users["owner"], "spare", "read write")[0].id
    w.invite_token = issue_link_token(users["invitee"], TokenPurpose.INVITE)
    db.session.commit()

    if "lti" in app.extensions:  # an LMS course linked to the cohort, and the instructor's deep-linking launch
        from lti import services as lti_services
        from lti.models import Context as LtiContext
        from lti.models import Launch as LtiLaunch

        platform = lti_services.save_platform(
            None, name="Matrix LMS", issuer="https://lms.matrix.example.org", client_id="matrix",
            auth_login_url="https://lms.matrix.example.org/auth", auth_token_url="https://lms.matrix.example.org/token",
            jwks_url="https://lms.matrix.example.org/jwks", deployment_ids=["1"])
        context = LtiContext(platform_id=platform.id, context_id="c1", deployment_id="1", cohort_id=cohort.id)
        db.session.add(context)
        db.session.flush()
        launch = LtiLaunch(user_id=users["instr"].id, context_id=context.id, message_type="LtiDeepLinkingRequest",
                           claims={"teacher": True, "deployment_id": "1"}, expires_at=utcnow() + timedelta(days=1))
        db.session.add(launch)
        db.session.commit()
        w.lti_platform, w.lti_context, w.lti_launch = platform.id, context.id, launch.id

    w.clients = {"anon": app.test_client(), "owner": owner_client}
    w.clients.update({name: _login(app, users[name].email) for name in SIGNED_IN if name != "owner"})
    w.api_client = app.test_client(use_cookies=False)
    uploads = {}

    def upload_for(key) -> str:
        """An upload of the owner's per (endpoint, method): a DELETE must not spoil the next check."""
        if key not in uploads:
            uploads[key] = media_services.start_upload(db.session.get(User, w.owner_id), 10, {
                "filename": "clip.mp4", "filetype": "video/mp4", "context": "check:any"}).id
            db.session.commit()
        return uploads[key]

    w.upload_for = upload_for
    return w


def _careers_world(w, users) -> None:
    """The employers' side: ``employer`` approved, ``pending`` waiting; the owner visible to employers (their
    portfolio), with an interest of ``employer`` that the liaison has passed on to them."""
    from projects.careers.models import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus
    from projects.portfolios.models import Portfolio, Visibility

    db = _db
    employers = {name: Employer(user_id=users[name].id, company=f"Matrix {name} Co", business_number="1248100998",
                                status=status) for name, status in (("employer", EmployerStatus.APPROVED),
                                                                    ("pending", EmployerStatus.PENDING))}
    db.session.add_all(employers.values())
    portfolio = db.session.scalar(select(Portfolio).where(Portfolio.owner_id == users["owner"].id))
    if portfolio is None:
        portfolio = Portfolio(owner_id=users["owner"].id, skills=[])
        db.session.add(portfolio)
    portfolio.visibility = Visibility.EMPLOYERS
    interest = Interest(employer=employers["employer"], trainee_id=users["owner"].id, role_title="Matrix role",
                        status=InterestStatus.FORWARDED)
    interest.events = [InterestEvent(status=InterestStatus.SUBMITTED), InterestEvent(status=InterestStatus.FORWARDED)]
    db.session.add(interest)
    db.session.commit()
    w.employer_id, w.interest = employers["pending"].id, interest.id


def _portfolio_world(w, users, cohort, rubric) -> None:
    """The owner's portfolio, shared by link: four released, graded films (the world's video handed in again),
    one item published, one unpublished (HIDDEN_MARK), two spares to remove; a live link, a spare one to
    revoke, a revoked and an expired one; the owner's signed completion; a departed trainee to anonymise."""
    from lms.auth.services import hasher
    from lms.db import utcnow
    from lms.users.models import Role, User
    from media.models import MediaFile
    from projects.completions import services as completions
    from projects.coursework import services, submissions
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus
    from projects.portfolios import services as portfolios
    from projects.portfolios.models import Visibility

    db = _db
    owner, instr = users["owner"], users["instr"]
    video = db.session.get(MediaFile, w.media)
    attempts = []
    for n in range(4):
        project = services.create_project(cohort, instr, title_en=f"Portfolio film {n}", title_ko=f"영상 {n}",
                                          due_at=utcnow() + timedelta(days=7))
        deliverable = services.save_deliverable(project, **VIDEO)
        services.publish_project(project)
        rubrics.attach(project, rubric.latest)
        submission = submissions.submission_for(project, owner, create=True)
        submissions.attach_upload(submission, deliverable, video)
        submissions.save_declarations(submission, ai_used=False)
        attempts.append(submissions.submit(submission, owner, statement_accepted=True))
        assessment = marking.start_assessment(submission, instr)
        marking.save_assessment(assessment, expected_version=assessment.version, marks={
            "story": {"level_id": "good"}, "tech": {"level_id": "pass"}}, feedback="", status=MarkingStatus.READY,
            by=instr)
        marking.release([assessment], instr)
    portfolio = portfolios.portfolio_of(owner, create=True)
    item, hidden, spare, spare2 = (portfolios.add_item(portfolio, a.id) for a in attempts)
    portfolios.update_item(hidden, title_en=HIDDEN_MARK, title_ko=HIDDEN_MARK)
    portfolios.set_published(item, True)
    portfolios.update_portfolio(portfolio, headline_en="Matrix", visibility=Visibility.LINK)
    _live, w.share_token = portfolios.create_link(portfolio, recipient="Matrix HR", days=30)
    spare_link, _token = portfolios.create_link(portfolio, recipient="Spare", days=30)
    revoked, w.revoked_share_token = portfolios.create_link(portfolio, recipient="Revoked", days=30)
    portfolios.revoke_link(revoked)
    expired, w.expired_share_token = portfolios.create_link(portfolio, recipient="Expired", days=1)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    completion = completions.mark_completion(owner, cohort, utcnow().date(), users["admin"])
    departed = User(role=Role.TRAINEE, email="departed@matrix.example.org", name="Matrix departed", locale="en",
                    password_hash=hasher().hash(PASSWORD))
    db.session.add(departed)
    db.session.commit()
    w.portfolio, w.item, w.hidden_item, w.spare_item, w.spare_item2 = (
        portfolio.id, item.id, hidden.id, spare.id, spare2.id)
    w.spare_link, w.completion, w.completion_code = spare_link.id, completion.id, completion.code
    w.departed_id = departed.id


# Requests -----------------------------------------------------------------------------------------------


@dataclass
class Check:
    endpoint: str
    rule: str
    method: str
    actor: str
    url: str
    expected: str
    got: str = ""
    status: int | None = None
    notes: list[str] = field(default_factory=list)  # problems besides the outcome class
    changed: list[str] = field(default_factory=list)  # tables an unsafe request changed

    @property
    def ok(self) -> bool:
        return self.got == self.expected and not self.notes

    def __str__(self) -> str:
        extra = f" ({'; '.join(self.notes)})" if self.notes else ""
        extra += f" [changed {', '.join(self.changed)}]" if self.changed else ""
        return (f"{self.endpoint} {self.method} {self.url} as {self.actor}: expected {self.expected}, "
                f"got {self.got} [{self.status}]{extra}")


def is_api(url: str) -> bool:
    return url.startswith("/api/")


_OWN_TOKEN = object()


def send(w, actor: str, method: str, url: str, *, endpoint: str = "", body=None, headers=None,
         token=_OWN_TOKEN, client=None):
    """One request as *actor*: pages through the actor's signed-in client, the API with the actor's token."""
    headers = {"Accept-Language": "en", **(headers or {})}
    if endpoint in TUS:
        headers["Tus-Resumable"] = "1.0.0"
    api = is_api(url)
    client = client or (w.api_client if api else w.clients[actor])
    raw = w.tokens.get(actor) if token is _OWN_TOKEN else token
    if api and raw:
        headers["Authorization"] = f"Bearer {raw}"
    kwargs = {}
    if method in WRITES and endpoint not in TUS:
        kwargs["json" if api else "data"] = body or {}
    response = client.open(url, method=method, headers=headers, **kwargs)
    data = response.get_data()
    response.close()  # file responses hold the file open
    return response, data


def classify(response, method: str, url: str, endpoint: str) -> str:
    code = response.status_code
    location = urlsplit(response.location or "")
    if endpoint in LAST and code == 302 and location.path == "/auth/login" and "next=" not in location.query:
        return "allow"  # signed out; the sign-in redirect for a visitor carries ?next=
    if code == 401 or (code in (302, 303) and location.path == "/auth/login"):
        wanted = 401 if is_api(url) or endpoint in TUS else 302
        return "login" if code == wanted else f"login via {code}"
    if code in (403, 404, 410):  # 410: a share link that was stopped or expired
        return "deny"
    if code >= 500:
        return f"error {code}"
    if method in SAFE:
        return "allow" if 200 <= code < 400 else f"status {code}"
    return "allow"


def fingerprint() -> dict[str, str]:
    """A digest per table of everything stored (less the columns every signed-in request touches)."""
    digests = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(*columns)))
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def changes(before: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    after = fingerprint()
    return sorted(name for name in after if after[name] != before[name]), after


def plan(w) -> list[tuple[str, str, str, str, dict | None]]:
    """``(endpoint, rule, method, url, body)`` for every rule, method and value of its ``any()`` parts."""
    entries = []
    for rule in sorted(w.app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        names = {**ARGS, **ARG_OVERRIDES.get(rule.endpoint, {})}
        fixed, choices = {}, {}
        for arg in sorted(rule.arguments):
            converter = rule._converters[arg]
            if hasattr(converter, "items"):  # any(...): every value it allows
                choices[arg] = sorted(converter.items)
                if rule.endpoint in ("media.rendition", "portfolios.rendition", "portfolios.shared_rendition"):
                    choices[arg] = [name for name in choices[arg] if name in w.renditions]
            elif arg == "filename":  # a file of the blueprint's (or the app's) static folder
                owner = w.app.blueprints[rule.endpoint.split(".")[0]] if "." in rule.endpoint else w.app
                folder = Path(owner.static_folder)
                fixed[arg] = min(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
            elif arg != "upload_id":
                fixed[arg] = getattr(w, names[arg])
        body = BODIES[rule.endpoint](w) if rule.endpoint in BODIES else None
        for method in methods_of(rule):
            for combo in itertools.product(*choices.values()):
                values = {**fixed, **dict(zip(choices, combo))}
                if "upload_id" in rule.arguments:
                    values["upload_id"] = w.upload_for((rule.endpoint, method))
                url = rule.build(values, append_unknown=False)[1]
                entries.append((rule.endpoint, rule.rule, method, url, body))
    return entries


def run_check(w, endpoint, rule, method, url, body, actor) -> Check:
    check = Check(endpoint, rule, method, actor, url, expected_for(endpoint, method)[actor])
    try:
        response, data = send(w, actor, method, url, endpoint=endpoint, body=body)
    except Exception as exc:  # noqa: BLE001  (a crash is a finding, not the end of the matrix)
        check.got = f"crash {type(exc).__name__}: {exc}"[:300]
        return check
    check.status = response.status_code
    check.got = classify(response, method, url, endpoint)
    if check.got == "allow" and method in SAFE:
        check.notes += [f"shows {mark}" for mark, readers in READERS_OF.items()
                        if actor not in readers and mark.encode() in data]
    return check


@pytest.fixture(scope="module")
def matrix(world):
    """Every check: safe requests, then unsafe ones, then signing out."""
    w = world
    started = time.perf_counter()
    checks: list[Check] = []
    with w.app.app_context():
        entries = plan(w)
        for endpoint, rule, method, url, body in (e for e in entries if e[2] in SAFE):
            checks += [run_check(w, endpoint, rule, method, url, body, actor) for actor in ACTORS]
        unsafe = [e for e in entries if e[2] not in SAFE]
        before = None  # the tables' digests, while no allowed request has changed them since
        for endpoint, rule, method, url, body in sorted(unsafe, key=lambda e: e[0] in LAST):
            for actor in UNSAFE_ORDER:
                if expected_for(endpoint, method)[actor] == "allow":
                    checks.append(run_check(w, endpoint, rule, method, url, body, actor))
                    before = None
                    continue
                before = before or fingerprint()
                check = run_check(w, endpoint, rule, method, url, body, actor)
                check.changed, before = changes(before)
                if check.changed:
                    check.notes.append("refused, but changed something")
                checks.append(check)
    return SimpleNamespace(checks=checks, seconds=time.perf_counter() - started)


def test_permission_matrix(matrix):
    checks = [c for c in matrix.checks if (c.endpoint, c.actor) not in BUGS]
    failures = [str(c) for c in checks if not c.ok]
    print(f"\n{len(matrix.checks)} (endpoint, method, actor) checks in {matrix.seconds:.1f} s")
    assert not failures, f"{len(failures)} of {len(checks)} checks failed:\n" + "\n".join(failures)
    covered = {(c.endpoint, c.actor) for c in matrix.checks}
    stale = [key for key in BUGS if not key[0].startswith("mismatch:") and key not in covered]
    assert not stale, f"BUGS entries for routes that no longer exist: {stale}"


# Mismatched ids and credentials -------------------------------------------------------------------------


@dataclass
class Case:
    """A request with an id or credential from elsewhere.  ``{name}`` in the URL, body or headers is the
    world's attribute; ``unchanged`` means any answer but a crash, as long as no table changes."""

    name: str
    actor: str
    method: str
    url: str
    expected: str = "deny"
    body: dict | None = None
    headers: dict | None = None
    endpoint: str = ""  # for the tus header
    token: str = ""  # the world's attribute holding the raw token to send instead of the actor's own
    via_page: bool = False  # send with the actor's signed-in page client (its cookie)


STALE_GRADE = {"version": 0, "status": "in_progress", "marks": {}}
LATER = "2030-01-01T09:00:00+00:00"
BUILDER = {"c0-id": "", "c0-title_en": "Story", "c0-l0-id": "", "c0-l0-name_en": "Good", "c0-l0-points": "5"}

CASES = [
    # A child id must belong to the parent in the URL.
    Case("submission of another project: review", "instr", "GET",
         "/projects/{team_project}/submissions/{submission}"),
    Case("submission of another project: grade", "instr", "POST",
         "/projects/{team_project}/submissions/{submission}/grade"),
    Case("submission of another project: release", "admin", "POST",
         "/projects/{team_project}/submissions/{submission}/release"),
    Case("submission of another project: comment", "admin", "POST",
         "/projects/{team_project}/submissions/{submission}/comments"),
    Case("submission of another project: receipt", "owner", "GET",
         "/projects/{team_project}/submissions/{submission}/attempts/1"),
    Case("submission of another project: API", "instr", "GET",
         "/api/v1/projects/{team_project}/submissions/{submission}"),
    Case("submission of another project: API assessment", "admin", "GET",
         "/api/v1/projects/{team_project}/submissions/{submission}/assessment"),
    Case("submission of another project: API grading", "instr", "PUT",
         "/api/v1/projects/{team_project}/submissions/{submission}/assessment", body=STALE_GRADE),
    Case("deliverable of another project: edit", "instr", "GET",
         "/projects/{project}/deliverables/{team_deliverable}/edit"),
    Case("deliverable of another project: delete", "admin", "POST",
         "/projects/{project}/deliverables/{team_deliverable}/delete"),
    Case("deliverable of another project: answer", "owner", "POST",
         "/projects/{project}/work/{team_deliverable}/answer", body={"text": "sneaked in"}),
    Case("deliverable of another project: upload", "owner", "POST",
         "/projects/{project}/work/{team_deliverable}/upload"),
    Case("team of another project", "instr", "GET", "/projects/{project}/teams/{team}"),
    Case("enrolment of another cohort", "admin", "POST",
         "/admin/cohorts/{cohort}/enrolments/{foreign_enrolment}/withdraw"),
    Case("attempt that does not exist", "owner", "GET",
         "/projects/{project}/submissions/{submission}/attempts/99"),
    Case("rubric version that does not exist", "instr", "GET",
         "/api/v1/projects/rubrics/{rubric}/versions/99"),
    # A team's submission is its members' (and its managers'), not the cohort's.
    Case("team's submission: a member's receipt", "mate", "GET",
         "/projects/{team_project}/submissions/{team_submission}/attempts/1", expected="allow"),
    Case("team's submission: not a member's receipt", "other", "GET",
         "/projects/{team_project}/submissions/{team_submission}/attempts/1"),
    Case("team's submission: a member's API", "mate", "GET",
         "/api/v1/projects/{team_project}/submissions/{team_submission}", expected="allow"),
    Case("team's submission: not a member's API", "other", "GET",
         "/api/v1/projects/{team_project}/submissions/{team_submission}"),
    Case("team's submission: not a member's workspace", "other", "GET", "/projects/{team_project}/work"),
    # Another trainee's files and uploads.
    Case("another trainee's media: page", "owner", "GET", "/media/{other_media}"),
    Case("another trainee's media: download", "owner", "GET", "/media/{other_media}/download"),
    Case("another trainee's media: status", "owner", "GET", "/media/{other_media}/status"),
    Case("another trainee's media: poster", "owner", "POST", "/media/{other_media}/poster"),
    Case("a trainee's own check upload is not coursework", "instr", "GET", "/media/{other_media}"),
    Case("another trainee's upload: offset", "owner", "HEAD", "/media/uploads/{other_upload}",
         endpoint="media.upload"),
    Case("another trainee's upload: bytes", "owner", "PATCH", "/media/uploads/{other_upload}",
         endpoint="media.upload"),
    Case("another trainee's upload: delete", "owner", "DELETE", "/media/uploads/{other_upload}",
         endpoint="media.upload"),
    Case("another trainee's upload: API delete", "admin", "DELETE", "/api/v1/uploads/{other_upload}",
         endpoint="uploads_api.UploadById"),
    Case("another trainee's upload: still there", "other", "HEAD", "/media/uploads/{other_upload}",
         expected="allow", endpoint="media.upload"),
    # Another cohort's project, a draft, a withdrawn trainee.
    Case("another cohort's project", "owner", "GET", "/projects/{cohort2_project}"),
    Case("another cohort's project: control", "foreign", "GET", "/projects/{cohort2_project}",
         expected="allow"),
    Case("another cohort's project: form upload", "owner", "POST",
         "/projects/{cohort2_project}/work/{cohort2_deliverable}/upload"),
    Case("another cohort's project: resumable upload", "owner", "POST", "/media/uploads/",
         endpoint="media.uploads", headers={"Upload-Length": "10", "Upload-Metadata": "{cohort2_metadata}"}),
    Case("another cohort's project: API", "instr", "GET", "/api/v1/projects/{cohort2_project}"),
    Case("another cohort's gradebook", "instr", "GET", "/projects/cohorts/{cohort2}/gradebook.csv"),
    Case("a draft project", "owner", "GET", "/projects/{draft_project}"),
    Case("a draft project: API", "other", "GET", "/api/v1/projects/{draft_project}"),
    Case("a draft project: hand in", "other", "POST", "/projects/{draft_project}/work/submit"),
    Case("a draft project: control", "instr", "GET", "/projects/{draft_project}", expected="allow"),
    Case("a withdrawn trainee: project", "leaver", "GET", "/projects/{project}"),
    Case("a withdrawn trainee: workspace", "leaver", "GET", "/projects/{project}/work"),
    Case("a withdrawn trainee: API", "leaver", "GET", "/api/v1/projects/{project}"),
    Case("a withdrawn trainee: cohort API", "leaver", "GET", "/api/v1/cohorts/{cohort}"),
    # Once released, a grade is its trainee's too, and still nobody else's in the cohort.
    Case("a released grade: its trainee", "owner", "GET",
         "/api/v1/projects/{project}/submissions/{submission}/assessment", expected="allow"),
    Case("a released grade: another trainee", "other", "GET",
         "/api/v1/projects/{project}/submissions/{submission}/assessment"),
    # Credentials.
    Case("a revoked API token", "owner", "GET", "/api/v1/me", expected="login", token="revoked_token"),
    Case("an expired API token", "owner", "GET", "/api/v1/me", expected="login", token="expired_token"),
    Case("a malformed API token", "owner", "GET", "/api/v1/me", expected="login", token="malformed_token"),
    Case("a disabled user's API token", "gone", "GET", "/api/v1/me", expected="login"),
    Case("a disabled user's session", "gone", "GET", "/dashboard", expected="login"),
    Case("a session cookie is not an API credential", "owner", "GET", "/api/v1/me", expected="login",
         via_page=True),
    Case("a read-only token cannot write", "instr", "POST", "/api/v1/projects/{project}/release",
         token="read_token"),
    # Ids from elsewhere in a form or body: refused, or at least nothing changes.
    Case("extension for a trainee of another cohort: API", "instr", "POST",
         "/api/v1/projects/{project}/extensions", expected="unchanged",
         body={"user_id": "{foreign_id}", "due_at": LATER, "reason": "Matrix"}),
    Case("extension for a team of another project: API", "instr", "POST",
         "/api/v1/projects/{project}/extensions", expected="unchanged",
         body={"team_id": "{team}", "due_at": LATER, "reason": "Matrix"}),
    Case("extension for a trainee of another cohort: page", "instr", "POST", "/projects/{project}/extensions",
         expected="unchanged", body={"target": "user:{foreign_id}", "due_at": "2030-01-01T09:00",
                                     "reason": "Matrix"}),
    Case("team with a trainee of another cohort", "instr", "POST", "/projects/{team_project}/teams",
         expected="unchanged", body={"name": "Team B", "members": "{foreign_id}"}),
    Case("copy into a cohort not taught", "instr", "POST", "/projects/{project}/copy", expected="unchanged",
         body={"cohort_id": "{cohort2}"}),
    Case("timed comment on another trainee's file", "instr", "POST",
         "/projects/{project}/submissions/{submission}/comments", expected="unchanged",
         body={"media_id": "{other_media}", "seconds": "1", "text": "Look here"}),
    Case("rubric of a programme not taught: attach", "instr", "POST", "/projects/{project}/rubric",
         body={"rubric_id": "{other_rubric}"}),
    Case("rubric of a programme not taught: export", "instr", "GET",
         "/projects/rubrics/{other_rubric}/export.json"),
    Case("rubric of a programme not taught: new version by import", "instr", "POST",
         "/projects/rubrics/import",
         body={"rubric_id": "{other_rubric}", "file": "{rubric_file}"}),
    Case("rubric of a programme not taught: API", "instr", "GET", "/api/v1/projects/rubrics/{other_rubric}"),
    Case("rubric of a programme not taught: API delete", "instr", "DELETE",
         "/api/v1/projects/rubrics/{other_rubric}"),
    # New rubrics go to a programme their author teaches; only admins make shared ones.
    Case("rubric for a programme not taught: page", "instr", "POST", "/projects/rubrics/new",
         body={"programme_id": "{other_programme}", "title_en": "Theirs", **BUILDER}),
    Case("rubric for a programme not taught: import", "instr", "POST", "/projects/rubrics/import",
         body={"programme_id": "{other_programme}", "file": "{rubric_file}"}),
    Case("rubric for a programme not taught: API", "instr", "POST", "/api/v1/projects/rubrics",
         body={"programme_id": "{other_programme}", "title_en": "Theirs", **RUBRIC}),
    Case("shared rubric by an instructor: page", "instr", "POST", "/projects/rubrics/new",
         body={"title_en": "Everyone's", **BUILDER}),
    Case("shared rubric by an instructor: import", "instr", "POST", "/projects/rubrics/import",
         body={"file": "{rubric_file}"}),
    Case("shared rubric by an instructor: API", "instr", "POST", "/api/v1/projects/rubrics",
         body={"programme_id": None, "title_en": "Everyone's", **RUBRIC}),
    # Portfolios: nobody but the owner sees an unpublished item or its files, whatever the door.
    Case("portfolio: published item's poster, control", "employer", "GET",
         "/portfolio/{portfolio}/items/{item}/poster.jpg", expected="allow"),
    Case("portfolio: unpublished item's poster, employer", "employer", "GET",
         "/portfolio/{portfolio}/items/{hidden_item}/poster.jpg"),
    Case("portfolio: unpublished item's poster, admin", "admin", "GET",
         "/portfolio/{portfolio}/items/{hidden_item}/poster.jpg"),
    Case("portfolio: unpublished item's poster, instructor", "instr", "GET",
         "/portfolio/{portfolio}/items/{hidden_item}/poster.jpg"),
    Case("portfolio: unpublished item through a link", "anon", "GET",
         "/portfolio/l/{share_token}/items/{hidden_item}/poster.jpg"),
    Case("portfolio: unpublished item through the API", "employer", "GET",
         "/api/v1/portfolios/me/items/{hidden_item}"),
    Case("portfolio: a live link, control", "anon", "GET", "/portfolio/l/{share_token}", expected="allow"),
    Case("portfolio: a revoked link", "anon", "GET", "/portfolio/l/{revoked_share_token}"),
    Case("portfolio: a revoked link's video", "anon", "GET",
         "/portfolio/l/{revoked_share_token}/items/{item}/poster.jpg"),
    Case("portfolio: an expired link", "anon", "GET", "/portfolio/l/{expired_share_token}"),
    Case("portfolio: an expired link's video", "anon", "GET",
         "/portfolio/l/{expired_share_token}/items/{item}/poster.jpg"),
    Case("portfolio: a token that was never issued", "anon", "GET", "/portfolio/l/{malformed_token}"),
    Case("portfolio: this item under another portfolio", "employer", "GET",
         "/portfolio/{other_portfolio}/items/{item}/poster.jpg"),
    Case("portfolio: this item through another trainee's link", "anon", "GET",
         "/portfolio/l/{other_share_token}/items/{item}/poster.jpg"),
    Case("portfolio: the item's upload itself", "employer", "GET", "/media/{media}/download"),
    Case("portfolio: another trainee edits the item", "other", "POST", "/portfolio/items/{item}/unpublish"),
    Case("portfolio: another trainee revokes the link", "other", "POST", "/portfolio/links/{spare_link}/revoke"),
    Case("portfolio: another trainee's API delete", "other", "DELETE", "/api/v1/portfolios/me/items/{item}",
         endpoint="portfolios_api.OwnItemRemoval"),
    Case("portfolio: a pending employer's API read", "pending", "GET", "/api/v1/portfolios/{portfolio}"),
    Case("certificate: another trainee's", "other", "GET", "/certificates/{completion}"),
    Case("certificate: another trainee's API", "other", "GET", "/api/v1/completions/{completion}"),
    # Careers: another employer's interest; one not passed on to the trainee yet; trainees who did not opt in.
    Case("another employer's interest: page", "employer", "GET", "/careers/interests/{rival_interest}"),
    Case("another employer's interest: API", "employer", "GET", "/api/v1/careers/interests/{rival_interest}"),
    Case("another employer's interest: withdraw", "employer", "POST", "/careers/interests/{rival_interest}/step",
         body={"action": "withdraw"}),
    Case("another employer's interest: API withdraw", "employer", "POST",
         "/api/v1/careers/interests/{rival_interest}/steps", body={"action": "withdraw"}),
    Case("an interest not passed on yet: its trainee", "owner", "GET", "/careers/interests/{rival_interest}"),
    Case("an interest not passed on yet: accept", "owner", "POST", "/careers/interests/{rival_interest}/step",
         body={"action": "accept"}),
    Case("an interest not passed on yet: API accept", "owner", "POST",
         "/api/v1/careers/interests/{rival_interest}/steps", body={"action": "accept"}),
    Case("an interest passed on: its trainee", "owner", "GET", "/careers/interests/{interest}", expected="allow"),
    Case("a trainee who did not opt in: interest page", "employer", "GET", "/careers/trainees/{other_id}/interest"),
    Case("a trainee who did not opt in: interest", "employer", "POST", "/careers/trainees/{other_id}/interest",
         body={"role_title": "Matrix"}),
    Case("a trainee who did not opt in: API interest", "employer", "POST", "/api/v1/careers/interests",
         body={"trainee_id": "{other_id}", "role_title": "Matrix"}),
    Case("not a trainee: interest", "employer", "POST", "/careers/trainees/{liaison_id}/interest",
         body={"role_title": "Matrix"}),
    Case("a pending employer: interest", "pending", "POST", "/careers/trainees/{owner_id}/interest",
         body={"role_title": "Matrix"}),
    Case("a pending employer: API interest", "pending", "POST", "/api/v1/careers/interests",
         body={"trainee_id": "{owner_id}", "role_title": "Matrix"}),
    Case("a pending employer: API search", "pending", "GET", "/api/v1/careers/search"),
    Case("an employer deciding on employers: API", "employer", "POST",
         "/api/v1/careers/employers/{employer_id}/decision",
         body={"decision": "approved"}),
]


def _fill(value, w):
    """*value* with ``{name}`` replaced by the world's attribute (kept as it is when it is all of it)."""
    if isinstance(value, dict):
        return {k: _fill(v, w) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    name = value[1:-1]
    if value == f"{{{name}}}" and name.isidentifier():
        found = getattr(w, name)
        return (io.BytesIO(found), "rubric.json") if isinstance(found, bytes) else found
    return value.format_map(vars(w))


def _mismatch_world(w) -> None:
    """What only the mismatch cases need, and fresh sessions (the matrix signed everyone out)."""
    from lms.api.services import create_token, revoke_token
    from lms.auth.services import hasher
    from lms.db import utcnow
    from lms.programmes import services as programmes
    from lms.programmes.models import Cohort, Enrolment
    from lms.users.models import Role, User
    from lms.users.services import disable_user
    from media import services as media_services
    from media.tus import format_metadata
    from projects.coursework import services, submissions
    from projects.coursework.models import Project, Team
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import Assessment, MarkingStatus

    db = _db
    user = {name: db.session.get(User, w.user_ids[name])
            for name in ("owner", "other", "mate", "instr", "instr2", "admin")}
    cohort, cohort2 = db.session.get(Cohort, w.cohort), db.session.get(Cohort, w.cohort2)
    w.other_programme = programmes.create_programme(code="MZ", name_ko="다른 과정", name_en="Other").id
    w.other_rubric = rubrics.create_rubric(programme_id=w.other_programme, title_ko="다른 평가",
                                           title_en="Their rubric", data=RUBRIC, by=user["admin"]).id
    w.rubric_file = json.dumps({"title_en": "Imported", **RUBRIC}).encode()
    w.foreign_id = w.user_ids["foreign"]
    _careers_mismatch_world(w)
    due = utcnow() + timedelta(days=7)
    theirs = services.create_project(cohort2, user["instr2"], title_en="Their film", title_ko="영상",
                                     due_at=due)
    services.save_deliverable(theirs, **VIDEO)
    services.publish_project(theirs)
    draft = services.create_project(cohort, user["instr"], title_en="Draft", title_ko="초안", due_at=due)
    services.save_deliverable(draft, **NOTE)
    w.cohort2_project, w.cohort2_deliverable, w.draft_project = theirs.id, theirs.deliverables[0].id, draft.id
    w.cohort2_metadata = format_metadata({"filename": "cut.mp4",
                                          "context": f"deliverable:{w.cohort2_deliverable}"})
    w.other_upload = media_services.start_upload(user["other"], 10,
                                                 {"filename": "a.mp4", "context": "check:any"}).id

    # The matrix's empty POST to the team page left the team without members: put them back.
    team_project = db.session.get(Project, w.team_project)
    services.save_team(team_project, "Team A", [user["owner"], user["mate"]], db.session.get(Team, w.team))
    team_submission = submissions.submission_for(team_project, user["owner"], create=True)
    submissions.save_answer(team_submission, team_project.deliverables[0], text="Our note")
    submissions.save_declarations(team_submission, ai_used=False)
    submissions.submit(team_submission, user["owner"], statement_accepted=True)
    w.team_submission = team_submission.id
    assessment = db.session.get(Assessment, w.assessment)
    if assessment.status is not MarkingStatus.RELEASED:  # the matrix's instructors have released it, or not
        assessment.status = MarkingStatus.READY
        marking.release([assessment], user["instr"])

    extra = {name: User(role=Role.TRAINEE, email=f"{name}@matrix.example.org", name=f"Matrix {name}",
                        locale="en", password_hash=hasher().hash(PASSWORD)) for name in ("leaver", "gone")}
    db.session.add_all(extra.values())
    db.session.flush()
    for person in extra.values():
        programmes.enrol_trainee(cohort, person)
    db.session.flush()
    leaving = select(Enrolment).where(Enrolment.user_id == extra["leaver"].id)
    programmes.withdraw_enrolment(db.session.scalar(leaving))
    for name, person in [*extra.items(), ("mate", user["mate"])]:
        w.tokens[name] = create_token(person, "matrix", "read write")[1]
    revoked, w.revoked_token = create_token(user["owner"], "revoked", "read write")
    revoke_token(revoked)
    expired, w.expired_token = create_token(user["owner"], "expired", "read write")
    expired.expires_at = utcnow() - timedelta(minutes=1)
    w.read_token = create_token(user["instr"], "read only", "read")[1]
    w.malformed_token = "gbp_" + "A" * 43
    db.session.commit()
    for name in ("owner", "other", "foreign", "instr", "admin", "mate", "leaver", "gone", "employer", "pending"):
        w.clients[name] = _login(w.app, w.emails.get(name) or extra[name].email)
    disable_user(db.session.get(User, extra["gone"].id), None)  # signed in and holding a token
    _portfolio_mismatch_world(w)
    db.session.commit()


def _careers_mismatch_world(w) -> None:
    """Another approved employer's interest in the owner, not passed on yet; ids of people not to be reached."""
    from lms.auth.services import hasher
    from lms.users.models import Role, User
    from projects.careers.models import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus

    db = _db
    rival = User(role=Role.EMPLOYER, email="rival@matrix.example.org", name="Matrix rival", locale="en",
                 password_hash=hasher().hash(PASSWORD))
    db.session.add(rival)
    db.session.flush()
    employer = Employer(user_id=rival.id, company="Rival Co", business_number="1248100998",
                        status=EmployerStatus.APPROVED)
    interest = Interest(employer=employer, trainee_id=w.owner_id, role_title="Theirs", status=InterestStatus.SUBMITTED)
    interest.events = [InterestEvent(status=InterestStatus.SUBMITTED)]
    db.session.add_all([employer, interest])
    db.session.flush()
    w.rival_interest, w.other_id, w.liaison_id = interest.id, w.user_ids["other"], w.user_ids["liaison"]


def _portfolio_mismatch_world(w) -> None:
    """The matrix's owner hid the published item again (its last ``item_action``) and made the portfolio
    private (the API's PUT): publish and share it again; and a third trainee's portfolio, shared by link, to
    send this portfolio's item ids to."""
    from lms.users.models import Role, User
    from projects.portfolios import services as portfolios
    from projects.portfolios.models import PortfolioItem, Visibility

    db = _db
    item = db.session.get(PortfolioItem, w.item)
    portfolios.set_published(item, True)
    item.portfolio.visibility = Visibility.LINK
    # Making it private stopped its links for good (setting "link" again reopens none): a new one.
    _live, w.share_token = portfolios.create_link(item.portfolio, recipient="Matrix HR again", days=30)
    sharer = User(role=Role.TRAINEE, email="sharer@matrix.example.org", name="Matrix sharer", locale="en")
    db.session.add(sharer)
    db.session.flush()
    theirs = portfolios.portfolio_of(sharer, create=True)
    theirs.visibility = Visibility.LINK
    _link, w.other_share_token = portfolios.create_link(theirs, recipient="Theirs", days=3)
    db.session.commit()
    w.other_portfolio = theirs.id


def run_case(w, case: Case) -> Check:
    url, body, headers = _fill(case.url, w), _fill(case.body, w), _fill(case.headers, w)
    check = Check(f"mismatch:{case.name}", case.url, case.method, case.actor, url, case.expected)
    assert not (case.expected == "unchanged" and case.method in SAFE), case.name
    before = fingerprint() if case.method not in SAFE else None
    kwargs = {"token": getattr(w, case.token)} if case.token else {}
    if case.via_page:
        kwargs = {"token": None, "client": w.clients[case.actor]}
    try:
        response, _data = send(w, case.actor, case.method, url, endpoint=case.endpoint, body=body,
                               headers=headers, **kwargs)
    except Exception as exc:  # noqa: BLE001
        check.got = f"crash {type(exc).__name__}: {exc}"[:300]
        return check
    check.status = response.status_code
    check.got = classify(response, case.method, url, case.endpoint)
    if case.expected == "unchanged" and check.got in ("allow", "deny"):
        check.got = "unchanged"  # decided by what changed, below
    if before is not None:
        check.changed, _after = changes(before)
        if check.changed and check.got in ("deny", "login", "unchanged"):
            check.notes.append("refused, but changed something")
    return check


@pytest.fixture(scope="module")
def mismatches(world, matrix):
    """The cases' checks; run after the matrix, whose state changes they do not depend on."""
    with world.app.app_context():
        _mismatch_world(world)
        return [run_case(world, case) for case in CASES]


def test_mismatched_ids_and_credentials_are_refused(mismatches):
    checks = [c for c in mismatches if (c.endpoint, c.actor) not in BUGS]
    failures = [str(c) for c in checks if not c.ok]
    assert not failures, f"{len(failures)} of {len(checks)} cases failed:\n" + "\n".join(failures)
    names = {f"mismatch:{case.name}" for case in CASES}
    assert len(names) == len(CASES), "case names must be unique"
    unknown = [key for key in BUGS if key[0].startswith("mismatch:") and key[0] not in names]
    assert not unknown, f"BUGS entries for cases that no longer exist: {unknown}"


# Defined only while there are known bugs: an empty parametrisation would only report a skip.
if BUGS:
    @pytest.mark.parametrize("endpoint,actor", [
        pytest.param(endpoint, actor, marks=pytest.mark.xfail(strict=True, reason=f"BUG: {reason}"),
                     id=f"{endpoint}-{actor}") for (endpoint, actor), reason in BUGS.items()])
    def test_known_bug(request, endpoint, actor):
        """Each known bug alone: xfail while the code gets it wrong, XPASS (strict: a failure) once fixed."""
        if endpoint.startswith("mismatch:"):
            checks = request.getfixturevalue("mismatches")
        else:
            checks = request.getfixturevalue("matrix").checks
        mine = [c for c in checks if c.endpoint == endpoint and c.actor == actor]
        assert mine, f"no check for {endpoint} as {actor}"
        assert all(c.ok for c in mine), "\n".join(str(c) for c in mine if not c.ok)
