"""The access policy: per route and method, which visitor gets in, is sent to sign in, or is refused.

This is plain data, read by ``tests/test_permission_matrix.py``, which builds one world (a programme with
two cohorts, a project with a submission, a portfolio, employers...), requests every route of the app as
every actor below and compares each answer with :data:`EXPECTED`.  A route missing here fails the matrix.

Outcomes:

``allow``  2xx/3xx that is not a redirect to the sign-in page; for POST/PUT/PATCH/DELETE, sent with a
           minimal body, anything but 401/403/404, a sign-in redirect or a crash (400/409/422 are fine);
``login``  a redirect to ``/auth/login`` for pages, 401 for the API and the tus upload protocol;
``deny``   403 or 404 (410 for a stopped or expired share link).

An employer awaiting approval (``pending``) is held on their status page: every page they are allowed here
but those their account may open (``projects.careers.views.held_may_open``) answers ``deny``; the API treats
them as any user.  :data:`CASES` are the requests with an id or credential from elsewhere.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

ACTORS = ("anon", "owner", "other", "foreign", "instr", "instr2", "employer", "pending", "liaison", "admin")
SIGNED_IN = ACTORS[1:]
#: ``owner``: the trainee who handed in the submission; ``other``: a trainee of the same cohort (not in the
#: owner's team); ``foreign``: a trainee of the other cohort; ``instr``/``instr2``: instructors of the
#: project's cohort and of the other cohort (both teach the world's one programme).  ``employer``: an employer
#: the liaison approved; ``pending``: one still waiting for approval, who is held on their status page (pages
#: other than their account's are refused, see the module's docstring; the API treats them as any user).
GROUPS = {
    "users": SIGNED_IN,
    "staff": ("instr", "instr2", "admin"),  # the instructor or admin role, whatever the cohort
    "managers": ("instr", "admin"),  # manage the world's project and cohort
    "viewers": ("owner", "other", "instr", "admin"),  # see the world's published project
    "readers": ("instr", "instr2", "liaison", "admin"),  # the programme screens
}
OUTCOMES = {"allow", "login", "deny"}


def expect(allow: str = "", anon: str = "login") -> dict[str, str]:
    """``{actor: outcome}``: actors or groups named in *allow* are allowed, other signed-in actors denied."""
    allowed = set(itertools.chain.from_iterable(GROUPS.get(name, (name,)) for name in allow.split()))
    assert allowed <= set(SIGNED_IN), allowed - set(SIGNED_IN)
    return {"anon": anon, **{a: "allow" if a in allowed else "deny" for a in SIGNED_IN}}


def by_method(default: dict[str, str], **methods: dict[str, str]) -> dict[str, dict[str, str]]:
    """Expectations that differ by HTTP method; ``"*"`` holds those of the methods not named."""
    return {"*": default, **methods}


#: The tables most routes share.
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


CORE: dict[str, dict] = {
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
    "core.choose_language": USERS,
    "auth.login": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.set_password": PUBLIC,  # with a live invitation link
    "auth.logout": USERS,
    "notifications.index": USERS,  # one's own
    "notifications.read_all": USERS,
}

ACCOUNTS: dict[str, dict] = {
    # Users: one's own account; a person's page for themselves, their instructors, liaisons and admins.
    "users.profile": USERS,
    "users.end_other_sessions": USERS,
    "users.api_tokens": USERS,
    "users.revoke_api_token": expect("owner"),  # token_id: one of the owner's tokens
    "calendar.settings": USERS,  # one's own calendar address
    "calendar.new_feed": USERS,
    "calendar.revoke_feed": USERS,
    "calendar.feed": PUBLIC,  # token: a live address (of a trainee who is no actor, so no actor replaces it)
    "notifications.preferences": USERS,  # one's own message settings
    # token: a live unsubscribe link (of the same trainee); GET only asks, POST is RFC 8058's one click.
    "notifications.unsubscribe": PUBLIC,
    "users.person": expect("owner instr liaison admin"),  # user_id: the owner
    "users.admin_users": ADMIN,
    "users.admin_new_user": ADMIN,
    "users.admin_user": ADMIN,
    "users.admin_user_action": ADMIN,
    "users.admin_import": ADMIN,
    "users.admin_outbox": ADMIN,
    # Languages offered and the centre's wording (lms/wording): admins only; ?lang= defaults to Korean.
    "wording.languages": ADMIN,
    "wording.set_offered": ADMIN,  # an empty form: a 400, nothing changed
    "wording.messages": ADMIN,
    "wording.message": ADMIN,  # without ?key=: back to the list
    "wording.revert": ADMIN,
    "wording.review": ADMIN,
    "wording.export": ADMIN,
    "wording.import_po": ADMIN,
    "users.personal_data": USERS,  # one's own
    "users.admin_anonymise": ADMIN,  # user_id: the departed trainee
    "users_api.Me": USERS,
    "users_api.Users": ADMIN,
    "users_api.UserById": ADMIN,
}

PROGRAMMES: dict[str, dict] = {
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
}

MEDIA: dict[str, dict] = {
    # Media: anyone signed in checks files of their own.  A file is its owner's, its project's managers'
    # (once it is part of a submission) and the admins'.  An upload in progress is only its owner's; the
    # tus capabilities (OPTIONS) are public on both faces: tus clients send OPTIONS without credentials.
    "media.check": USERS,
    "media.mine": USERS,
    "media.uploads": by_method(USERS, OPTIONS=PUBLIC),
    "media.upload": by_method(expect("owner"), OPTIONS=PUBLIC),
    "media.detail": OWNER_AND_MANAGERS,
    "media.status": OWNER_AND_MANAGERS,
    "media.rendition": OWNER_AND_MANAGERS,
    "media.download": OWNER_AND_MANAGERS,
    "media.choose_poster": expect("owner"),
    # Caption tracks: read by whoever may play the video; added and removed by its owner and its managers.
    "media.captions": OWNER_AND_MANAGERS,
    "media.caption_file": OWNER_AND_MANAGERS,
    "media.extract_captions": OWNER_AND_MANAGERS,
    "media.delete_caption": OWNER_AND_MANAGERS,
    "media.edit_caption": OWNER_AND_MANAGERS,
    "captions_api.Tracks": OWNER_AND_MANAGERS,
    "captions_api.TrackById": OWNER_AND_MANAGERS,
    "media.reprocess": ADMIN,
    "uploads_api.Uploads": by_method(USERS, OPTIONS=PUBLIC),
    "uploads_api.UploadById": by_method(expect("owner"), OPTIONS=PUBLIC),
}

COURSEWORK: dict[str, dict] = {
    # Projects: the cohort's trainees see the published project and work on their own (or team's)
    # submission and released grade; its instructors and admins manage and grade it; other cohorts,
    # employers and liaisons see none of it.
    "projects.index": USERS,  # filtered to each one's projects (none for employers and liaisons)
    "projects.new_project": STAFF,  # instructors choose among the cohorts they teach
    "projects.show": VIEWERS,
    "projects.calendar_file": VIEWERS,
    "projects.edit": MANAGERS,
    "projects.brief_translations": MANAGERS,
    "projects.remove_brief_translation": MANAGERS,
    "projects.edit_deliverable": MANAGERS,
    "projects.delete_deliverable": MANAGERS,
    "projects.publish": MANAGERS,
    "projects.copy": MANAGERS,
    "projects.teams": MANAGERS,
    "projects.extensions": MANAGERS,
    "projects.review_list": MANAGERS,
    "projects.review": MANAGERS,
    "projects.download_all": MANAGERS,
    "projects.work": WORKERS,
    "projects.upload": WORKERS,
    "projects.answer": WORKERS,
    "projects.declarations": WORKERS,
    "projects.hand_in": WORKERS,
    "projects.receipt": OWNER_AND_MANAGERS,
    "projects_api.Projects": USERS,  # filtered like projects.index
    "projects_api.ProjectById": VIEWERS,
    # Read as the project is (its deliverables are in its answer); written by its managers.
    "projects_api.Deliverables": by_method(VIEWERS, POST=MANAGERS),
    "projects_api.DeliverableById": by_method(VIEWERS, PATCH=MANAGERS, DELETE=MANAGERS),
    "projects_api.Teams": MANAGERS,
    "projects_api.Extensions": MANAGERS,
    "projects_api.Submissions": VIEWERS,  # a trainee gets only their own
    "projects_api.SubmissionById": OWNER_AND_MANAGERS,
}

GRADING: dict[str, dict] = {
    # Grading (on the projects blueprints): the project's managers grade and release; a trainee reads their
    # own released grade and assesses their own work.
    "projects.feedback": VIEWERS,  # a trainee's own released grade, or "not released yet"
    "projects.project_rubric": MANAGERS,
    "projects.grade": MANAGERS,
    "projects.add_comment": MANAGERS,
    "projects.adjust": MANAGERS,
    "projects.release": MANAGERS,
    "projects.by_criterion": MANAGERS,
    "projects.analytics": MANAGERS,
    "projects.self_assess": WORKERS,
    # Peer review: instructors set it up and see every work; trainees of the cohort review what they were
    # given (only the reviewer opens a review) and practise on the examples.
    "projects.peer_setup": MANAGERS,
    "projects.peer_allocate": MANAGERS,  # GET: the confirmation page; POST with confirmed=1: the allocation
    "projects.peer_add_example": MANAGERS,
    "projects.peer_new_example": MANAGERS,  # the reference page of a work that is no example yet
    "projects.peer_example_reference": MANAGERS,
    "projects.peer_remove_example": MANAGERS,
    "projects.peer_override": MANAGERS,
    "projects.peer_reviews": WORKERS,
    "projects.peer_review": expect("other"),
    "projects.peer_practise": WORKERS,
    "projects.peer_add_comment": expect("other"),
    "projects.peer_edit_comment": expect("other"),  # the reviewer's own comment, until the review is in
    "projects.peer_remove_comment": expect("other"),
    "projects.peer_allocation": MANAGERS,
    "projects.peer_reallocate": MANAGERS,
    # The peer API grants what the pages grant; the round's state (names included) is its managers'.
    "projects_api.PeerReviews": WORKERS,
    "projects_api.PeerReviewOne": expect("other"),
    "projects_api.PeerReviewComments": expect("other"),
    "projects_api.PeerReviewComment": expect("other"),
    "projects_api.PeerExamples": MANAGERS,
    "projects_api.PeerExampleOne": MANAGERS,
    "projects_api.PeerRound": MANAGERS,  # GET the round; PATCH its settings (the peer rubric among them)
    # The rubric library is per programme, and both instructors teach the world's programme.
    "projects.rubric_library": STAFF,
    "projects.edit_rubric": STAFF,
    "projects.export_rubric": STAFF,
    "projects.import_rubric": STAFF,
    "projects.gradebook": MANAGERS,
    "projects.gradebook_csv": MANAGERS,
    "projects_api.AssessmentOfSubmission": MANAGERS,  # its trainee too once released; the world's is not
    "projects_api.Release": MANAGERS,
    "projects_api.Rubrics": STAFF,
    "projects_api.RubricById": STAFF,
    "projects_api.RubricVersionByNumber": STAFF,
    "projects_api.Gradebook": MANAGERS,
}

PORTFOLIOS: dict[str, dict] = {
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
    "portfolios.export_pdf": TRAINEES,  # each their own portfolio, as the ZIP
    "portfolios.show": PORTFOLIO_READERS,
    "portfolios.rendition": PORTFOLIO_READERS,
    "portfolios.shared": PUBLIC,  # token: a live link
    "portfolios.shared_rendition": PUBLIC,
    "portfolios.caption_track": PORTFOLIO_READERS,  # track_id: a track of the published item's video
    "portfolios.shared_caption_track": PUBLIC,  # token: a live link
    "portfolios_api.OwnPortfolio": TRAINEES,
    "portfolios_api.OwnItems": TRAINEES,
    "portfolios_api.OwnItemById": expect("owner"),
    "portfolios_api.OwnItemRemoval": expect("owner"),  # item_id: another spare item
    "portfolios_api.OwnLinks": TRAINEES,
    "portfolios_api.OwnLinkById": expect("owner"),
    "portfolios_api.OwnViews": TRAINEES,
    "portfolios_api.PortfolioById": PORTFOLIO_READERS,
}

COMPLETIONS: dict[str, dict] = {
    # Completions: a trainee's certificate is theirs and the admins'; admins record and revoke completions;
    # anyone may verify a certificate by its code.
    "completions.certificate": expect("owner admin"),
    "completions.completions_admin": ADMIN,
    "completions.complete_cohort": ADMIN,
    "completions.revoke_completion": ADMIN,
    "completions.verify": PUBLIC,
    "completions.verify_json": PUBLIC,
    "completions.signing_keys": PUBLIC,
    "completions_api.Completions": by_method(USERS, POST=ADMIN),  # GET: one's own (admins: all)
    "completions_api.CompletionById": expect("owner admin"),
    "completions_api.CompletionRevoke": ADMIN,
    "completions_api.CompletionVerification": expect("owner admin"),
}

LTI: dict[str, dict] = {
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
}

CAREERS: dict[str, dict] = {
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
    # careers.interests: one's own; brokers: the board.  careers.interest (interest_id): the employer's
    # interest in the owner, passed on to them.
    "careers.interests": expect("owner other foreign employer liaison admin"),
    "careers.interest": expect("owner employer liaison admin"),
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


ATTENDANCE: dict[str, dict] = {
    # Timetable and attendance: each signed-in person has their week (empty for those with no cohort) and
    # the check-in form (only trainees check in); the cohort's instructors and admins keep the timetable,
    # take the roll, show the code, decide excuses and read the report; admins set rules and holidays.  An
    # excuse (excuse_id: the owner's, with a document) is its trainee's and the managers'.
    "attendance.index": USERS,
    "attendance.check_in": USERS,
    "attendance.scan": USERS,  # code: a stale code; the page only fills in the form
    # attendance.excuses: one's own (managers: their cohorts'); only trainees ask (POST).
    "attendance.excuses": by_method(USERS, POST=TRAINEES),
    "attendance.timetable": MANAGERS,
    "attendance.edit_session": MANAGERS,
    "attendance.delete_session": MANAGERS,  # the world's session has marks: refused after the check
    "attendance.roll": MANAGERS,
    "attendance.code": MANAGERS,
    "attendance.report": MANAGERS,
    "attendance.decide_excuse": MANAGERS,
    "attendance.excuse_document": OWNER_AND_MANAGERS,
    "attendance.training_log": MANAGERS,  # an empty post is refused (400) after the check
    "attendance.missing_logs": ADMIN,
    "attendance.sheet": MANAGERS,
    "attendance.sheet_csv": MANAGERS,
    # The API: a trainee reads their cohort's sessions and only their own marks; employers nothing.
    "attendance_api.Sessions": expect("owner other foreign staff"),
    "attendance_api.SessionById": by_method(expect("owner other managers"), PATCH=MANAGERS),
    "attendance_api.SessionMarks": by_method(expect("owner other managers"), POST=MANAGERS),
    "attendance_api.MyMarks": expect("owner other foreign staff"),
    "attendance_api.SessionLog": MANAGERS,
    "attendance.rules": ADMIN,
    "attendance.holidays": ADMIN,
    "attendance.remove_holiday": ADMIN,
    # Korean evidence: evidence_id is the owner's record, waiting; user_id the owner.  The decision and the
    # history belong to the owner's cohort's instructor and admins; only the owner shares.
    "korean.index": by_method(USERS, POST=TRAINEES),
    "korean.trainee": OWNER_AND_MANAGERS,
    "korean.decide": MANAGERS,  # an empty form rejects without a reason: refused after the check
    "korean.share": expect("owner"),
    "korean.document": OWNER_AND_MANAGERS,
    "korean_api.Evidence": by_method(USERS, POST=TRAINEES),  # GET: one's own, or what waits for staff
    "korean_api.EvidenceById": OWNER_AND_MANAGERS,
    "korean_api.EvidenceDecision": MANAGERS,
    "korean_api.EvidenceShare": expect("owner"),
    "korean_api.TraineeEvidence": OWNER_AND_MANAGERS,
    "korean_api.TraineeShared": expect("employer liaison admin"),  # the owner is visible to employers
}

CREDENTIALS: dict[str, dict] = {
    # Open Badges 3.0: the issuer's keys, the status list, achievements and a credential by its address are
    # public (wallets and verifiers read them); anyone checks a credential on /verify; a trainee lists and
    # downloads their own; admins issue and revoke.
    "credentials.issuer": PUBLIC,
    "credentials.status_list": PUBLIC,
    "credentials.achievement": PUBLIC,
    "credentials.credential_json": PUBLIC,
    "credentials.verify_page": PUBLIC,
    "credentials.mine": USERS,  # one's own (none for most)
    "credentials.download": expect("owner admin"),
    "credentials.admin": ADMIN,
    "credentials.issue": ADMIN,  # the world's record has its credential: answered, nothing issued twice
    "credentials.revoke": ADMIN,  # no reason given: refused after the check
    "credentials_api.Credentials": USERS,  # one's own (admins: all)
    "credentials_api.CompletionCredential": expect("owner admin"),
    # The centre's achievements: their public Achievement document; the owner's award's downloads; admins.
    "credentials.defined_achievement": PUBLIC,
    "credentials.download_badge": expect("owner admin"),  # badge_id: the owner's achievement credential
    "credentials.revoke_badge": ADMIN,  # no reason given: refused after the check
    "credentials.achievements_page": ADMIN,
    "credentials.new_achievement": ADMIN,  # an empty form: a 400, nothing saved
    "credentials.edit_achievement": ADMIN,
    "credentials.award_achievement": ADMIN,  # without confirmed=1 it only counts
    "credentials_api.Achievements": ADMIN,
    "credentials_api.AchievementById": ADMIN,
    "credentials_api.AchievementAwards": ADMIN,
}

NCS: dict[str, dict] = {
    # NCS units: staff find them (admins import them); a project's mapping is its managers'; a trainee's
    # coverage is theirs, their instructors' and admins'. The API's units are a public standard: any user.
    "projects.ncs_units": STAFF,
    "projects.ncs_import": ADMIN,
    "projects.ncs_mapping": MANAGERS,
    "projects.ncs_coverage": OWNER_AND_MANAGERS,
    "ncs_api.Units": USERS,
    "ncs_api.ProjectMappings": MANAGERS,
    "ncs_api.Coverage": OWNER_AND_MANAGERS,
}


EVIDENCE: dict[str, dict] = {
    # Residency evidence packs: the trainee's alone (pack_id: the owner's issued pack); staff are refused
    # every route, so nobody makes or sends a pack for a trainee.  A link's page and downloads, the
    # verification pages and the packs' status list are public.
    "evidence.index": TRAINEES,  # each their own packs; an empty form is turned away after the check
    "evidence.pack": expect("owner"),
    "evidence.create_link": expect("owner"),
    "evidence.revoke_link": expect("owner"),  # link_id: a spare link
    "evidence.revoke_pack": expect("owner"),  # pack_id: a spare pack
    "evidence.delete_pack": expect("owner"),  # pack_id: a draft, deleted by its owner
    "evidence.download": expect("owner"),
    "evidence.shared": PUBLIC,
    "evidence.shared_download": PUBLIC,
    "evidence.verify_page": PUBLIC,
    "evidence.verify_code": PUBLIC,
    "evidence.status_list": PUBLIC,
    "evidence_api.Packs": TRAINEES,
    "evidence_api.PackById": expect("owner"),  # DELETE of the issued pack: 409 after the check
    "evidence_api.PackIssue": expect("owner"),  # already issued: refused after the check
    "evidence_api.PackRevocation": expect("owner"),  # pack_id: the spare pack
    "evidence_api.PackLinks": expect("owner"),
    "evidence_api.PackLinkById": expect("owner"),  # link_id: the spare link
    "evidence_api.PackViews": expect("owner"),
}


def merged(*tables: dict[str, dict]) -> dict[str, dict]:
    """One table of the domains' tables; an endpoint named twice is a mistake."""
    result: dict[str, dict] = {}
    for table in tables:
        twice = result.keys() & table.keys()
        assert not twice, f"endpoints listed twice: {sorted(twice)}"
        result.update(table)
    return result


#: endpoint -> {actor: outcome}, or (by_method) {method or "*": {actor: outcome}}.
EXPECTED = merged(
    CORE,
    ACCOUNTS,
    PROGRAMMES,
    MEDIA,
    COURSEWORK,
    GRADING,
    PORTFOLIOS,
    COMPLETIONS,
    LTI,
    CAREERS,
    ATTENDANCE,
    CREDENTIALS,
    NCS,
    EVIDENCE,
)

#: (endpoint, or "mismatch:" + a case's name; actor) -> what the code does wrong.  Left out of the main
#: tests and checked alone by test_known_bug (xfail, strict): once one is fixed, delete its entry.
#: (The first run found four: rubric import and the rubric API let instructors create rubrics outside the
#: programmes they teach; fixed with projects.grading.rubrics.may_create_in.)
BUGS: dict[tuple[str, str], str] = {}

#: Text planted in the world -> the actors who may read it in any answer.
TITLE_MARK = "title-mark-5d1e"  # in the project's title
ANSWER_MARK = "answer-mark-7f3a"  # the owner's text answer
FEEDBACK_MARK = "feedback-mark-91c2"  # the grader's feedback, not released
HIDDEN_MARK = "hidden-item-mark-4b7c"  # the title of the owner's unpublished portfolio item
READERS_OF = {
    TITLE_MARK: GROUPS["viewers"],
    ANSWER_MARK: ("owner", "instr", "admin"),
    FEEDBACK_MARK: ("instr", "admin"),
    HIDDEN_MARK: ("owner",),
}
#: Secret links that stand for their owner: whoever holds one may read these marks through it (the calendar
#: address belongs to a trainee of the project's cohort, who sees the project's title).
LINK_READS = {"calendar.feed": {TITLE_MARK}}


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


#: What the cases send: a stale grade, a date to extend to, the rubric builder's form, a rubric (the world's
#: rubric has the same criteria).
STALE_GRADE = {"version": 0, "status": "in_progress", "marks": {}}
LATER = "2030-01-01T09:00:00+00:00"
BUILDER = {"c0-id": "", "c0-title_en": "Story", "c0-l0-id": "", "c0-l0-name_en": "Good", "c0-l0-points": "5"}
RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_en": "Story",
            "title_ko": "구성",
            "levels": [
                {"id": "weak", "name_en": "Weak", "points": 0},
                {"id": "good", "name_en": "Good", "points": 5},
            ],
        },
        {
            "id": "tech",
            "title_en": "Technical",
            "title_ko": "기술",
            "technical": True,
            "levels": [
                {"id": "fail", "name_en": "Fail", "points": 0},
                {"id": "pass", "name_en": "Pass", "points": 10},
            ],
        },
    ]
}

#: Requests with an id or credential from elsewhere, grouped by what they try; each is checked alone after
#: the matrix.
CASES = [
    # A child id must belong to the parent in the URL.
    Case(
        "submission of another project: review",
        "instr",
        "GET",
        "/projects/{team_project}/submissions/{submission}",
    ),
    Case(
        "submission of another project: grade",
        "instr",
        "POST",
        "/projects/{team_project}/submissions/{submission}/grade",
    ),
    Case(
        "submission of another project: release",
        "admin",
        "POST",
        "/projects/{team_project}/submissions/{submission}/release",
    ),
    Case(
        "submission of another project: comment",
        "admin",
        "POST",
        "/projects/{team_project}/submissions/{submission}/comments",
    ),
    Case(
        "submission of another project: receipt",
        "owner",
        "GET",
        "/projects/{team_project}/submissions/{submission}/attempts/1",
    ),
    Case(
        "submission of another project: API",
        "instr",
        "GET",
        "/api/v1/projects/{team_project}/submissions/{submission}",
    ),
    Case(
        "submission of another project: API assessment",
        "admin",
        "GET",
        "/api/v1/projects/{team_project}/submissions/{submission}/assessment",
    ),
    Case(
        "submission of another project: API grading",
        "instr",
        "PUT",
        "/api/v1/projects/{team_project}/submissions/{submission}/assessment",
        body=STALE_GRADE,
    ),
    Case(
        "deliverable of another project: edit",
        "instr",
        "GET",
        "/projects/{project}/deliverables/{team_deliverable}/edit",
    ),
    Case(
        "deliverable of another project: delete",
        "admin",
        "POST",
        "/projects/{project}/deliverables/{team_deliverable}/delete",
    ),
    Case(
        "deliverable of another project: answer",
        "owner",
        "POST",
        "/projects/{project}/work/{team_deliverable}/answer",
        body={"text": "sneaked in"},
    ),
    Case(
        "deliverable of another project: upload",
        "owner",
        "POST",
        "/projects/{project}/work/{team_deliverable}/upload",
    ),
    Case("team of another project", "instr", "GET", "/projects/{project}/teams/{team}"),
    Case(
        "enrolment of another cohort",
        "admin",
        "POST",
        "/admin/cohorts/{cohort}/enrolments/{foreign_enrolment}/withdraw",
    ),
    Case(
        "attempt that does not exist",
        "owner",
        "GET",
        "/projects/{project}/submissions/{submission}/attempts/99",
    ),
    Case(
        "rubric version that does not exist", "instr", "GET", "/api/v1/projects/rubrics/{rubric}/versions/99"
    ),
    # A team's submission is its members' (and its managers'), not the cohort's.
    Case(
        "team's submission: a member's receipt",
        "mate",
        "GET",
        "/projects/{team_project}/submissions/{team_submission}/attempts/1",
        expected="allow",
    ),
    Case(
        "team's submission: not a member's receipt",
        "other",
        "GET",
        "/projects/{team_project}/submissions/{team_submission}/attempts/1",
    ),
    Case(
        "team's submission: a member's API",
        "mate",
        "GET",
        "/api/v1/projects/{team_project}/submissions/{team_submission}",
        expected="allow",
    ),
    Case(
        "team's submission: not a member's API",
        "other",
        "GET",
        "/api/v1/projects/{team_project}/submissions/{team_submission}",
    ),
    Case("team's submission: not a member's workspace", "other", "GET", "/projects/{team_project}/work"),
    # Another trainee's files and uploads.
    Case("another trainee's media: page", "owner", "GET", "/media/{other_media}"),
    Case("another trainee's media: download", "owner", "GET", "/media/{other_media}/download"),
    Case("another trainee's media: status", "owner", "GET", "/media/{other_media}/status"),
    Case("another trainee's media: poster", "owner", "POST", "/media/{other_media}/poster"),
    Case("a trainee's own check upload is not coursework", "instr", "GET", "/media/{other_media}"),
    Case(
        "a caption track under another trainee's file",
        "owner",
        "GET",
        "/media/{other_media}/captions/{caption_track}.vtt",
    ),
    Case(
        "a caption track under the wrong file",
        "admin",
        "GET",
        "/media/{other_media}/captions/{caption_track}.vtt",
    ),
    Case(
        "a caption track removed through the wrong file",
        "admin",
        "POST",
        "/media/{other_media}/captions/{caption_track}/delete",
        expected="unchanged",
    ),
    Case(
        "a caption track edited through the wrong file",
        "admin",
        "POST",
        "/media/{other_media}/captions/{caption_track}/edit",
        expected="unchanged",
    ),
    Case(
        "another trainee's upload: offset",
        "owner",
        "HEAD",
        "/media/uploads/{other_upload}",
        endpoint="media.upload",
    ),
    Case(
        "another trainee's upload: bytes",
        "owner",
        "PATCH",
        "/media/uploads/{other_upload}",
        endpoint="media.upload",
    ),
    Case(
        "another trainee's upload: delete",
        "owner",
        "DELETE",
        "/media/uploads/{other_upload}",
        endpoint="media.upload",
    ),
    Case(
        "another trainee's upload: API delete",
        "admin",
        "DELETE",
        "/api/v1/uploads/{other_upload}",
        endpoint="uploads_api.UploadById",
    ),
    Case(
        "another trainee's upload: still there",
        "other",
        "HEAD",
        "/media/uploads/{other_upload}",
        expected="allow",
        endpoint="media.upload",
    ),
    # Another cohort's project, a draft, a withdrawn trainee.
    Case("another cohort's project", "owner", "GET", "/projects/{cohort2_project}"),
    Case(
        "another cohort's project: control", "foreign", "GET", "/projects/{cohort2_project}", expected="allow"
    ),
    Case(
        "another cohort's project: form upload",
        "owner",
        "POST",
        "/projects/{cohort2_project}/work/{cohort2_deliverable}/upload",
    ),
    Case(
        "another cohort's project: resumable upload",
        "owner",
        "POST",
        "/media/uploads/",
        endpoint="media.uploads",
        headers={"Upload-Length": "10", "Upload-Metadata": "{cohort2_metadata}"},
    ),
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
    Case(
        "a released grade: its trainee",
        "owner",
        "GET",
        "/api/v1/projects/{project}/submissions/{submission}/assessment",
        expected="allow",
    ),
    Case(
        "a released grade: another trainee",
        "other",
        "GET",
        "/api/v1/projects/{project}/submissions/{submission}/assessment",
    ),
    # Credentials.
    Case("a revoked API token", "owner", "GET", "/api/v1/me", expected="login", token="revoked_token"),
    Case("an expired API token", "owner", "GET", "/api/v1/me", expected="login", token="expired_token"),
    Case("a malformed API token", "owner", "GET", "/api/v1/me", expected="login", token="malformed_token"),
    Case("a disabled user's API token", "gone", "GET", "/api/v1/me", expected="login"),
    Case("a disabled user's session", "gone", "GET", "/dashboard", expected="login"),
    Case(
        "a session cookie is not an API credential",
        "owner",
        "GET",
        "/api/v1/me",
        expected="login",
        via_page=True,
    ),
    Case(
        "a read-only token cannot write",
        "instr",
        "POST",
        "/api/v1/projects/{project}/release",
        token="read_token",
    ),
    # Ids from elsewhere in a form or body: refused, or at least nothing changes.
    Case(
        "extension for a trainee of another cohort: API",
        "instr",
        "POST",
        "/api/v1/projects/{project}/extensions",
        expected="unchanged",
        body={"user_id": "{foreign_id}", "due_at": LATER, "reason": "Matrix"},
    ),
    Case(
        "extension for a team of another project: API",
        "instr",
        "POST",
        "/api/v1/projects/{project}/extensions",
        expected="unchanged",
        body={"team_id": "{team}", "due_at": LATER, "reason": "Matrix"},
    ),
    Case(
        "extension for a trainee of another cohort: page",
        "instr",
        "POST",
        "/projects/{project}/extensions",
        expected="unchanged",
        body={"target": "user:{foreign_id}", "due_at": "2030-01-01T09:00", "reason": "Matrix"},
    ),
    Case(
        "team with a trainee of another cohort",
        "instr",
        "POST",
        "/projects/{team_project}/teams",
        expected="unchanged",
        body={"name": "Team B", "members": "{foreign_id}"},
    ),
    Case(
        "copy into a cohort not taught",
        "instr",
        "POST",
        "/projects/{project}/copy",
        expected="unchanged",
        body={"cohort_id": "{cohort2}"},
    ),
    Case(
        "timed comment on another trainee's file",
        "instr",
        "POST",
        "/projects/{project}/submissions/{submission}/comments",
        expected="unchanged",
        body={"media_id": "{other_media}", "seconds": "1", "text": "Look here"},
    ),
    Case(
        "rubric of a programme not taught: attach",
        "instr",
        "POST",
        "/projects/{project}/rubric",
        body={"rubric_id": "{other_rubric}"},
    ),
    Case(
        "rubric of a programme not taught: export",
        "instr",
        "GET",
        "/projects/rubrics/{other_rubric}/export.json",
    ),
    Case(
        "rubric of a programme not taught: new version by import",
        "instr",
        "POST",
        "/projects/rubrics/import",
        body={"rubric_id": "{other_rubric}", "file": "{rubric_file}"},
    ),
    Case("rubric of a programme not taught: API", "instr", "GET", "/api/v1/projects/rubrics/{other_rubric}"),
    Case(
        "rubric of a programme not taught: API delete",
        "instr",
        "DELETE",
        "/api/v1/projects/rubrics/{other_rubric}",
    ),
    # New rubrics go to a programme their author teaches; only admins make shared ones.
    Case(
        "rubric for a programme not taught: page",
        "instr",
        "POST",
        "/projects/rubrics/new",
        body={"programme_id": "{other_programme}", "title_en": "Theirs", **BUILDER},
    ),
    Case(
        "rubric for a programme not taught: import",
        "instr",
        "POST",
        "/projects/rubrics/import",
        body={"programme_id": "{other_programme}", "file": "{rubric_file}"},
    ),
    Case(
        "rubric for a programme not taught: API",
        "instr",
        "POST",
        "/api/v1/projects/rubrics",
        body={"programme_id": "{other_programme}", "title_en": "Theirs", **RUBRIC},
    ),
    Case(
        "shared rubric by an instructor: page",
        "instr",
        "POST",
        "/projects/rubrics/new",
        body={"title_en": "Everyone's", **BUILDER},
    ),
    Case(
        "shared rubric by an instructor: import",
        "instr",
        "POST",
        "/projects/rubrics/import",
        body={"file": "{rubric_file}"},
    ),
    Case(
        "shared rubric by an instructor: API",
        "instr",
        "POST",
        "/api/v1/projects/rubrics",
        body={"programme_id": None, "title_en": "Everyone's", **RUBRIC},
    ),
    # Portfolios: nobody but the owner sees an unpublished item or its files, whatever the door.
    Case(
        "portfolio: published item's poster, control",
        "employer",
        "GET",
        "/portfolio/{portfolio}/items/{item}/poster.jpg",
        expected="allow",
    ),
    Case(
        "portfolio: unpublished item's poster, employer",
        "employer",
        "GET",
        "/portfolio/{portfolio}/items/{hidden_item}/poster.jpg",
    ),
    Case(
        "portfolio: unpublished item's poster, admin",
        "admin",
        "GET",
        "/portfolio/{portfolio}/items/{hidden_item}/poster.jpg",
    ),
    Case(
        "portfolio: unpublished item's poster, instructor",
        "instr",
        "GET",
        "/portfolio/{portfolio}/items/{hidden_item}/poster.jpg",
    ),
    Case(
        "portfolio: unpublished item through a link",
        "anon",
        "GET",
        "/portfolio/l/{share_token}/items/{hidden_item}/poster.jpg",
    ),
    Case(
        "portfolio: unpublished item through the API",
        "employer",
        "GET",
        "/api/v1/portfolios/me/items/{hidden_item}",
    ),
    Case("portfolio: a live link, control", "anon", "GET", "/portfolio/l/{share_token}", expected="allow"),
    Case("portfolio: a revoked link", "anon", "GET", "/portfolio/l/{revoked_share_token}"),
    Case(
        "portfolio: a revoked link's video",
        "anon",
        "GET",
        "/portfolio/l/{revoked_share_token}/items/{item}/poster.jpg",
    ),
    Case("portfolio: an expired link", "anon", "GET", "/portfolio/l/{expired_share_token}"),
    Case(
        "portfolio: an expired link's video",
        "anon",
        "GET",
        "/portfolio/l/{expired_share_token}/items/{item}/poster.jpg",
    ),
    Case("portfolio: a token that was never issued", "anon", "GET", "/portfolio/l/{malformed_token}"),
    Case(
        "portfolio: a live link's caption track, control",
        "anon",
        "GET",
        "/portfolio/l/{share_token}/items/{item}/captions/{portfolio_track}.vtt",
        expected="allow",
    ),
    Case(
        "portfolio: a revoked link's caption track",
        "anon",
        "GET",
        "/portfolio/l/{revoked_share_token}/items/{item}/captions/{portfolio_track}.vtt",
    ),
    Case(
        "portfolio: an expired link's caption track",
        "anon",
        "GET",
        "/portfolio/l/{expired_share_token}/items/{item}/captions/{portfolio_track}.vtt",
    ),
    Case(
        "portfolio: an unpublished item's caption track through a link",
        "anon",
        "GET",
        "/portfolio/l/{share_token}/items/{hidden_item}/captions/{portfolio_track}.vtt",
    ),
    Case(
        "portfolio: a published item's caption track, employer, control",
        "employer",
        "GET",
        "/portfolio/{portfolio}/items/{item}/captions/{portfolio_track}.vtt",
        expected="allow",
    ),
    Case(
        "portfolio: an unpublished item's caption track, employer",
        "employer",
        "GET",
        "/portfolio/{portfolio}/items/{hidden_item}/captions/{portfolio_track}.vtt",
    ),
    Case(
        "portfolio: a caption track through another trainee's link",
        "anon",
        "GET",
        "/portfolio/l/{other_share_token}/items/{item}/captions/{portfolio_track}.vtt",
    ),
    Case(
        "calendar: a live address, control", "anon", "GET", "/calendar/{calendar_token}.ics", expected="allow"
    ),
    Case("calendar: a replaced address", "anon", "GET", "/calendar/{old_calendar_token}.ics"),
    Case("calendar: an address never issued", "anon", "GET", "/calendar/gbc_{malformed_token}.ics"),
    Case("calendar: another cohort's project", "foreign", "GET", "/projects/{project}/calendar.ics"),
    Case(
        "portfolio: this item under another portfolio",
        "employer",
        "GET",
        "/portfolio/{other_portfolio}/items/{item}/poster.jpg",
    ),
    Case(
        "portfolio: this item through another trainee's link",
        "anon",
        "GET",
        "/portfolio/l/{other_share_token}/items/{item}/poster.jpg",
    ),
    Case("portfolio: the item's upload itself", "employer", "GET", "/media/{media}/download"),
    Case("portfolio: another trainee edits the item", "other", "POST", "/portfolio/items/{item}/unpublish"),
    Case(
        "portfolio: another trainee revokes the link", "other", "POST", "/portfolio/links/{spare_link}/revoke"
    ),
    Case(
        "portfolio: another trainee's API delete",
        "other",
        "DELETE",
        "/api/v1/portfolios/me/items/{item}",
        endpoint="portfolios_api.OwnItemRemoval",
    ),
    Case(
        "portfolio: another trainee's API change of the item",
        "other",
        "PATCH",
        "/api/v1/portfolios/me/items/{item}",
        body={"published": False},
    ),
    Case("portfolio: a pending employer's API read", "pending", "GET", "/api/v1/portfolios/{portfolio}"),
    Case("certificate: another trainee's", "other", "GET", "/certificates/{completion}"),
    Case("certificate: another trainee's API", "other", "GET", "/api/v1/completions/{completion}"),
    # Careers: another employer's interest; one not passed on to the trainee yet; trainees who did not opt in.
    Case("another employer's interest: page", "employer", "GET", "/careers/interests/{rival_interest}"),
    Case("another employer's interest: API", "employer", "GET", "/api/v1/careers/interests/{rival_interest}"),
    Case(
        "another employer's interest: withdraw",
        "employer",
        "POST",
        "/careers/interests/{rival_interest}/step",
        body={"action": "withdraw"},
    ),
    Case(
        "another employer's interest: API withdraw",
        "employer",
        "POST",
        "/api/v1/careers/interests/{rival_interest}/steps",
        body={"action": "withdraw"},
    ),
    Case("an interest not passed on yet: its trainee", "owner", "GET", "/careers/interests/{rival_interest}"),
    Case(
        "an interest not passed on yet: accept",
        "owner",
        "POST",
        "/careers/interests/{rival_interest}/step",
        body={"action": "accept"},
    ),
    Case(
        "an interest not passed on yet: API accept",
        "owner",
        "POST",
        "/api/v1/careers/interests/{rival_interest}/steps",
        body={"action": "accept"},
    ),
    Case(
        "an interest passed on: its trainee",
        "owner",
        "GET",
        "/careers/interests/{interest}",
        expected="allow",
    ),
    Case(
        "a trainee who did not opt in: interest page",
        "employer",
        "GET",
        "/careers/trainees/{other_id}/interest",
    ),
    Case(
        "a trainee who did not opt in: interest",
        "employer",
        "POST",
        "/careers/trainees/{other_id}/interest",
        body={"role_title": "Matrix"},
    ),
    Case(
        "a trainee who did not opt in: API interest",
        "employer",
        "POST",
        "/api/v1/careers/interests",
        body={"trainee_id": "{other_id}", "role_title": "Matrix"},
    ),
    Case(
        "not a trainee: interest",
        "employer",
        "POST",
        "/careers/trainees/{liaison_id}/interest",
        body={"role_title": "Matrix"},
    ),
    Case(
        "a pending employer: interest",
        "pending",
        "POST",
        "/careers/trainees/{owner_id}/interest",
        body={"role_title": "Matrix"},
    ),
    Case(
        "a pending employer: API interest",
        "pending",
        "POST",
        "/api/v1/careers/interests",
        body={"trainee_id": "{owner_id}", "role_title": "Matrix"},
    ),
    Case("a pending employer: API search", "pending", "GET", "/api/v1/careers/search"),
    Case(
        "an employer deciding on employers: API",
        "employer",
        "POST",
        "/api/v1/careers/employers/{employer_id}/decision",
        body={"decision": "approved"},
    ),
]
