"""The permission matrix: every route, every method it accepts, every kind of visitor.

The policy is :mod:`tests.access_policy`; this is the harness.  One world is built per module: a programme
with two cohorts; a published project with a text and a video deliverable, a submission handed in by its
owner (with a real, processed video), a graded but unreleased assessment, a rubric, an extension and a
notification; a team project with a team; an API token per actor.  Every rule of ``app.url_map`` is then
requested by every actor, and the answer's class is compared with :data:`~tests.access_policy.EXPECTED`.

Safe requests go first, then the others (the actors expected to be refused first; a refused request must
leave every table as it was), then signing out.  Flask's automatic HEAD (beside GET) and OPTIONS are left
out; methods a view declares itself are in.

A route with no entry in the policy fails :func:`test_every_route_has_an_entry`.  Where the code breaks
a rule, the expectation stays right and the pair is listed in :data:`~tests.access_policy.BUGS`: the main
tests leave it out and :func:`test_known_bug` checks it alone as ``xfail(strict=True)``, so that fixing the
bug fails it until the entry is removed.
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
from sqlalchemy import select

from lms import create_app
from lms.extensions import db as _db
from tests.access_policy import (
    ACTORS,
    ANSWER_MARK,
    BUGS,
    CASES,
    EXPECTED,
    FEEDBACK_MARK,
    HIDDEN_MARK,
    LINK_READS,
    OUTCOMES,
    READERS_OF,
    RUBRIC,
    SIGNED_IN,
    TITLE_MARK,
    Case,
)
from tests.fixtures.app import IsolatedClient, app_config, truncate_all
from tests.fixtures.users import PASSWORD

SAFE = {"GET", "HEAD", "OPTIONS"}
WRITES = {"POST", "PUT", "PATCH"}


#: URL argument -> the world's attribute holding its value.
ARGS = {
    "project_id": "project",
    "submission_id": "submission",
    "media_id": "media",
    "rubric_id": "rubric",
    "deliverable_id": "text_deliverable",
    "cohort_id": "cohort",
    "programme_id": "programme",
    "user_id": "owner_id",
    "team_id": "team",
    "token_id": "spare_token",
    "number": "attempt_number",
    "enrolment_id": "victim_enrolment",
    "token": "invite_token",
    "employer_id": "employer_id",
    "interest_id": "interest",
    "portfolio_id": "portfolio",
    "item_id": "item",
    "link_id": "spare_link",
    "completion_id": "completion",
    "code": "completion_code",
    "achievement_id": "achievement",
    "definition_id": "achievement",
    "badge_id": "badge",
    "platform_id": "lti_platform",
    "context_id": "lti_context",
    "launch_id": "lti_launch",
    "session_id": "attendance_session",
    "excuse_id": "excuse",
    "holiday_id": "holiday_change",
    "track_id": "caption_track",
    "review_id": "peer_review",
    "example_id": "peer_example",
    "evidence_id": "korean_evidence",
    "pack_id": "evidence_pack",
    "comment_id": "peer_comment",
    "locale": "brief_locale",
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
    "portfolios.shared_caption_track": {"token": "share_token"},
    "calendar.feed": {"token": "calendar_token"},
    "notifications.unsubscribe": {"token": "unsubscribe_token"},
    "portfolios.remove_item": {"item_id": "spare_item"},
    "portfolios_api.OwnItemRemoval": {"item_id": "spare_item2"},
    "attendance.scan": {"code": "checkin_code"},
    "credentials.credential_json": {"code": "credential_code"},
    "evidence.shared": {"token": "evidence_token"},
    "evidence.shared_download": {"token": "evidence_token"},
    "evidence.verify_code": {"code": "evidence_code"},
    "evidence.revoke_link": {"link_id": "evidence_spare_link"},
    "evidence.revoke_pack": {"pack_id": "evidence_spare_pack"},
    "evidence.delete_pack": {"pack_id": "evidence_draft_pack"},
    "evidence_api.PackRevocation": {"pack_id": "evidence_spare_pack"},
    "evidence_api.PackLinkById": {"link_id": "evidence_spare_link"},
    "projects.peer_setup": {"project_id": "peer_project"},
    "projects.peer_allocate": {"project_id": "peer_project"},
    "projects.peer_add_example": {"project_id": "peer_project"},
    "projects.peer_new_example": {"project_id": "peer_project"},
    "projects.peer_example_reference": {"project_id": "peer_project"},
    "projects.peer_remove_example": {"project_id": "peer_project"},
    "projects.peer_override": {"project_id": "peer_project", "submission_id": "peer_work"},
    "projects.peer_reviews": {"project_id": "peer_project"},
    "projects.peer_review": {"project_id": "peer_project"},
    "projects.peer_practise": {"project_id": "peer_project"},
    "projects.peer_add_comment": {"project_id": "peer_project"},
    "projects.peer_edit_comment": {"project_id": "peer_project"},
    "projects.peer_remove_comment": {"project_id": "peer_project"},
    "projects.peer_allocation": {"project_id": "peer_project"},
    "projects.peer_reallocate": {"project_id": "peer_project"},
    "projects_api.PeerReviews": {"project_id": "peer_project"},
    "projects_api.PeerReviewOne": {"project_id": "peer_project"},
    "projects_api.PeerReviewComments": {"project_id": "peer_project"},
    "projects_api.PeerReviewComment": {"project_id": "peer_project"},
    "projects_api.PeerRound": {"project_id": "peer_project"},
    "projects_api.PeerExamples": {"project_id": "peer_project"},
    "projects_api.PeerExampleOne": {"project_id": "peer_project"},
}
MATRIX_STAGE = {"kind": "korean_stage", "name_ko": "Matrix", "korean_scale": "kiip", "korean_level": 5}
#: Minimal bodies where an empty one would be turned away before the permission check (the API validates
#: the body first): valid, and harmless where possible (a stale version, no target).
BODIES = {
    "attendance_api.SessionMarks": lambda w: {"user_id": w.owner_id, "mark": "present", "reason": "Matrix"},
    "attendance_api.SessionLog": lambda w: {"content": "Matrix"},
    "projects.peer_add_example": lambda w: {"submission_id": w.peer_work},
    # The world's example was practised on and these bodies mark nothing: a new reference for it, or its
    # removal, is refused after the permission check (nothing changes).
    "projects.peer_new_example": lambda w: {"submission_id": w.peer_work},
    "projects_api.PeerExamples": lambda w: {"submission_id": w.peer_work, "reference": {}},
    "projects_api.PeerExampleOne": lambda w: {"reference": {}},
    "projects_api.PeerReviewOne": lambda w: {"version": 0, "marks": {}},
    "projects_api.PeerReviewComments": lambda w: {"media_id": w.media, "seconds": 1, "text": "Matrix"},
    "projects.edit_rubric": lambda w: {"programme_id": w.programme},
    "projects.project_rubric": lambda w: {"rubric_id": w.rubric},
    "projects.adjust": lambda w: {"user_id": w.owner_id},
    "programmes_api.Enrolments": lambda w: {"user_id": w.victim_id},
    "projects_api.AssessmentOfSubmission": lambda w: {"version": 0, "status": "in_progress", "marks": {}},
    "projects_api.Extensions": lambda w: {"due_at": "2030-01-01T09:00:00+00:00", "reason": "Matrix"},
    "projects_api.Deliverables": lambda w: {"kind": "text", "name_en": "Matrix"},
    "projects_api.RubricById": lambda w: {"criteria": []},
    "projects_api.Rubrics": lambda w: {"criteria": [], "programme_id": w.programme},
    "users_api.UserById": lambda w: {"active": True},
    "captions_api.Tracks": lambda w: {
        "vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMatrix\n",
        "language": "ko",
    },
    "users_api.Users": lambda w: {"email": "new@matrix.example.org", "name": "New", "role": "trainee"},
    # A pending employer cannot be suspended; the owner already has the employer's open interest; the world's
    # interest is forwarded already: each is refused after the permission check, and nothing changes.
    "careers_api.EmployerDecision": lambda w: {"decision": "suspended", "reason": "Matrix"},
    "careers_api.Interests": lambda w: {"trainee_id": w.owner_id, "role_title": "Matrix"},
    "careers_api.InterestSteps": lambda w: {"action": "forward"},
    # The world's media is no PDF or image, and a rejection needs a reason: both refused after the check.
    "korean_api.Evidence": lambda w: {"scale": "kiip", "level": 2, "media_id": w.media},
    "korean_api.EvidenceDecision": lambda w: {"verify": False},
    "korean_api.EvidenceShare": lambda w: {"shared": False},
    # Every trainee's PUT keeps their portfolio private (no trainee opts in by it); _portfolio_mismatch_world
    # shares the owner's by link again.
    "portfolios_api.OwnPortfolio": lambda w: {"visibility": "private", "headline_en": "Matrix"},
    # Refused after the permission check: no such released attempt; already completed; the link is made (the
    # owner's portfolio is shared by link) or refused (the others' are not).
    "portfolios_api.OwnItems": lambda w: {"attempt_id": 0},
    "portfolios_api.OwnLinks": lambda w: {"recipient": "Matrix"},
    "completions_api.Completions": lambda w: {
        "user_id": w.owner_id,
        "cohort_id": w.cohort,
        "completed_on": date.today().isoformat(),
    },
    "completions_api.CompletionRevoke": lambda w: {"reason": "Matrix"},
    # An inactive Korean stage: administrators define one more, nobody is awarded it.
    "credentials_api.Achievements": lambda w: {**MATRIX_STAGE, "active": False},
    "credentials_api.AchievementById": lambda w: MATRIX_STAGE,
}
TUS = {"media.uploads", "media.upload", "uploads_api.Uploads", "uploads_api.UploadById"}
#: Sent after everything else: it ends the session, and its success is a redirect to the sign-in page.
LAST = {"auth.logout"}
#: Unsafe requests go from the actors expected to be refused to those allowed: a refused request that
#: changed something is seen before an allowed one changes things on purpose.
UNSAFE_ORDER = (
    "anon",
    "other",
    "foreign",
    "instr2",
    "pending",
    "employer",
    "liaison",
    "instr",
    "admin",
    "owner",
)
#: Text planted in the world -> the actors who may read it in any answer.
#: Columns that signed-in requests touch as a matter of course.
VOLATILE_COLUMNS = {"last_used_at", "last_seen_at"}

VIDEO = {"name_en": "Final cut", "name_ko": "최종본", "kind": "video", "spec": {"require_audio": True}}
NOTE = {"name_en": "Director's note", "name_ko": "연출 노트", "kind": "text"}
#: Routes whose ``any()`` part names a rendition: only those the world's video has are requested.
RENDITION_ROUTES = ("media.rendition", "portfolios.rendition", "portfolios.shared_rendition")
RENDITIONS = {
    "poster.jpg": "poster",
    "display.jpg": "display",
    "sprite.jpg": "sprite",
    "thumbnails.vtt": "vtt",
    "preview.mp4": "preview",
    "preview.webm": "preview",
}


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
    app = create_app(app_config("sqlite://"), instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_every_route_has_an_entry(bare_app):
    """A new route without an entry in the matrix fails here, and so does an entry without a route."""
    missing = unlisted_routes(bare_app)
    assert not missing, f"routes with no entry in EXPECTED (add one to tests/access_policy.py): {missing}"
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


@pytest.fixture(scope="module")
def world(tmp_path_factory, postgres_url, media):
    """The app, the ids of everything in it, a signed-in page client and an API token per actor."""
    tmp = tmp_path_factory.mktemp("matrix")
    app = create_app(
        app_config(postgres_url or f"sqlite:///{tmp / 'test.sqlite'}"), instance_path=str(tmp / "instance")
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        if not postgres_url:
            _db.create_all()
        w = _build_world(app, media)
    yield w
    with app.app_context():
        if postgres_url:
            truncate_all()
        _db.engine.dispose()


def _login(app, email: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _build_world(app, media) -> SimpleNamespace:
    from lms.api.services import create_token
    from lms.auth.models import TokenPurpose
    from lms.auth.services import hasher, issue_link_token
    from lms.db import utcnow
    from lms.notifications.services import notify
    from lms.programmes import services as programmes
    from lms.programmes.models import Enrolment
    from lms.users.models import Role, User
    from media import caption_services
    from media import services as media_services
    from media.models import CaptionKind, MediaFile, MediaStatus
    from projects.coursework import services, submissions
    from projects.coursework.models import DraftItem
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus
    from projects.peer import services as peer_services
    from projects.peer.models import PeerCalibration, PeerExample, PeerReview, PeerTimedComment

    db = _db
    w = SimpleNamespace(app=app)
    roles = {
        "owner": "trainee",
        "other": "trainee",
        "foreign": "trainee",
        "mate": "trainee",
        "victim": "trainee",
        "invitee": "trainee",
        "instr": "instructor",
        "instr2": "instructor",
        "employer": "employer",
        "pending": "employer",
        "liaison": "liaison",
        "admin": "admin",
    }
    users = {
        name: User(
            role=Role(role),
            email=f"{name}@matrix.example.org",
            name=f"Matrix {name}",
            locale="en",
            password_hash=None if name == "invitee" else hasher().hash(PASSWORD),
        )
        for name, role in roles.items()
    }
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

    rubric = rubrics.create_rubric(
        programme_id=programme.id,
        title_ko="영상 평가",
        title_en="Film rubric",
        data=RUBRIC,
        by=users["instr"],
    )
    due = utcnow() + timedelta(days=7)
    project = services.create_project(
        cohort,
        users["instr"],
        title_en=f"Brand film {TITLE_MARK}",
        title_ko=f"브랜드 영상 {TITLE_MARK}",
        self_assessment=True,
        due_at=due,
    )
    services.save_deliverable(project, **NOTE)
    services.save_deliverable(project, **VIDEO)
    services.publish_project(project)
    rubrics.attach(project, rubric.latest)
    team_project = services.create_project(
        cohort, users["instr"], title_en="Team film", title_ko="팀 영상", team_mode=True, due_at=due
    )
    services.save_deliverable(team_project, **NOTE)
    services.publish_project(team_project)
    team = services.save_team(team_project, "Team A", [users["owner"], users["mate"]])
    db.session.commit()
    w.rubric, w.project, w.team_project, w.team = rubric.id, project.id, team_project.id, team.id
    text_deliverable, video_deliverable = project.deliverables
    w.text_deliverable, w.team_deliverable = text_deliverable.id, team_project.deliverables[0].id

    # The owner's video goes through the real upload form and the media checks.
    owner_client = _login(app, users["owner"].email)
    response = owner_client.post(
        f"/projects/{project.id}/work/{video_deliverable.id}/upload",
        data={"file": (io.BytesIO(media["h264_aac.mp4"].read_bytes()), "cut.mp4")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    item = db.session.scalar(select(DraftItem).where(DraftItem.deliverable_id == video_deliverable.id))
    assert item.media is not None and item.media.status is MediaStatus.READY
    w.media = item.media_id
    submission = submissions.submission_for(project, users["owner"], create=True)
    submissions.save_answer(submission, text_deliverable, text=ANSWER_MARK)
    submissions.save_declarations(submission, ai_used=False)
    attempt = submissions.submit(submission, users["owner"], statement_accepted=True)
    assessment = marking.start_assessment(submission, users["instr"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
        feedback=FEEDBACK_MARK,
        status=MarkingStatus.READY,
        by=users["instr"],
    )
    services.grant_extension(
        project,
        granted_by=users["instr"],
        user=users["owner"],
        reason="Illness",
        due_at=due + timedelta(days=3),
        cutoff_at=None,
    )
    notify(users["owner"], lambda: "Matrix notification", "/dashboard", email=False)
    db.session.commit()
    w.submission, w.attempt_number, w.assessment = submission.id, attempt.number, assessment.id

    # Peer review on: "other" reviews the work of a trainee who is no actor (so the owner's work stays the
    # owner's), which is also the example to practise on.
    peer_project = services.create_project(
        cohort,
        users["instr"],
        title_en="Peer film",
        title_ko="동료 영상",
        due_at=utcnow() + timedelta(days=7),
    )
    services.save_deliverable(peer_project, **NOTE)
    services.publish_project(peer_project)
    rubrics.attach(peer_project, db.session.get(type(rubric), w.rubric).latest)
    peer_work = submissions.submission_for(peer_project, users["victim"], create=True)
    submissions.save_answer(peer_work, peer_project.deliverables[0], text="A note for peer review")
    submissions.save_declarations(peer_work, ai_used=False)
    submissions.submit(peer_work, users["victim"], statement_accepted=True)
    peer_services.configure(peer_project, users["instr"], enabled=True, reviews_each=1)
    review = PeerReview(project_id=peer_project.id, submission_id=peer_work.id, reviewer_id=users["other"].id)
    example = PeerExample(project_id=peer_project.id, submission_id=peer_work.id, reference={})
    db.session.add_all([review, example])
    db.session.flush()
    comment = PeerTimedComment(review_id=review.id, media_id=w.media, seconds=1.0, text="A moment")
    # A try on the example (by no actor): its reference and the example itself stay as they are.
    tried = PeerCalibration(
        example_id=example.id, reviewer_id=users["victim"].id, attempt=1, marks={}, agreement=50
    )
    db.session.add_all([comment, tried])
    db.session.commit()
    w.peer_project, w.peer_work = peer_project.id, peer_work.id
    w.peer_review, w.peer_example, w.peer_comment = review.id, example.id, comment.id
    w.brief_locale = "vi"  # the project's brief in Vietnamese (none yet: removing it is harmless)

    # Another trainee's own file from the "check a file" page (for the mismatched-ids cases).
    w.other_media = media_services.register_upload(
        users["other"],
        io.BytesIO(media["image.png"].read_bytes()),
        filename="mine.png",
        declared_type="image/png",
        spec={},
    ).id
    db.session.commit()
    video = db.session.get(MediaFile, w.media)
    w.caption_track = caption_services.add_track(
        video,
        users["owner"],
        io.BytesIO(b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMatrix\n"),
        filename="ko.vtt",
        language="ko",
        kind=CaptionKind.SUBTITLES,
    ).id
    db.session.commit()
    w.renditions = sorted(
        name
        for name, role in RENDITIONS.items()
        if (found := video.rendition(role)) and found.storage_key.endswith(name.rsplit(".", 1)[1])
    )
    assert len(w.renditions) >= 3, w.renditions

    _portfolio_world(w, users, cohort, rubric)
    _attendance_world(w, users, cohort, media)
    _korean_world(w, users, media)
    _evidence_world(w, users, cohort)
    w.tokens = {name: create_token(users[name], "matrix", "read write")[1] for name in SIGNED_IN}
    w.spare_token = create_token(users["owner"], "spare", "read write")[0].id
    w.invite_token = issue_link_token(users["invitee"], TokenPurpose.INVITE)
    db.session.commit()

    # An LMS course linked to the cohort, and the instructor's deep-linking launch.
    if "lti" in app.extensions:
        from lti import services as lti_services
        from lti.models import Context as LtiContext
        from lti.models import Launch as LtiLaunch

        platform = lti_services.save_platform(
            None,
            name="Matrix LMS",
            issuer="https://lms.matrix.example.org",
            client_id="matrix",
            auth_login_url="https://lms.matrix.example.org/auth",
            auth_token_url="https://lms.matrix.example.org/token",
            jwks_url="https://lms.matrix.example.org/jwks",
            deployment_ids=["1"],
        )
        context = LtiContext(platform_id=platform.id, context_id="c1", deployment_id="1", cohort_id=cohort.id)
        db.session.add(context)
        db.session.flush()
        claims = {"teacher": True, "deployment_id": "1"}
        launch = LtiLaunch(
            user_id=users["instr"].id,
            context_id=context.id,
            message_type="LtiDeepLinkingRequest",
            claims=claims,
            expires_at=utcnow() + timedelta(days=1),
        )
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
            uploads[key] = media_services.start_upload(
                db.session.get(User, w.owner_id),
                10,
                {"filename": "clip.mp4", "filetype": "video/mp4", "context": "check:any"},
            ).id
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
    employers = {
        name: Employer(
            user_id=users[name].id, company=f"Matrix {name} Co", business_number="1248100998", status=status
        )
        for name, status in (("employer", EmployerStatus.APPROVED), ("pending", EmployerStatus.PENDING))
    }
    db.session.add_all(employers.values())
    portfolio = db.session.scalar(select(Portfolio).where(Portfolio.owner_id == users["owner"].id))
    if portfolio is None:
        portfolio = Portfolio(owner_id=users["owner"].id, skills=[])
        db.session.add(portfolio)
    portfolio.visibility = Visibility.EMPLOYERS
    interest = Interest(
        employer=employers["employer"],
        trainee_id=users["owner"].id,
        role_title="Matrix role",
        status=InterestStatus.FORWARDED,
    )
    interest.events = [
        InterestEvent(status=InterestStatus.SUBMITTED),
        InterestEvent(status=InterestStatus.FORWARDED),
    ]
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
        project = services.create_project(
            cohort,
            instr,
            title_en=f"Portfolio film {n}",
            title_ko=f"영상 {n}",
            due_at=utcnow() + timedelta(days=7),
        )
        deliverable = services.save_deliverable(project, **VIDEO)
        services.publish_project(project)
        rubrics.attach(project, rubric.latest)
        submission = submissions.submission_for(project, owner, create=True)
        submissions.attach_upload(submission, deliverable, video)
        submissions.save_declarations(submission, ai_used=False)
        attempts.append(submissions.submit(submission, owner, statement_accepted=True))
        assessment = marking.start_assessment(submission, instr)
        marking.save_assessment(
            assessment,
            expected_version=assessment.version,
            marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
            feedback="",
            status=MarkingStatus.READY,
            by=instr,
        )
        marking.release([assessment], instr)
    portfolio = portfolios.portfolio_of(owner, create=True)
    item, hidden, spare, spare2 = (portfolios.add_item(portfolio, a.id) for a in attempts)
    portfolios.update_item(hidden, title_en=HIDDEN_MARK, title_ko=HIDDEN_MARK)
    portfolios.update_item(item, reflection_en="Matrix reflection")
    portfolios.set_published(item, True)
    portfolios.update_portfolio(portfolio, headline_en="Matrix", visibility=Visibility.LINK)
    _live, w.share_token = portfolios.create_link(portfolio, recipient="Matrix HR", days=30)
    spare_link, _token = portfolios.create_link(portfolio, recipient="Spare", days=30)
    revoked, w.revoked_share_token = portfolios.create_link(portfolio, recipient="Revoked", days=30)
    portfolios.revoke_link(revoked)
    expired, w.expired_share_token = portfolios.create_link(portfolio, recipient="Expired", days=1)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    completion = completions.mark_completion(owner, cohort, utcnow().date(), users["admin"])
    departed = User(
        role=Role.TRAINEE,
        email="departed@matrix.example.org",
        name="Matrix departed",
        locale="en",
        password_hash=hasher().hash(PASSWORD),
    )
    db.session.add(departed)
    db.session.commit()
    w.portfolio, w.item, w.hidden_item, w.spare_item, w.spare_item2 = (
        portfolio.id,
        item.id,
        hidden.id,
        spare.id,
        spare2.id,
    )
    w.spare_link, w.completion, w.completion_code = spare_link.id, completion.id, completion.code
    from projects.credentials import achievements, definitions
    from projects.credentials.services import issue_for_completion

    # Issued by a job after the commit that recorded it (the world commits without running jobs).
    w.credential_code = issue_for_completion(completion).code
    stage = definitions.save_definition(None, users["admin"], **MATRIX_STAGE)
    w.achievement = stage.id
    w.badge = achievements.issue_award(achievements.record_award(stage, owner, "")).id
    db.session.commit()
    w.departed_id = departed.id
    _calendar_reader(w, cohort)


def _attendance_world(w, users, cohort, media) -> None:
    """A session of the cohort held an hour ago, where the owner was marked present (so it cannot be deleted);
    the owner's excuse for it with a document; an administrator's holiday change."""
    from lms.db import utcnow
    from media import services as media_services
    from projects.attendance import marks
    from projects.attendance import services as attendance
    from projects.attendance.models import TrainingSession

    starts = utcnow() - timedelta(hours=2)
    session = TrainingSession(
        cohort_id=cohort.id,
        day=attendance.local_day(starts),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        secret="5e" * 32,
    )
    _db.session.add(session)
    _db.session.flush()
    marks.mark_trainee(session, users["owner"], "present", by=users["instr"], reason="Matrix")
    document = media_services.register_upload(
        users["owner"],
        io.BytesIO(media["image.png"].read_bytes()),
        filename="note.png",
        declared_type="image/png",
        spec={"kinds": ["image", "document"]},
    )
    excuse = marks.request_excuse(users["owner"], session, "Matrix reason", document)
    change = attendance.save_holiday(date(2027, 12, 31), closed=True, name="Matrix day", by=users["admin"])
    _db.session.commit()
    w.attendance_session, w.excuse, w.holiday_change = session.id, excuse.id, change.id
    w.checkin_code = "STALE234"


def _evidence_world(w, users, cohort) -> None:
    """The owner's evidence pack of their cohort's hours, issued, with a live link; a spare pack and link to
    withdraw (the revoke routes use those, so the live link keeps working for the routes after them); a
    draft to delete."""
    from projects.evidence import links
    from projects.evidence import services as evidence

    packs = []
    for name in ("Matrix Immigration Office", "Spare Office"):
        pack = evidence.create_pack(users["owner"], "immigration", name, {"attendance": [cohort.id]})
        packs.append(evidence.issue_pack(pack, users["owner"], consent=True))
    _link, w.evidence_token = links.create_link(packs[0], users["owner"], days=30)
    spare, _token = links.create_link(packs[0], users["owner"], days=30)
    w.evidence_pack, w.evidence_spare_pack, w.evidence_spare_link = packs[0].id, packs[1].id, spare.id
    w.evidence_code = packs[0].code
    draft = evidence.create_pack(users["owner"], "employer", "Draft Company", {"attendance": [cohort.id]})
    w.evidence_draft_pack = draft.id
    _db.session.commit()


def _korean_world(w, users, media) -> None:
    """The owner's TOPIK record with its score report, waiting for a check."""
    from datetime import date as day

    from media import services as media_services
    from projects.korean import services as korean

    document = media_services.register_upload(
        users["owner"],
        io.BytesIO(media["image.png"].read_bytes()),
        filename="topik.png",
        declared_type="image/png",
    )
    w.korean_evidence = korean.add_evidence(users["owner"], "topik", 3, day(2026, 5, 10), document).id
    _db.session.commit()


def _calendar_reader(w, cohort) -> None:
    """A trainee of the cohort who is no actor, with a live calendar address and a replaced one."""
    from flask import current_app

    from lms.auth.services import hasher
    from lms.calendar import services as calendars
    from lms.notifications.rules import make_token
    from lms.programmes import services as programmes
    from lms.users.models import Role, User

    reader = User(role=Role.TRAINEE, email="calendar@matrix.example.org", name="Matrix calendar", locale="en")
    reader.password_hash = hasher().hash(PASSWORD)
    _db.session.add(reader)
    _db.session.flush()
    programmes.enrol_trainee(cohort, reader)
    w.old_calendar_token = calendars.issue_feed(reader)
    w.calendar_token = calendars.issue_feed(reader)
    w.unsubscribe_token = make_token(current_app.config["SECRET_KEY"], reader.id, "notice", 1)
    _db.session.commit()


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
        return (
            f"{self.endpoint} {self.method} {self.url} as {self.actor}: expected {self.expected}, "
            f"got {self.got} [{self.status}]{extra}"
        )


def is_api(url: str) -> bool:
    return url.startswith("/api/")


_OWN_TOKEN = object()


def send(
    w,
    actor: str,
    method: str,
    url: str,
    *,
    endpoint: str = "",
    body=None,
    headers=None,
    token=_OWN_TOKEN,
    client=None,
):
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
                if rule.endpoint in RENDITION_ROUTES:
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
        check.notes += [
            f"shows {mark}"
            for mark, readers in READERS_OF.items()
            if actor not in readers and mark.encode() in data and mark not in LINK_READS.get(endpoint, ())
        ]
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
    user = {
        name: db.session.get(User, w.user_ids[name])
        for name in ("owner", "other", "mate", "instr", "instr2", "admin")
    }
    cohort, cohort2 = db.session.get(Cohort, w.cohort), db.session.get(Cohort, w.cohort2)
    w.other_programme = programmes.create_programme(code="MZ", name_ko="다른 과정", name_en="Other").id
    w.other_rubric = rubrics.create_rubric(
        programme_id=w.other_programme,
        title_ko="다른 평가",
        title_en="Their rubric",
        data=RUBRIC,
        by=user["admin"],
    ).id
    w.rubric_file = json.dumps({"title_en": "Imported", **RUBRIC}).encode()
    w.foreign_id = w.user_ids["foreign"]
    _careers_mismatch_world(w)
    due = utcnow() + timedelta(days=7)
    theirs = services.create_project(
        cohort2, user["instr2"], title_en="Their film", title_ko="영상", due_at=due
    )
    services.save_deliverable(theirs, **VIDEO)
    services.publish_project(theirs)
    draft = services.create_project(cohort, user["instr"], title_en="Draft", title_ko="초안", due_at=due)
    services.save_deliverable(draft, **NOTE)
    w.cohort2_project, w.cohort2_deliverable, w.draft_project = theirs.id, theirs.deliverables[0].id, draft.id
    w.cohort2_metadata = format_metadata(
        {"filename": "cut.mp4", "context": f"deliverable:{w.cohort2_deliverable}"}
    )
    w.other_upload = media_services.start_upload(
        user["other"], 10, {"filename": "a.mp4", "context": "check:any"}
    ).id

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

    extra = {
        name: User(
            role=Role.TRAINEE,
            email=f"{name}@matrix.example.org",
            name=f"Matrix {name}",
            locale="en",
            password_hash=hasher().hash(PASSWORD),
        )
        for name in ("leaver", "gone")
    }
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
    for name in (
        "owner",
        "other",
        "foreign",
        "instr",
        "admin",
        "mate",
        "leaver",
        "gone",
        "employer",
        "pending",
    ):
        w.clients[name] = _login(w.app, w.emails.get(name) or extra[name].email)
    disable_user(db.session.get(User, extra["gone"].id), None)  # signed in and holding a token
    _portfolio_mismatch_world(w)
    db.session.commit()


def _careers_mismatch_world(w) -> None:
    """Another approved employer's interest in the owner, not passed on yet; ids of people not to be
    reached."""
    from lms.auth.services import hasher
    from lms.users.models import Role, User
    from projects.careers.models import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus

    db = _db
    rival = User(
        role=Role.EMPLOYER,
        email="rival@matrix.example.org",
        name="Matrix rival",
        locale="en",
        password_hash=hasher().hash(PASSWORD),
    )
    db.session.add(rival)
    db.session.flush()
    employer = Employer(
        user_id=rival.id, company="Rival Co", business_number="1248100998", status=EmployerStatus.APPROVED
    )
    interest = Interest(
        employer=employer, trainee_id=w.owner_id, role_title="Theirs", status=InterestStatus.SUBMITTED
    )
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
    # The matrix removed the world's caption track (media.delete_caption): a new one of the item's video.
    from media import caption_services
    from media.models import CaptionKind

    w.portfolio_track = caption_services.add_track(
        item.media,
        item.portfolio.owner,
        io.BytesIO(b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nMatrix\n"),
        filename="ko.vtt",
        language="ko",
        kind=CaptionKind.SUBTITLES,
    ).id
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
        response, _data = send(
            w, case.actor, case.method, url, endpoint=case.endpoint, body=body, headers=headers, **kwargs
        )
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

    @pytest.mark.parametrize(
        "endpoint,actor",
        [
            pytest.param(
                endpoint,
                actor,
                marks=pytest.mark.xfail(strict=True, reason=f"BUG: {reason}"),
                id=f"{endpoint}-{actor}",
            )
            for (endpoint, actor), reason in BUGS.items()
        ],
    )
    def test_known_bug(request, endpoint, actor):
        """Each known bug alone: xfail while the code gets it wrong, XPASS (strict: a failure) once fixed."""
        if endpoint.startswith("mismatch:"):
            checks = request.getfixturevalue("mismatches")
        else:
            checks = request.getfixturevalue("matrix").checks
        mine = [c for c in checks if c.endpoint == endpoint and c.actor == actor]
        assert mine, f"no check for {endpoint} as {actor}"
        assert all(c.ok for c in mine), "\n".join(str(c) for c in mine if not c.ok)
