"""The NCS framework on a real cohort: the admin's all-or-nothing import, mapping a project's outcomes and
rubric criteria (its managers only), the units each trainee showed by which graded work, the API, the
personal-data download, portfolio competencies and credential alignments."""

from __future__ import annotations

import io
from decimal import Decimal
from importlib.resources import files

import pytest
from sqlalchemy import func, select

from lms.jobs import commit
from projects.ncs import importing
from projects.ncs import services as ncs
from projects.ncs.models import NcsMapping, NcsUnit
from tests.projects.test_credentials_verifier import verifier  # noqa: F401, F811  (the Node verifier fixture)

RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_ko": "이야기",
            "title_en": "Story",
            "levels": [
                {"id": "weak", "name_en": "Weak", "points": 0},
                {"id": "good", "name_en": "Good", "points": 5},
                {"id": "great", "name_en": "Great", "points": 10},
            ],
        },
        {
            "id": "craft",
            "title_ko": "편집",
            "title_en": "Craft",
            "levels": [{"id": "range", "name_en": "Points", "min_points": 0, "max_points": 10}],
        },
    ]
}
PLANNING, EDITING, CONTENT = "0803020101_16v3", "0803020103_17v2", "2001020202_16v3"


def switch(client, login, user) -> None:
    """Sign out whoever is signed in, then sign *user* in."""
    client.post("/auth/logout")
    login(user)


def sample() -> bytes:
    return (files("projects.ncs") / "data" / "sample_units.csv").read_bytes()


@pytest.fixture
def graded(db, course, team_assessment):
    """The sample units imported; a team (trainees 0 and 1) graded on a project whose "craft" criterion maps
    to video editing and digital content production, and "story" to video planning: craft 8/10 (shown),
    story "good" 5/10 (not shown), released."""
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus

    ncs.import_units(importing.parse_units_csv(sample()))
    assessment = team_assessment(RUBRIC)
    project = assessment.submission.project
    project.outcomes = "Plan a short film\n\nEdit it"
    instructor = course["instructor"]
    ncs.save_mappings(
        project,
        instructor,
        {("criterion", "craft"): [EDITING, "2001020202"], ("criterion", "story"): [PLANNING]},
    )
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}, "craft": {"level_id": "range", "points": "8"}},
        feedback="",
        status=MarkingStatus.READY,
        by=instructor,
    )
    marking.release([assessment], instructor)
    db.session.commit()
    return {"assessment": assessment, "project": project, **course}


def test_shown_share_is_the_portfolios_competency_share():
    from projects.portfolios.services import COMPETENCY_SHARE

    assert ncs.SHOWN_SHARE == COMPETENCY_SHARE == Decimal("0.75")


def test_coverage_lists_each_unit_shown_with_the_work_that_shows_it(db, graded):
    a, b, c = graded["trainees"]
    shown = ncs.coverage(a)
    assert [e["unit"].code for e in shown] == [EDITING, CONTENT]  # by code; planning ("good" = 50%) is not
    evidence = shown[0]["evidence"]
    assert [(e["project"].id, e["criterion_id"], e["title_en"], e["share"]) for e in evidence] == [
        (graded["project"].id, "craft", "Craft", 0.8)
    ]
    assert [e["code"] for e in ncs.coverage_data(b)] == [EDITING, CONTENT]  # team work counts for each member
    assert ncs.coverage(c) == []
    # Credentials align to the same units, in both languages, with a link.
    alignments = ncs.alignments_for(a, graded["project"])
    assert alignments[0] == {
        "code": EDITING,
        "name_ko": "영상 편집",
        "name_en": "Video editing",
        "url": ncs.unit_url(shown[0]["unit"]),
    }
    assert ncs.alignments_for(a, cohort_id=graded["cohort"].id) == alignments
    assert ncs.alignments_for(a, cohort_id=graded["cohort"].id + 1000) == []
    ob = ncs.ob_alignment(alignments)[0]
    assert ob["type"] == ["Alignment"] and ob["targetCode"] == EDITING
    assert ob["targetName"] == "영상 편집 (Video editing)" and ob["targetUrl"].startswith("https://")


def test_a_new_issue_of_a_unit_updates_it_in_place_and_keeps_its_mappings(db, graded):
    data = (
        "능력단위코드,능력단위명,능력단위명(영문),수준,능력단위요소명\n"
        "0803020103_23v4,영상 편집,Video editing,4,컷 편집하기\n"
    ).encode()
    added, updated = ncs.import_units(importing.parse_units_csv(data))
    assert (added, updated) == (0, 1)
    unit = ncs.unit_for("0803020103")
    assert unit is not None and (unit.code, unit.level) == ("0803020103_23v4", 4)
    assert [e["unit"].code for e in ncs.coverage(graded["trainees"][0])][0] == "0803020103_23v4"


def test_a_later_rubric_version_borrows_the_mapping_of_the_same_criterion(db, graded):
    from projects.grading import rubrics

    project = graded["project"]
    old = project.rubric_version
    changed = {"criteria": [{**RUBRIC["criteria"][1], "title_en": "Editing craft"}]}
    newer = rubrics.save_rubric(old.rubric, title_ko="r", title_en="r", data=changed, by=graded["instructor"])
    assert newer.id != old.id
    assert [u.code for u in ncs.units_for_criterion(project.id, newer.id, "craft")] == [EDITING, CONTENT]
    # Once the new version is mapped, it has its own units; the old one keeps its.
    rubrics.attach(project, newer)
    ncs.save_mappings(project, graded["instructor"], {("criterion", "craft"): [PLANNING]})
    assert [u.code for u in ncs.units_for_criterion(project.id, newer.id, "craft")] == [PLANNING]
    assert [u.code for u in ncs.units_for_criterion(project.id, old.id, "craft")] == [EDITING, CONTENT]


def test_mapping_refuses_unknown_codes_and_targets_all_or_nothing(db, graded):
    from projects.common import ProjectError

    project, teacher = graded["project"], graded["instructor"]
    before = db.session.scalar(select(func.count()).select_from(NcsMapping))
    for wanted, code in (
        ({("criterion", "story"): ["9999999999_16v1"]}, "ncs_unknown_unit"),
        ({("criterion", "story"): ["080302"]}, "ncs_bad_code"),
        ({("criterion", "nope"): [PLANNING]}, "ncs_unknown_target"),
        ({("outcome", "1"): [PLANNING], ("criterion", "craft"): ["1234567890"]}, "ncs_unknown_unit"),
    ):
        with pytest.raises(ProjectError) as refused:
            ncs.save_mappings(project, teacher, wanted)
        assert refused.value.code == code
    assert db.session.scalar(select(func.count()).select_from(NcsMapping)) == before
    targets = {(t["kind"], t["ref"]): t for t in ncs.targets(project)}
    assert list(targets) == [
        ("outcome", "1"),
        ("outcome", "3"),
        ("criterion", "story"),
        ("criterion", "craft"),
    ]
    assert [u.code for u in targets[("criterion", "story")]["units"]] == [PLANNING]
    ncs.save_mappings(project, teacher, {("outcome", "1"): [PLANNING, PLANNING], ("criterion", "story"): []})
    targets = {(t["kind"], t["ref"]): t for t in ncs.targets(project)}
    assert [u.code for u in targets[("outcome", "1")]["units"]] == [PLANNING]
    assert targets[("criterion", "story")]["units"] == []


def test_admin_import_page_lists_every_problem_and_writes_nothing_then_imports(client, login, make_user, db):
    admin = make_user("admin", locale="en")
    login(admin)
    bad = "능력단위코드,능력단위명,수준\n0803020101_16v3,영상 기획,4\n0803020102,영상 촬영,3\n"
    bad += "0803020103_17v2,,12\n"
    page = client.post(
        "/projects/ncs/import", data={"file": (io.BytesIO(bad.encode()), "units.csv")}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "0803020102 is not an NCS unit code." in page and "The level must be a number from 1 to 8." in page
    assert "<td>3</td>" in page and "<td>4</td>" in page
    assert db.session.scalar(select(func.count()).select_from(NcsUnit)) == 0
    answer = client.post("/projects/ncs/import", data={"file": (io.BytesIO(sample()), "sample.csv")})
    assert answer.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(NcsUnit)) == len(
        importing.parse_units_csv(sample()).units
    )
    listing = client.get("/projects/ncs?q=editing").get_data(as_text=True)
    assert EDITING in listing and PLANNING not in listing
    assert PLANNING in client.get("/projects/ncs?q=0803020101").get_data(as_text=True)


def test_the_cohort_instructor_maps_on_the_page_and_others_get_404(client, login, make_user, db, graded):
    project = graded["project"]
    switch(client, login, graded["trainees"][0])
    assert client.get(f"/projects/{project.id}/ncs").status_code == 404
    switch(client, login, make_user("instructor"))  # teaches no cohort of the project
    assert client.get(f"/projects/{project.id}/ncs").status_code == 404
    switch(client, login, graded["instructor"])
    page = client.get(f"/projects/{project.id}/ncs").get_data(as_text=True)
    assert "Plan a short film" in page and PLANNING in page
    client.post(
        f"/projects/{project.id}/ncs",
        data={"units-outcome-1": PLANNING, "units-criterion-story": "", "units-criterion-craft": EDITING},
    )
    db.session.expire_all()
    targets = {(t["kind"], t["ref"]): [u.code for u in t["units"]] for t in ncs.targets(project)}
    assert targets == {
        ("outcome", "1"): [PLANNING],
        ("outcome", "3"): [],
        ("criterion", "story"): [],
        ("criterion", "craft"): [EDITING],
    }
    refused = client.post(
        f"/projects/{project.id}/ncs", data={"units-criterion-craft": "1234567890"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "NCS unit 1234567890 is not imported yet." in refused


def test_coverage_page_for_the_trainee_their_instructor_and_admins_only(client, login, make_user, graded):
    a, _b, c = graded["trainees"]
    switch(client, login, a)
    page = client.get(f"/projects/ncs/coverage/{a.id}").get_data(as_text=True)
    assert EDITING in page and "Craft" in page and "80%" in page and PLANNING not in page
    assert f'href="/projects/ncs/coverage/{a.id}"' in page  # the trainee's own link in the navigation
    assert client.get(f"/projects/ncs/coverage/{c.id}").status_code == 404
    switch(client, login, graded["instructor"])
    assert client.get(f"/projects/ncs/coverage/{a.id}").status_code == 200
    switch(client, login, make_user("instructor"))
    assert client.get(f"/projects/ncs/coverage/{a.id}").status_code == 404
    switch(client, login, make_user("admin"))
    assert client.get(f"/projects/ncs/coverage/{a.id}").status_code == 200


def test_api_reads_units_and_coverage_and_managers_set_mappings(client, token_for, make_user, graded):
    a = graded["trainees"][0]
    project = graded["project"]
    mine = token_for(a)
    units = client.get("/api/v1/ncs/units?q=video&page_size=2", headers=mine)
    assert units.status_code == 200 and len(units.get_json()) == 2 and "X-Pagination" in units.headers
    assert units.get_json()[0]["elements"][0]["name"]
    coverage = client.get(f"/api/v1/ncs/coverage/{a.id}", headers=mine).get_json()
    assert [u["code"] for u in coverage] == [EDITING, CONTENT]
    assert coverage[0]["evidence"][0]["criterion_en"] == "Craft"
    assert client.get(f"/api/v1/projects/{project.id}/ncs", headers=mine).status_code == 404
    put = {"targets": [{"kind": "criterion", "ref": "story", "units": [PLANNING]}]}
    assert (
        client.put(f"/api/v1/projects/{project.id}/ncs", json=put, headers=token_for(a, "write")).status_code
        == 404
    )
    teacher = token_for(graded["instructor"], "read write")
    answer = client.put(f"/api/v1/projects/{project.id}/ncs", json=put, headers=teacher)
    assert answer.status_code == 200, answer.get_json()
    story = next(t for t in answer.get_json()["targets"] if t["ref"] == "story")
    assert story["units"] == [PLANNING] and story["title_en"] == "Story"
    put["targets"][0]["units"] = ["0000000000"]
    refused = client.put(f"/api/v1/projects/{project.id}/ncs", json=put, headers=teacher)
    assert refused.status_code == 422 and "0000000000" in refused.get_json()["message"]


def test_personal_data_download_holds_the_coverage(db, graded):
    from lms.users.privacy import personal_data

    parts, _files = personal_data(graded["trainees"][0])
    assert [u["code"] for u in parts["projects"]["ncs_coverage"]] == [EDITING, CONTENT]


def test_portfolio_competencies_use_the_mapped_units(db, graded):
    from projects.portfolios import competencies

    assessment = graded["assessment"]
    craft = assessment.rubric_version.criteria[1]
    labels = competencies._labels(assessment, craft)
    assert labels == [
        ("ncs 0803020103", f"영상 편집 (NCS {EDITING})", f"Video editing (NCS {EDITING})"),
        (
            "ncs 2001020202",
            f"디지털 콘텐츠 제작 (NCS {CONTENT})",
            f"Digital content production (NCS {CONTENT})",
        ),
    ]
    ncs.save_mappings(graded["project"], graded["instructor"], {("criterion", "craft"): []})
    assert competencies._labels(assessment, craft) == [("craft", "편집", "Craft")]


def test_a_completion_credential_aligns_to_the_units_shown_in_the_cohort(db, make_user, graded):
    from datetime import date

    from projects.completions import services as completions
    from projects.credentials import services as credentials
    from projects.credentials.models import OpenBadge

    admin = make_user("admin")
    trainee, _b, other = graded["trainees"]
    for person in (trainee, other):
        completions.mark_completion(person, graded["cohort"], date.today(), admin)
    commit()  # the credentials are issued by jobs after the commit
    badges = {b.user_id: b for b in db.session.scalars(select(OpenBadge))}
    alignment = badges[trainee.id].credential["credentialSubject"]["achievement"]["alignment"]
    assert [(a["targetCode"], a["targetType"]) for a in alignment] == [
        (EDITING, "ceasn:Competency"),
        (CONTENT, "ceasn:Competency"),
    ]
    assert alignment[0]["targetName"] == "영상 편집 (Video editing)"
    assert credentials.check_document(badges[trainee.id].credential).status == "valid"
    assert badges[other.id].credential["credentialSubject"]["achievement"]["alignment"] == []


def test_the_independent_verifier_accepts_a_credential_aligned_to_the_units_shown(
    db,
    make_user,
    graded,
    verifier,  # noqa: F811  (the fixture imported above)
):
    """Digital Bazaar's verifier (Node; skips where absent) checks a credential issued with NCS alignment."""
    from datetime import date

    from projects.completions import services as completions
    from projects.credentials import services as credentials
    from projects.credentials.models import OpenBadge
    from tests.projects.test_credentials_verifier import _node_verify

    completions.mark_completion(graded["trainees"][0], graded["cohort"], date.today(), make_user("admin"))
    commit()
    vc = db.session.scalar(select(OpenBadge)).credential
    assert len(vc["credentialSubject"]["achievement"]["alignment"]) == 2
    status_list, controller = credentials.status_list_credential(), credentials.controller_document()
    assert _node_verify(verifier, vc, status_list, controller)["verified"] is True
    vc["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] = PLANNING
    assert _node_verify(verifier, vc, status_list, controller)["verified"] is False
