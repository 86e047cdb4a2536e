"""The centre's own achievements: defined by administrators (pages and API), awarded once per trainee when a
grade is released, a competency shown or a Korean result verified (or to those who already qualify), issued
by a background job as Open Badges 3.0 credentials that /verify accepts, downloaded, revoked, and covered by
the personal-data download and anonymising."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.jobs import commit
from projects.credentials import achievements, baking, definitions, proofs, tasks
from projects.credentials import services as credentials
from projects.credentials.models import AchievementAward, AchievementKind, OpenBadge
from projects.ncs import importing
from projects.ncs import services as ncs
from tests.projects.test_ncs import EDITING, PLANNING, RUBRIC, sample


@pytest.fixture
def graded(db, course, make_user, team_assessment):
    """Achievements defined first; then a team (trainees 0 and 1) graded craft 8/10 (NCS editing shown),
    story 5/10 (planning not shown), released by the instructor."""
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus

    admin = make_user("admin", locale="en")
    ncs.import_units(importing.parse_units_csv(sample()))
    assessment = team_assessment(RUBRIC)
    project = assessment.submission.project
    instructor = course["instructor"]
    ncs.save_mappings(
        project, instructor, {("criterion", "craft"): [EDITING], ("criterion", "story"): [PLANNING]}
    )
    defined = {
        "passed": definitions.save_definition(
            None,
            admin,
            kind="project_passed",
            name_ko="브랜드 영상 통과",
            name_en="Brand film passed",
            criteria_ko="60% 이상",
            criteria_en="At least 60% of the grade",
            project_id=project.id,
            pass_percent=60,
            alignment=PLANNING,
        ),
        "hard": definitions.save_definition(
            None, admin, kind="project_passed", name_ko="우수", project_id=project.id, pass_percent=90
        ),
        "editing": definitions.save_definition(
            None,
            admin,
            kind="competency_shown",
            name_ko="영상 편집",
            name_en="Video editing",
            ncs_unit=EDITING,
        ),
        "craft": definitions.save_definition(
            None, admin, kind="competency_shown", name_ko="편집 기술", criterion_title="craft"
        ),
        "story": definitions.save_definition(
            None, admin, kind="competency_shown", name_ko="이야기", criterion_title="Story"
        ),
        "off": definitions.save_definition(
            None,
            admin,
            kind="project_passed",
            name_ko="꺼짐",
            project_id=project.id,
            pass_percent=1,
            active=False,
        ),
    }
    commit()
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}, "craft": {"level_id": "range", "points": "8"}},
        feedback="",
        status=MarkingStatus.READY,
        by=instructor,
    )
    marking.release([assessment], instructor)
    commit()  # the awards' credentials are issued by jobs after the commit (eager in tests)
    return {"admin": admin, "project": project, "assessment": assessment, "defined": defined, **course}


#: What the page's form sends besides what a test types (every select has a value).
FORM = {"kind": "project_passed", "achievement_type": "Achievement", "korean_scale": ""}


def _award(definition, user) -> AchievementAward | None:
    return achievements.award_of(definition, user)


def test_a_released_grade_awards_what_the_trainees_meet_once_each(db, graded):
    a, b, c = graded["trainees"]
    defined = graded["defined"]
    grade = db.session.get(type(graded["assessment"]), graded["assessment"].id).grade
    assert 60 <= grade * 100 / graded["project"].max_grade < 90  # the pass mark, not the hard one
    for person in (a, b):  # team work counts for each member
        for name in ("passed", "editing", "craft"):
            award = _award(defined[name], person)
            assert award is not None and award.badge is not None and award.issued_at is not None, name
        for name in ("hard", "story", "off"):
            assert _award(defined[name], person) is None, name
    assert (
        db.session.scalar(
            select(func.count()).select_from(AchievementAward).where(AchievementAward.user_id == c.id)
        )
        == 0
    )
    assert "/" in _award(defined["passed"], a).evidence and "NCS" in _award(defined["editing"], a).evidence
    # Released again, asked again, the job run again: nothing more.
    before = db.session.scalar(select(func.count()).select_from(OpenBadge))
    assert achievements.on_assessment_released(graded["assessment"]) == 0
    assert achievements.award_qualifying(defined["passed"]) == 0
    award = _award(defined["passed"], a)
    assert tasks.issue_achievement_credential.apply(args=[award.id]).get() == award.badge.code
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OpenBadge)) == before


def test_the_pair_is_unique_in_the_database(db, graded):
    award = _award(graded["defined"]["passed"], graded["trainees"][0])
    db.session.add(AchievementAward(definition_id=award.definition_id, user_id=award.user_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert achievements.record_award(graded["defined"]["passed"], graded["trainees"][0], "again") is None


def test_the_credential_is_an_open_badge_for_the_definition(app, db, graded):
    a = graded["trainees"][0]
    definition = graded["defined"]["passed"]
    badge = _award(definition, a).badge
    vc = badge.credential
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"]["id"] == credentials.issuer_id() and vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    email_id, name_id = vc["credentialSubject"]["identifier"]
    assert email_id["identityHash"] == proofs.identity_hash(
        a.email, email_id["salt"]
    ) and a.email not in json.dumps(vc)
    assert name_id["identityHash"] == a.name
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["id"] == f"http://localhost/credentials/achievements/defined/{definition.id}"
    assert achievement["type"] == ["Achievement"] and achievement["achievementType"] == "Achievement"
    assert achievement["name"] == "브랜드 영상 통과 (Brand film passed)" == vc["name"]
    assert achievement["criteria"]["narrative"] == "60% 이상\nAt least 60% of the grade"
    assert [x["targetCode"] for x in achievement["alignment"]] == [PLANNING]
    assert vc["credentialStatus"]["statusListIndex"] == str(badge.status_index)
    assert credentials.check_document(vc).status == "valid"
    competency = _award(graded["defined"]["editing"], a).badge.credential["credentialSubject"]["achievement"]
    assert competency["achievementType"] == "Competency"
    assert [x["targetCode"] for x in competency["alignment"]] == [EDITING]


def test_the_definition_has_a_public_address(client, graded):
    definition = graded["defined"]["editing"]
    document = client.get(f"/credentials/achievements/defined/{definition.id}")
    assert document.status_code == 200 and document.headers["Access-Control-Allow-Origin"] == "*"
    data = document.get_json()
    assert data["@context"] == [proofs.VC_V2, proofs.OB_V3] and data["achievementType"] == "Competency"
    assert data["id"] == document.request.url and data["name"] == "영상 편집 (Video editing)"
    assert client.get("/credentials/achievements/defined/999999").status_code == 404


def test_the_trainee_downloads_it_verify_accepts_it_and_revoking_works(db, client, login, graded):
    a, _b, c = graded["trainees"]
    badge = _award(graded["defined"]["editing"], a).badge
    login(a)
    page = client.get("/my/credentials").get_data(as_text=True)
    assert badge.credential["id"] in page and f"/my/credentials/badges/{badge.id}/badge.png" in page
    as_json = client.get(f"/my/credentials/badges/{badge.id}/badge.json")
    assert as_json.status_code == 200 and "attachment" in as_json.headers["Content-Disposition"]
    assert json.loads(as_json.data) == badge.credential
    png = client.get(f"/my/credentials/badges/{badge.id}/badge.png")
    assert json.loads(baking.unbake_png(png.data)) == badge.credential
    svg = client.get(f"/my/credentials/badges/{badge.id}/badge.svg")
    assert json.loads(baking.unbake_svg(svg.data)) == badge.credential
    verdict = client.post("/verify", data={"upload": (io.BytesIO(png.data), "badge.png")}).get_data(
        as_text=True
    )
    assert 'data-verdict="valid"' in verdict and "영상 편집" in verdict
    client.post("/auth/logout")
    login(c)
    assert client.get(f"/my/credentials/badges/{badge.id}/badge.json").status_code == 404
    client.post("/auth/logout")
    login(graded["admin"])
    assert client.post(f"/admin/credentials/badges/{badge.id}/revoke", data={"reason": ""}).status_code == 302
    assert db.session.get(OpenBadge, badge.id).revoked_at is None
    response = client.post(f"/admin/credentials/badges/{badge.id}/revoke", data={"reason": "Graded in error"})
    assert response.headers["Location"].endswith(
        f"/admin/credentials/achievements/{graded['defined']['editing'].id}"
    )
    db.session.expire_all()
    assert db.session.get(OpenBadge, badge.id).revoked_at is not None
    assert credentials.check_document(badge.credential).status == "revoked"
    assert badge.status_index in credentials.revoked_indices()
    # Revoked stays revoked: the award is not made again.
    assert achievements.award_qualifying(graded["defined"]["editing"]) == 0


def test_admins_define_and_award_those_who_already_qualify(db, client, login, graded):
    a, b, _c = graded["trainees"]
    login(graded["admin"])
    assert "Achievements" in client.get("/admin/credentials").get_data(as_text=True)
    assert client.get("/admin/credentials/achievements/new").status_code == 200
    refused = client.post(
        "/admin/credentials/achievements/new",
        data={**FORM, "name_ko": "늦은 통과", "project_id": "0", "pass_percent": "50"},
    )
    assert refused.status_code == 400 and "Choose the project." in refused.get_data(as_text=True)
    assert "늦은 통과" in refused.get_data(as_text=True)  # what was typed is kept
    response = client.post(
        "/admin/credentials/achievements/new",
        data={
            **FORM,
            "name_ko": "늦은 통과",
            "name_en": "Passed later",
            "criteria_ko": "50%",
            "achievement_type": "Assignment",
            "project_id": str(graded["project"].id),
            "pass_percent": "50",
            "active": "y",
        },
    )
    assert response.status_code == 302
    later = definitions.definitions()[-1]
    assert (
        later.name_en == "Passed later"
        and later.pass_percent == 50
        and later.achievement_type == "Assignment"
    )
    assert _award(later, a) is None  # defined after the grade: nothing yet
    listing = client.get("/admin/credentials/achievements").get_data(as_text=True)
    assert "Passed later" in listing or "늦은 통과" in listing
    ask = client.post(f"/admin/credentials/achievements/{later.id}/award", data={})
    text = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "2 trainees meet it" in text and a.name in text and b.name in text
    assert _award(later, a) is None  # only counted
    done = client.post(f"/admin/credentials/achievements/{later.id}/award", data={"confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    for person in (a, b):
        award = _award(later, person)
        assert award is not None and award.badge is not None
        assert award.badge.credential["credentialSubject"]["achievement"]["achievementType"] == "Assignment"
    page = client.get(f"/admin/credentials/achievements/{later.id}").get_data(as_text=True)
    assert a.name in page and "Valid" in page
    # An inactive one is not awarded, even by hand.
    off = graded["defined"]["off"]
    client.post(f"/admin/credentials/achievements/{off.id}/award", data={"confirmed": "1"})
    assert _award(off, a) is None


def test_a_verified_korean_result_awards_a_stage(db, graded):
    from projects.credentials.signals import korean_result_verified

    a, b, _c = graded["trainees"]
    stage = definitions.save_definition(
        None,
        graded["admin"],
        kind="korean_stage",
        name_ko="사회통합프로그램 3단계",
        korean_scale="kiip",
        korean_level=3,
    )
    commit()
    assert stage.achievement_type == "Certificate"
    korean_result_verified.send(a, scale="kiip", level=2)
    korean_result_verified.send(b, scale="topik", level=4)  # another scale: a level is no stage
    commit()
    assert _award(stage, a) is None and _award(stage, b) is None
    korean_result_verified.send(a, scale="kiip", level=4)
    commit()
    award = _award(stage, a)
    assert award is not None and award.evidence == "KIIP 4" and award.badge is not None
    assert credentials.check_document(award.badge.credential).valid


def test_those_who_already_hold_a_shared_verified_stage_qualify(db, graded, media):
    from projects.korean.models import EvidenceStatus, KoreanEvidence

    a = graded["trainees"][2]
    db.session.add(
        KoreanEvidence(user_id=a.id, scale="kiip", level=5, status=EvidenceStatus.VERIFIED, shared=True)
    )
    stage = definitions.save_definition(
        None, graded["admin"], kind="korean_stage", name_ko="5단계", korean_scale="kiip", korean_level=5
    )
    commit()
    assert [(u.id, e) for u, e in achievements.qualifying(stage)] == [(a.id, "KIIP 5")]
    assert achievements.award_qualifying(stage) == 1
    commit()
    assert _award(stage, a).badge is not None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "project_passed", "name_ko": ""}, "name_missing"),
        (
            {"kind": "project_passed", "name_ko": "x", "project_id": 999999, "pass_percent": 50},
            "achievement_project_missing",
        ),
        ({"kind": "competency_shown", "name_ko": "x"}, "achievement_competency_missing"),
        ({"kind": "competency_shown", "name_ko": "x", "ncs_unit": "9999999999"}, "ncs_unknown_unit"),
        ({"kind": "competency_shown", "name_ko": "x", "ncs_unit": "abc"}, "ncs_bad_code"),
        (
            {"kind": "korean_stage", "name_ko": "x", "korean_scale": "topik", "korean_level": 0},
            "achievement_korean_level",
        ),
        (
            {
                "kind": "korean_stage",
                "name_ko": "x",
                "korean_scale": "kiip",
                "korean_level": 1,
                "achievement_type": "Spell",
            },
            "achievement_type_unknown",
        ),
    ],
)
def test_a_bad_definition_is_refused(db, make_user, fields, code):
    from projects.common import ProjectError

    with pytest.raises(ProjectError) as refused:
        definitions.save_definition(None, make_user("admin"), **fields)
    assert refused.value.code == code


def test_the_project_pass_mark_must_be_a_percentage(db, graded):
    from projects.common import ProjectError

    with pytest.raises(ProjectError) as refused:
        definitions.save_definition(
            None,
            graded["admin"],
            kind="project_passed",
            name_ko="x",
            project_id=graded["project"].id,
            pass_percent=0,
        )
    assert refused.value.code == "achievement_pass_mark"


def test_the_api(client, token_for, graded):
    admin = token_for(graded["admin"], "read write")
    trainee = token_for(graded["trainees"][0], "read write")
    assert client.get("/api/v1/achievements", headers=trainee).status_code == 403
    listed = client.get("/api/v1/achievements", headers=admin).get_json()
    assert {d["kind"] for d in listed} == {k.value for k in AchievementKind} - {"korean_stage"}
    body = {"kind": "korean_stage", "name_ko": "TOPIK 3급", "korean_scale": "topik", "korean_level": 3}
    assert client.post("/api/v1/achievements", json=body, headers=trainee).status_code == 403
    made = client.post("/api/v1/achievements", json=body, headers=admin)
    assert made.status_code == 201
    data = made.get_json()
    assert data["achievement_type"] == "Certificate" and data["url"].endswith(
        f"/achievements/defined/{data['id']}"
    )
    bad = client.put(f"/api/v1/achievements/{data['id']}", json={**body, "korean_level": 9}, headers=admin)
    assert bad.status_code == 422 and "TOPIK" in bad.get_json()["message"]
    editing = graded["defined"]["editing"]
    one = client.get(f"/api/v1/achievements/{editing.id}", headers=admin).get_json()
    assert one["ncs_unit_code"] == EDITING and one["alignment"] == []
    awards = client.get(f"/api/v1/achievements/{editing.id}/awards", headers=admin).get_json()
    assert sorted(a["user_id"] for a in awards) == sorted(t.id for t in graded["trainees"][:2])
    assert all(a["badge_code"] for a in awards)
    assert client.post(f"/api/v1/achievements/{editing.id}/awards", headers=admin).get_json() == {
        "awarded": 0
    }
    # The trainee's credentials list holds the achievements' too.
    own = client.get("/api/v1/credentials", headers=trainee).get_json()
    assert len(own) == 3


def test_personal_data_and_anonymising(db, client, graded):
    from lms.users.privacy import anonymise_user, personal_data

    a = graded["trainees"][0]
    parts, _files = personal_data(a)
    awards = parts["achievements"]["awards"]
    assert {x["achievement"] for x in awards} >= {
        "브랜드 영상 통과 (Brand film passed)",
        "영상 편집 (Video editing)",
    }
    assert all(x["credential_code"] for x in awards)
    assert len(parts["projects"]["open_badges"]) == 3
    badge_ids = [x.badge_id for x in achievements.awards_of(a)]
    anonymise_user(a, graded["admin"])
    commit()
    for award in achievements.awards_of(a):
        assert award.evidence == ""
    for badge_id in badge_ids:
        badge = db.session.get(OpenBadge, badge_id)
        assert badge.revoked_at is not None and badge.credential == {"anonymised": True}
        assert client.get(f"/credentials/{badge.code}.json").status_code == 404


def test_completion_credentials_are_issued_by_the_job_once(db, course, make_user):
    from projects.completions import services as completions

    completion = completions.mark_completion(course["trainees"][0], course["cohort"], date.today(), None)
    db.session.flush()
    assert credentials.current_badge(completion) is None  # the request only records what to issue
    commit()
    badge = credentials.current_badge(completion)
    assert badge is not None and credentials.check_document(badge.credential).valid
    assert tasks.issue_completion_credential.apply(args=[completion.id]).get() == badge.code
    db.session.expire_all()
    count = select(func.count()).select_from(OpenBadge).where(OpenBadge.completion_id == completion.id)
    assert db.session.scalar(count) == 1
