"""Employers: sign-up and approval, search, brokered interest, the board and placement figures."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import date

import pytest
from sqlalchemy import func, select

from lms.notifications.models import Notification
from lms.users.models import KoreanTest, User
from projects.careers import services as careers
from projects.careers.interests import can_view_interest, express_interest, interests_for, move_interest
from projects.careers.models import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus
from projects.careers.placement import CSV_COLUMNS, Figures, chart_geometry, placement_figures, text_width
from projects.careers.search import SearchFilters, search_trainees
from projects.completions.models import Completion
from projects.portfolios.models import Portfolio, PortfolioCompetency, Visibility

GOOD_BN = "124-81-00998"  # a real company's number: its check digit is right
SIGNUP = {
    "company": "한빛미디어",
    "business_number": GOOD_BN,
    "industry": "Video production",
    "region": "daegu",
    "address": "대구 중구 1",
    "website": "https://hanbit.example.kr",
    "phone": "053-000-0000",
    "contact_name": "Choi Yuna",
    "email": "hr@hanbit.example.kr",
    "password": "river stone lantern 42",
    "confirm": "river stone lantern 42",
    "consent": "y",
}


@pytest.mark.parametrize(
    "number,ok",
    [
        ("124-81-00998", True),
        ("1248100998", True),
        ("124 81 00998", True),
        ("220-81-62517", True),
        ("124-81-00999", False),
        ("12481009", False),
        ("124810099800", False),
        ("abc-de-fghij", False),
        ("", False),
    ],
)
def test_business_number_check_digit(number, ok):
    assert careers.valid_business_number(number) is ok


@pytest.mark.parametrize(
    "name,shown",
    [
        ("Nguyen Thi Lan", "Nguyen L."),
        ("Dilnoza Karimova", "Dilnoza K."),
        ("Budi", "Budi"),
        ("王芳 (Wang Fang)", "芳 王."),
        ("김서연", "서연 김."),
        ("Aung Kyaw Min", "Aung M."),
        ("  ", ""),
    ],
)
def test_public_name(name, shown):
    assert careers.public_name(name) == shown


# Fixtures --------------------------------------------------------------------------------------------------


def _completion(db, user, cohort, on):
    db.session.add(
        Completion(
            user_id=user.id,
            cohort_id=cohort.id,
            completed_on=on,
            code=secrets.token_hex(16),
            record={"name": user.name},
            signature="test",
            key_id="test",
        )
    )


def _portfolio(
    db, user, visibility=Visibility.EMPLOYERS, skills=(), region=None, competencies=(), headline=""
):
    portfolio = Portfolio(
        owner_id=user.id,
        visibility=visibility,
        skills=list(skills),
        region=region,
        headline_en=headline,
        headline_ko=headline,
    )
    db.session.add(portfolio)
    db.session.flush()
    for key in competencies:
        db.session.add(
            PortfolioCompetency(
                portfolio_id=portfolio.id, key=key, label_en=key.title(), label_ko=key, level=0.9, evidence=1
            )
        )
    return portfolio


@pytest.fixture
def people(db, make_user, make_cohort):
    """Two programmes; trainees with portfolios at every visibility; a liaison, an admin and two employers."""
    t = {
        name: make_user("trainee", name=name, locale="en")
        for name in (
            "Nguyen Thi Lan",
            "Dilnoza Karimova",
            "Budi Santoso",
            "Sita Gurung",
            "Hidden Person",
            "Staff Only",
            "Gone Away",
        )
    }
    t["Dilnoza Karimova"].korean_level, t["Dilnoza Karimova"].share_korean = 4, True
    t["Dilnoza Karimova"].korean_test = t["Budi Santoso"].korean_test = KoreanTest.TOPIK
    t["Budi Santoso"].korean_level, t["Budi Santoso"].share_korean = 5, False  # a level not shared
    t["Gone Away"].active = False
    video = make_cohort(
        code="V1",
        trainees=[
            t["Nguyen Thi Lan"],
            t["Dilnoza Karimova"],
            t["Hidden Person"],
            t["Staff Only"],
            t["Gone Away"],
        ],
    )
    digital = make_cohort(code="D1", trainees=[t["Budi Santoso"], t["Sita Gurung"]])
    _portfolio(
        db,
        t["Nguyen Thi Lan"],
        skills=["Premiere Pro", "Runway"],
        region="daegu",
        competencies=["editing", "story"],
        headline="Editor",
    )
    _portfolio(
        db,
        t["Dilnoza Karimova"],
        Visibility.LINK,
        skills=["premiere pro"],
        region="anywhere",
        competencies=["editing"],
    )
    _portfolio(db, t["Budi Santoso"], skills=["Excel"], region="seoul", competencies=["automation"])
    _portfolio(db, t["Sita Gurung"], skills=["Excel"], region="busan")
    _portfolio(db, t["Hidden Person"], Visibility.PRIVATE, skills=["Premiere Pro"], region="daegu")
    _portfolio(db, t["Staff Only"], Visibility.STAFF, skills=["Premiere Pro"], region="daegu")
    _portfolio(db, t["Gone Away"], skills=["Premiere Pro"], region="daegu")
    _completion(db, t["Nguyen Thi Lan"], video, date(2026, 8, 28))
    _completion(db, t["Dilnoza Karimova"], video, date(2026, 12, 20))
    _completion(db, t["Budi Santoso"], digital, date(2026, 8, 1))
    liaison, admin = make_user("liaison", locale="en"), make_user("admin", locale="en")
    employers = {}
    for key, status in (
        ("approved", EmployerStatus.APPROVED),
        ("pending", EmployerStatus.PENDING),
        ("rival", EmployerStatus.APPROVED),
    ):
        user = make_user("employer", name=f"{key.title()} Boss", locale="en")
        employers[key] = Employer(
            user_id=user.id,
            company=f"{key.title()} Co",
            business_number="1248100998",
            phone="053-1",
            status=status,
            industry=f"{key.title()} industry",
            region="gyeongbuk",
            website=f"https://{key}.example.kr",
            description=f"We make <{key}> films",
        )
        db.session.add(employers[key])
    db.session.commit()
    return {"t": t, "video": video, "digital": digital, "liaison": liaison, "admin": admin, **employers}


# Sign-up and approval --------------------------------------------------------------------------------------


def test_sign_up_creates_a_pending_employer_and_notifies_liaisons(client, db, make_user):
    liaison = make_user("liaison", locale="en")
    page = client.get("/careers/employers/signup", headers={"Accept-Language": "ko"})
    assert page.status_code == 200 and "사업자등록번호" in page.get_data(as_text=True)
    response = client.post("/careers/employers/signup", data=SIGNUP)
    assert response.status_code == 302 and response.location.endswith("/careers/employers/signup/done")
    user = db.session.scalar(select(User).where(User.email == "hr@hanbit.example.kr"))
    employer = careers.employer_of(user) if user else None
    assert user.role.value == "employer" and user.organisation == "한빛미디어"
    assert employer.status is EmployerStatus.PENDING and employer.business_number == "1248100998"
    assert employer.region == "daegu" and employer.phone == "053-000-0000"
    note = db.session.scalar(select(Notification).where(Notification.user_id == liaison.id))
    assert "한빛미디어" in note.text_en and note.url == f"/careers/employers/{employer.id}"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("business_number", "124-81-00999", "not valid"),
        ("business_number", "12345", "not valid"),
        ("password", "password1", "attackers try first"),
        ("region", "atlantis", "Not a valid choice"),
        ("website", "hanbit", "full web address"),
        ("company", "", "This field is required"),
        ("region", "anywhere", "Not a valid choice"),  # a company is somewhere
        ("consent", "", "Agree to the collection and use of personal information"),
    ],
)
def test_sign_up_refuses_bad_input_and_keeps_the_rest(client, db, field, value, message):
    data = {**SIGNUP, field: value, **({"confirm": value} if field == "password" else {})}
    response = client.post("/careers/employers/signup", data=data, headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body
    assert "hr@hanbit.example.kr" in body and "Video production" in body  # what was typed stays
    assert db.session.scalar(select(func.count(Employer.id))) == 0


def test_sign_up_page_marks_required_fields_and_asks_for_consent(client):
    body = client.get("/careers/employers/signup", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'placeholder="123-45-67891"' in body and careers.valid_business_number("123-45-67891")
    assert "123-45-67890" not in body
    for label in ("Company name (required)", "Region (required)", "Contact person (required)"):
        assert label in body, label
    assert "Website (required)" not in body and "About the company (required)" not in body
    assert 'value="anywhere"' not in body and 'value="daegu"' in body
    consent = re.search(r'<input[^>]*id="consent"[^>]*>', body).group(0)
    assert 'type="checkbox"' in consent and "required" in consent
    assert "As long as the employer account exists." in body and "broker contact" in body


def test_bad_business_number_error_gives_a_valid_example(client):
    body = client.post(
        "/careers/employers/signup",
        data={**SIGNUP, "business_number": "124-81-00999"},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    example = re.search(r"e\.g\. ([\d-]+)\)", body).group(1)
    assert careers.valid_business_number(example)


def test_service_refuses_anywhere_as_a_company_region(db):
    with pytest.raises(careers.CareersError, match="bad_region"):
        careers.register_employer(
            email="a@b.example.kr",
            password=SIGNUP["password"],
            contact_name="A",
            company="B",
            business_number=GOOD_BN,
            region="anywhere",
        )
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_login_page_points_employers_to_sign_up_only_with_the_plugin(client, app_factory):
    body = client.get("/auth/login", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert 'href="/careers/employers/signup"' in body and "기업 회원 가입" in body
    bare = app_factory(PLUGINS=[])
    with bare.app_context():
        response = bare.test_client().get("/auth/login", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "/careers/" not in response.get_data(as_text=True)


def test_sign_up_with_a_taken_address_looks_the_same_and_creates_nothing(client, db, make_user, outbox):
    existing = make_user("trainee", email="hr@hanbit.example.kr")
    response = client.post("/careers/employers/signup", data=SIGNUP)
    assert response.status_code == 302 and response.location.endswith("/careers/employers/signup/done")
    assert db.session.scalar(select(func.count(Employer.id))) == 0
    assert db.session.get(User, existing.id).role.value == "trainee"
    assert any("already has an account" in m["body"] and m["to"] == existing.email for m in outbox())


def test_sign_up_is_rate_limited_per_address(client, db):
    for n in range(careers_views().SIGNUPS_PER_HOUR):
        assert (
            client.post(
                "/careers/employers/signup", data={**SIGNUP, "email": f"hr{n}@x.example.kr"}
            ).status_code
            == 302
        )
    assert (
        client.post("/careers/employers/signup", data={**SIGNUP, "email": "late@x.example.kr"}).status_code
        == 429
    )
    assert db.session.scalar(select(func.count(Employer.id))) == careers_views().SIGNUPS_PER_HOUR


def careers_views():
    from projects.careers import views as career_views

    return career_views


def test_sign_up_needs_a_csrf_token(app_factory, db):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = app.test_client().post("/careers/employers/signup", data=SIGNUP)
        assert response.status_code == 400
        assert db.session.scalar(select(func.count(Employer.id))) == 0


def test_a_pending_employer_sees_only_the_status_page(client, login, people):
    login(people["pending"].user)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 302 and dashboard.location.endswith("/careers/status")
    status = client.get("/careers/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Waiting for approval" in status and "Find trainees and graduates" not in status
    for url in (
        "/careers/search",
        "/projects/",
        "/media/check",
        "/account/tokens",
        f"/careers/trainees/{people['t']['Nguyen Thi Lan'].id}/interest",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/notifications").status_code == 200


@pytest.mark.parametrize(
    "decision,reason,ok",
    [
        ("approved", "", True),
        ("rejected", "", False),
        ("rejected", "No registration found", True),
        ("suspended", "x", False),  # a pending employer cannot be suspended
    ],
)
def test_liaison_decides_with_a_reason(client, login, db, people, decision, reason, ok):
    employer = people["pending"]
    login(people["liaison"])
    response = client.post(
        f"/careers/employers/{employer.id}/decision",
        data={"decision": decision, "reason": reason},
        headers={"Accept-Language": "en"},
    )
    db.session.refresh(employer)
    if ok:
        assert response.status_code == 302
        assert employer.status.value == decision and employer.decision_reason == reason
        assert employer.decided_by_id == people["liaison"].id
        note = db.session.scalar(select(Notification).where(Notification.user_id == employer.user_id))
        assert note.url == "/careers/status" and (reason in note.text_en)
    else:
        assert response.status_code == 422 and employer.status is EmployerStatus.PENDING


def test_reason_is_shown_to_a_rejected_employer(client, login, db, people):
    careers.decide_employer(
        people["pending"], EmployerStatus.REJECTED, people["admin"], "Closed <b>business</b>"
    )
    db.session.commit()
    login(people["pending"].user)
    body = client.get("/careers/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not approved" in body and "Closed &lt;b&gt;business&lt;/b&gt;" in body


@pytest.mark.parametrize("role", ["trainee", "instructor", "employer"])
def test_only_brokers_decide(client, login, db, people, make_user, role):
    user = people["approved"].user if role == "employer" else make_user(role)
    login(user)
    response = client.post(
        f"/careers/employers/{people['pending'].id}/decision", data={"decision": "approved"}
    )
    assert response.status_code == 403
    assert db.session.get(Employer, people["pending"].id).status is EmployerStatus.PENDING


def test_suspension_stops_search_at_once(client, login, db, people):
    login(people["approved"].user)
    assert client.get("/careers/search").status_code == 200
    careers.decide_employer(people["approved"], EmployerStatus.SUSPENDED, people["liaison"], "Complaint")
    db.session.commit()
    assert client.get("/careers/search").status_code == 403


# Search ----------------------------------------------------------------------------------------------------


def _names(viewer, **filters):
    page = search_trainees(viewer, SearchFilters(**filters), per_page=50)
    return sorted(r.trainee.name for r in page.items)


def test_search_shows_only_opted_in_active_trainees(people):
    viewer = people["approved"].user
    assert _names(viewer) == ["Budi Santoso", "Dilnoza Karimova", "Nguyen Thi Lan", "Sita Gurung"]


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"programme_key": "digital"}, ["Budi Santoso", "Sita Gurung"]),
        ({"cohort_key": "video"}, ["Dilnoza Karimova", "Nguyen Thi Lan"]),
        (
            {"completed_from": date(2026, 8, 1), "completed_to": date(2026, 8, 31)},
            ["Budi Santoso", "Nguyen Thi Lan"],
        ),
        ({"completed_from": date(2026, 12, 1)}, ["Dilnoza Karimova"]),
        ({"competencies": ["editing"]}, ["Dilnoza Karimova", "Nguyen Thi Lan"]),
        ({"competencies": ["editing", "story"]}, ["Nguyen Thi Lan"]),
        ({"skills": ["PREMIERE PRO"]}, ["Dilnoza Karimova", "Nguyen Thi Lan"]),
        ({"skills": ["premiere pro", "runway"]}, ["Nguyen Thi Lan"]),
        ({"skills": ["Premiere"]}, ["Dilnoza Karimova", "Nguyen Thi Lan"]),  # part of a skill, any case
        ({"skills": ["pro", "RUN"]}, ["Nguyen Thi Lan"]),  # each typed skill must match some skill
        ({"skills": ["premiere", "excel"]}, []),
        ({"skills": ["Premiere Pro CC"]}, []),
        (
            {"skills": ["ｅｘｃｅｌ"]},
            ["Budi Santoso", "Sita Gurung"],
        ),  # full-width letters typed on a Korean keyboard
        ({"min_korean_level": 4}, ["Dilnoza Karimova"]),  # Budi's 5 is not shared, so never matched
        ({"min_korean_level": 5}, []),
        ({"min_korean_level": 4, "korean_scale": "kiip"}, []),  # a TOPIK level is no KIIP stage
        ({"region": "daegu"}, ["Dilnoza Karimova", "Nguyen Thi Lan"]),  # Dilnoza works anywhere
        ({"region": "seoul"}, ["Budi Santoso", "Dilnoza Karimova"]),
    ],
)
def test_search_filters(people, filters, expected):
    if "programme_key" in filters:
        filters["programme_id"] = people[filters.pop("programme_key")].programme_id
    if "cohort_key" in filters:
        filters["cohort_id"] = people[filters.pop("cohort_key")].id
    assert _names(people["approved"].user, **filters) == expected


def test_search_results_hide_names_and_unshared_levels(client, login, people):
    login(people["approved"].user)
    body = client.get("/careers/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Nguyen L." in body and "Dilnoza K." in body and "TOPIK level 4 · Self-declared" in body
    for hidden in (
        "Nguyen Thi Lan",
        "Karimova",
        "Santoso",
        "TOPIK level 5",
        "Hidden Person",
        "Staff Only",
        "Gone Away",
        "@example.org",
    ):
        assert hidden not in body, hidden


def test_search_page_filters_and_pages(client, login, people):
    login(people["liaison"])
    body = client.get(
        "/careers/search?skills=excel&region=&programme=0&cohort=0&korean_level=0",
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "Trainees and graduates found: 2" in body and "Sita Gurung" in body  # brokers see full names
    page = search_trainees(people["liaison"], SearchFilters(), page=2, per_page=3)
    assert (page.total, page.pages, len(page.items), page.has_prev, page.has_next) == (4, 2, 1, True, False)


def test_search_is_refused_to_others(client, login, people, make_user):
    for user in (people["pending"].user, people["t"]["Nguyen Thi Lan"], make_user("instructor")):
        login(user)
        assert client.get("/careers/search").status_code == 403
        with pytest.raises(careers.CareersError):
            search_trainees(user, SearchFilters())


# Interests -------------------------------------------------------------------------------------------------


def test_interest_from_search_to_contact(client, login, db, people, app):
    trainee, employer = people["t"]["Nguyen Thi Lan"], people["approved"]
    en = {"Accept-Language": "en"}
    login(employer.user)
    response = client.post(
        f"/careers/trainees/{trainee.id}/interest",
        data={"role_title": "Video editor", "message": "We liked your <film>"},
    )
    interest = db.session.scalar(select(Interest))
    assert response.status_code == 302 and interest.status is InterestStatus.SUBMITTED
    page = client.get(f"/careers/interests/{interest.id}", headers=en).get_data(as_text=True)
    assert (
        "Nguyen L." in page
        and trainee.email not in page
        and "If it passes it on, the trainee decides" in page
    )

    trainee_client = app.test_client()
    login(trainee, c=trainee_client)
    assert trainee_client.get(f"/careers/interests/{interest.id}").status_code == 404  # not forwarded yet
    assert (
        trainee_client.post(f"/careers/interests/{interest.id}/step", data={"action": "accept"}).status_code
        == 404
    )

    liaison_client = app.test_client()
    login(people["liaison"], c=liaison_client)
    board = liaison_client.get("/careers/board", headers=en).get_data(as_text=True)
    assert "Video editor" in board and "Nguyen Thi Lan" in board
    assert (
        liaison_client.post(
            f"/careers/interests/{interest.id}/step",
            data={"action": "forward", "note": "A good firm", "back": "board"},
        ).status_code
        == 302
    )
    assert db.session.get(Interest, interest.id).status is InterestStatus.FORWARDED
    note = db.session.scalar(select(Notification).where(Notification.user_id == trainee.id))
    assert "Approved Co" in note.text_en and note.url == f"/careers/interests/{interest.id}"

    # The employer cannot accept for the trainee.
    assert client.post(f"/careers/interests/{interest.id}/step", data={"action": "accept"}).status_code == 403
    page = trainee_client.get(f"/careers/interests/{interest.id}", headers=en).get_data(as_text=True)
    assert "We liked your &lt;film&gt;" in page and "A good firm" in page and "053-1" not in page
    assert (
        trainee_client.post(
            f"/careers/interests/{interest.id}/step", data={"action": "accept", "note": "Happy to talk"}
        ).status_code
        == 302
    )
    assert db.session.get(Interest, interest.id).status is InterestStatus.ACCEPTED

    page = client.get(f"/careers/interests/{interest.id}", headers=en).get_data(as_text=True)
    assert "Nguyen Thi Lan" in page and trainee.email in page and "Happy to talk" in page
    page = trainee_client.get(f"/careers/interests/{interest.id}", headers=en).get_data(as_text=True)
    assert (
        "Approved Co" in page and employer.user.email in page and "053-1" in page and "Approved Boss" in page
    )
    search = client.get("/careers/search", headers=en).get_data(as_text=True)
    assert "Nguyen Thi Lan" in search and "Dilnoza K." in search  # full name only where accepted

    for action in ("interview", "hired"):
        assert (
            liaison_client.post(f"/careers/interests/{interest.id}/step", data={"action": action}).status_code
            == 302
        )
    events = db.session.scalars(
        select(InterestEvent.status)
        .where(InterestEvent.interest_id == interest.id)
        .order_by(InterestEvent.at, InterestEvent.id)
    ).all()
    assert [e.value for e in events] == ["submitted", "forwarded", "accepted", "interview", "hired"]


def test_other_parties_never_see_an_interest(client, login, db, people):
    interest = express_interest(people["approved"].user, people["t"]["Nguyen Thi Lan"], "Editor", "Hi")
    move_interest(interest, "forward", people["liaison"], "")
    db.session.commit()
    for user in (people["rival"].user, people["t"]["Dilnoza Karimova"], people["pending"].user):
        login(user)
        assert client.get(f"/careers/interests/{interest.id}").status_code in (403, 404)
        assert client.post(
            f"/careers/interests/{interest.id}/step", data={"action": "withdraw"}
        ).status_code in (403, 404)
        assert interests_for(user) == []
    assert db.session.get(Interest, interest.id).status is InterestStatus.FORWARDED


@pytest.mark.parametrize("name", ["Hidden Person", "Staff Only", "Gone Away"])
def test_no_interest_in_trainees_who_did_not_opt_in(client, login, db, people, name):
    login(people["approved"].user)
    response = client.post(
        f"/careers/trainees/{people['t'][name].id}/interest", data={"role_title": "Editor"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Interest.id))) == 0


def test_screen_out_needs_a_reason_and_hides_it_from_the_trainee(db, people):
    interest = express_interest(people["approved"].user, people["t"]["Budi Santoso"], "Analyst")
    with pytest.raises(careers.CareersError, match="reason_missing"):
        move_interest(interest, "screen_out", people["liaison"], " ")
    move_interest(interest, "screen_out", people["liaison"], "Role does not fit the programme")
    assert interest.status is InterestStatus.DECLINED_BY_LIAISON
    assert not can_view_interest(people["t"]["Budi Santoso"], interest)
    with pytest.raises(careers.CareersError, match="bad_step"):
        move_interest(interest, "forward", people["liaison"])


def test_duplicate_open_interest_is_refused(db, people):
    express_interest(people["approved"].user, people["t"]["Budi Santoso"], "Analyst")
    with pytest.raises(careers.CareersError, match="duplicate"):
        express_interest(people["approved"].user, people["t"]["Budi Santoso"], "Analyst 2")
    express_interest(people["rival"].user, people["t"]["Budi Santoso"], "Analyst")  # another firm may


def test_skill_matching_pages_after_filtering(people):
    viewer = people["approved"].user
    first = search_trainees(viewer, SearchFilters(skills=["premiere"]), page=1, per_page=1)
    second = search_trainees(viewer, SearchFilters(skills=["premiere"]), page=2, per_page=1)
    assert (first.total, first.pages, second.total, len(first.items), len(second.items)) == (2, 2, 2, 1, 1)
    assert {r.trainee.name for r in first.items + second.items} == {"Nguyen Thi Lan", "Dilnoza Karimova"}


def test_search_says_who_graduated_and_who_is_in_training(client, login, people):
    page = search_trainees(people["liaison"], SearchFilters(), per_page=50)
    status = {r.trainee.name: (r.graduated_on, r.training_until) for r in page.items}
    assert status["Nguyen Thi Lan"] == (date(2026, 8, 28), None)
    assert status["Sita Gurung"] == (None, people["digital"].end_date)  # enrolled, not completed
    login(people["approved"].user)
    body = client.get("/careers/search?skills=excel", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Find trainees and graduates" in body and "Trainees and graduates found: 2" in body
    assert "Graduated on 1 Aug 2026" in body and "In training until 1 Feb 2027" in body


def _forwarded(people, note="Role checked"):
    interest = express_interest(people["approved"].user, people["t"]["Nguyen Thi Lan"], "Editor", "Hello")
    move_interest(interest, "forward", people["liaison"], note)
    return interest


def test_trainee_sees_the_company_and_what_accepting_shares(client, login, db, people):
    interest = _forwarded(people)
    db.session.commit()
    trainee = people["t"]["Nguyen Thi Lan"]
    login(trainee)
    body = client.get(f"/careers/interests/{interest.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    profile = body[
        body.index('class="company-profile"') : body.index("</article>", body.index("company-profile"))
    ]
    for shown in (
        "Approved industry",
        "North Gyeongsang",
        'href="https://approved.example.kr"',
        "We make &lt;approved&gt;",
    ):
        assert shown in profile, shown
    assert (
        "If you accept, Approved Co will see your name and e-mail address" in body and trainee.email in body
    )
    button = re.search(r'<button[^>]*value="accept"[^>]*>', body, re.S).group(0)
    assert 'data-confirm="Share your name and e-mail address with Approved Co?"' in button
    assert "053-1" not in body  # the employer's contact only after accepting


def test_each_reader_sees_the_notes_meant_for_them(app, client, login, db, people, token_for):
    interest = _forwarded(people, "Role checked")
    move_interest(interest, "accept", people["t"]["Nguyen Thi Lan"], "Happy to talk")
    move_interest(interest, "interview", people["liaison"], "Liaison only: salary below average")
    screened = express_interest(people["approved"].user, people["t"]["Budi Santoso"], "Analyst")
    move_interest(screened, "screen_out", people["liaison"], "Role does not fit the programme")
    db.session.commit()
    en = {"Accept-Language": "en"}
    readers = {
        "employer": people["approved"].user,
        "trainee": people["t"]["Nguyen Thi Lan"],
        "liaison": people["liaison"],
    }
    seen = {}
    for kind, user in readers.items():
        reader = app.test_client()
        login(user, c=reader)
        seen[kind] = reader.get(f"/careers/interests/{interest.id}", headers=en).get_data(as_text=True)
        api = reader.get(f"/api/v1/careers/interests/{interest.id}", headers=token_for(user)).get_json()
        notes = {e["note"] for e in api["events"]} | {api["liaison_note"]}
        assert ("Role checked" in notes) is (kind != "employer"), kind
        assert ("Liaison only: salary below average" in notes) is (kind == "liaison"), kind
        assert "Happy to talk" in notes, kind
    assert "Role checked" not in seen["employer"] and "Role checked" in seen["trainee"]
    assert "Liaison only" not in seen["employer"] and "Liaison only" not in seen["trainee"]
    assert "Liaison only" in seen["liaison"] and "Happy to talk" in seen["employer"]

    login(people["approved"].user)
    page = client.get(f"/careers/interests/{screened.id}", headers=en).get_data(as_text=True)
    assert "Hello" not in page  # (the screened interest had no message: the reason shows all the same)
    assert "Role does not fit the programme" in page  # the screening reason is for the employer
    assert "did not pass this interest on" in page and "shared once the trainee accepts" not in page
    api = client.get(f"/api/v1/careers/interests/{screened.id}", headers=token_for(people["approved"].user))
    assert api.get_json()["liaison_note"] == "Role does not fit the programme"


@pytest.mark.parametrize(
    "steps,expected",
    [
        ([], "If it passes it on, the trainee decides"),
        (["forward"], "Contact details are shared once the trainee accepts."),
        (["forward", "decline"], "The trainee declined: no contact details are shared."),
        (["withdraw"], "You withdrew this interest: no contact details are shared."),
    ],
)
def test_employer_is_told_what_each_status_means(client, login, db, people, steps, expected):
    interest = express_interest(people["approved"].user, people["t"]["Nguyen Thi Lan"], "Editor")
    actors = {
        "forward": people["liaison"],
        "decline": people["t"]["Nguyen Thi Lan"],
        "withdraw": people["approved"].user,
    }
    for step in steps:
        move_interest(interest, step, actors[step])
    db.session.commit()
    login(people["approved"].user)
    body = client.get(f"/careers/interests/{interest.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    outlook = re.search(r'class="muted interest-outlook">(.*?)</p>', body, re.S).group(1).strip()
    assert expected in outlook
    assert ("once the trainee accepts" in outlook) is (steps == ["forward"])


# Placement figures -----------------------------------------------------------------------------------------


def test_placement_figures_and_csv(client, login, db, people):
    t = people["t"]
    hired = express_interest(people["approved"].user, t["Nguyen Thi Lan"], "Editor")
    declined = express_interest(people["rival"].user, t["Nguyen Thi Lan"], "Editor")
    sita = express_interest(people["approved"].user, t["Sita Gurung"], "Clerk")
    for interest, steps, _by in (
        (hired, ["forward", "accept", "interview", "hired"], None),
        (declined, ["forward", "decline"], None),
        (sita, ["forward", "accept", "hired"], None),
    ):
        for step in steps:
            actor = interest.trainee if step in ("accept", "decline") else people["liaison"]
            move_interest(interest, step, actor)
    db.session.commit()
    per_cohort, per_programme = placement_figures()
    video = next(f for f in per_cohort if f.cohort.id == people["video"].id)
    digital = next(f for f in per_cohort if f.cohort.id == people["digital"].id)
    # video: Lan, Dilnoza graduated (Gone Away's portfolio is not visible: inactive); Lan hired once.
    assert (
        video.graduates,
        video.visible,
        video.interests,
        video.accepted,
        video.interviews,
        video.hires,
        video.placed,
    ) == (2, 2, 2, 1, 1, 1, 1)
    assert video.rate == 0.5
    # digital: Budi graduated; Sita (not a graduate) hired: a hire, but no placement of a graduate.
    assert (digital.graduates, digital.visible, digital.hires, digital.placed, digital.rate) == (
        1,
        2,
        1,
        0,
        0.0,
    )
    login(people["liaison"])
    page = client.get("/careers/placement", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<svg" in page and "Placement rate" in page and "50%" in page
    cohort_label = f"{people['video'].programme.name_en} · {people['video'].name}"
    assert f">{cohort_label}</text>" in page  # the chart speaks names, not codes
    assert page.count('class="table-wrap figures-wrap"') == 2 and 'class="chart-scroll"' in page
    assert "projects/careers.css" in page
    response = client.get("/careers/placement.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read Korean as UTF-8
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(CSV_COLUMNS)
    row = next(r for r in rows if r[0] == "cohort" and r[2] == "V1")
    assert row[3:] == ["2", "2", "2", "1", "1", "1", "1", "0.500"]


def test_placement_csv_shows_formula_like_codes_as_text(client, login, db, people):
    # A programme code may start with "-" (the form allows it); a spreadsheet would run "-1+2" as a formula.
    people["video"].programme.code = "-1+2"
    people["video"].code = "=HYPERLINK(1)"
    db.session.commit()
    login(people["liaison"])
    text = client.get("/careers/placement.csv").get_data(as_text=True).lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'-1+2" in cells and "'=HYPERLINK(1)" in cells
    assert not any(cell[:1] in ("=", "+", "@") or cell.startswith("-1+") for cell in cells)


def test_chart_label_column_fits_long_names(app):
    from lms.programmes.models import Cohort, Programme

    def cohort(programme_name, cohort_name):
        programme = Programme(code="X", name_ko=programme_name, name_en=programme_name)
        return Figures(graduates=2, programme=programme, cohort=Cohort(name=cohort_name))

    with app.test_request_context(headers={"Accept-Language": "ko"}):
        short = chart_geometry([cohort("A", "1")])
        long = chart_geometry([cohort("AI 영상 콘텐츠 제작 과정", "2026년 1기")])
        assert long["rows"][0]["label"] == "AI 영상 콘텐츠 제작 과정 · 2026년 1기"
    assert (
        short["x0"] == 120 and long["x0"] > short["x0"] and long["width"] - long["x0"] == short["width"] - 120
    )
    assert text_width("가나") == 2 * text_width("ab") / 1.2


def test_placement_stylesheet_keeps_names_on_one_line(client):
    with client.get("/projects/static/projects/careers.css") as css:
        assert css.status_code == 200 and "white-space: nowrap" in css.get_data(as_text=True)


@pytest.mark.parametrize("role", ["trainee", "instructor", "employer"])
def test_board_and_placement_are_for_brokers(client, login, people, make_user, role):
    login(people["approved"].user if role == "employer" else make_user(role))
    for url in (
        "/careers/board",
        "/careers/placement",
        "/careers/placement.csv",
        "/careers/employers",
        f"/careers/employers/{people['pending'].id}",
    ):
        assert client.get(url).status_code == 403, url


# API -------------------------------------------------------------------------------------------------------


def test_api_search_and_interest_path(client, db, people, token_for):
    trainee = people["t"]["Nguyen Thi Lan"]
    employer = token_for(people["approved"].user, "read write")
    found = client.get("/api/v1/careers/search?skill=runway", headers=employer).get_json()
    assert found["total"] == 1 and found["results"][0]["name"] == "Nguyen L."
    assert found["results"][0]["email"] is None
    assert client.get("/api/v1/careers/search", headers=token_for(people["pending"].user)).status_code == 403
    hidden = people["t"]["Hidden Person"].id
    assert (
        client.post(
            "/api/v1/careers/interests", headers=employer, json={"trainee_id": hidden, "role_title": "Editor"}
        ).status_code
        == 404
    )
    made = client.post(
        "/api/v1/careers/interests",
        headers=employer,
        json={"trainee_id": trainee.id, "role_title": "Editor", "message": "Hello"},
    )
    assert made.status_code == 201, made.get_json()
    interest_id = made.get_json()["id"]
    assert made.get_json()["trainee"] == {"id": trainee.id, "name": "Nguyen L.", "email": None}
    mine = token_for(trainee, "read write")
    assert client.get(f"/api/v1/careers/interests/{interest_id}", headers=mine).status_code == 404
    liaison = token_for(people["liaison"], "read write")
    step = client.post(
        f"/api/v1/careers/interests/{interest_id}/steps", headers=liaison, json={"action": "forward"}
    )
    assert step.status_code == 200 and step.get_json()["status"] == "forwarded"
    assert (
        client.post(
            f"/api/v1/careers/interests/{interest_id}/steps", headers=employer, json={"action": "accept"}
        ).status_code
        == 403
    )
    accepted = client.post(
        f"/api/v1/careers/interests/{interest_id}/steps", headers=mine, json={"action": "accept"}
    )
    assert accepted.get_json()["employer_contact"]["email"] == people["approved"].user.email
    seen = client.get(f"/api/v1/careers/interests/{interest_id}", headers=employer).get_json()
    assert seen["trainee"]["email"] == trainee.email and seen["status"] == "accepted"
    rival = token_for(people["rival"].user)
    assert client.get(f"/api/v1/careers/interests/{interest_id}", headers=rival).status_code == 404
    assert client.get("/api/v1/careers/placement", headers=employer).status_code == 403
    figures = client.get("/api/v1/careers/placement", headers=liaison).get_json()
    assert {f["cohort"] for f in figures["cohorts"]} == {"V1", "D1"}


def test_api_employer_review(client, db, people, token_for):
    liaison = token_for(people["liaison"], "read write")
    listed = client.get("/api/v1/careers/employers", headers=liaison).get_json()
    assert {e["company"] for e in listed} == {"Approved Co", "Pending Co", "Rival Co"}
    assert (
        client.get("/api/v1/careers/employers", headers=token_for(people["approved"].user)).status_code == 403
    )
    own = client.get("/api/v1/careers/employer", headers=token_for(people["pending"].user)).get_json()
    assert own["status"] == "pending"
    refused = client.post(
        f"/api/v1/careers/employers/{people['pending'].id}/decision",
        headers=liaison,
        json={"decision": "rejected"},
    )
    assert refused.status_code == 422
    done = client.post(
        f"/api/v1/careers/employers/{people['pending'].id}/decision",
        headers=liaison,
        json={"decision": "approved"},
    )
    assert done.status_code == 200 and done.get_json()["status"] == "approved"


# Demo data -------------------------------------------------------------------------------------------------


def test_placement_figures_are_right_on_demo_data(db):
    """The figures recomputed here straight from the rows, with plain loops, match the service's."""
    from lms.demo import load_demo
    from lms.programmes.models import Cohort, Enrolment, EnrolmentStatus

    load_demo()
    load_demo()  # idempotent: nothing doubles
    db.session.commit()
    demo_employer = db.session.scalar(select(User).where(User.email == "employer@demo.gongbang.kr"))
    assert careers.is_approved_employer(demo_employer)
    assert {e.status for e in db.session.scalars(select(Employer))} >= {
        EmployerStatus.PENDING,
        EmployerStatus.APPROVED,
    }
    enrolments = db.session.scalars(select(Enrolment)).all()
    done = [c for c in db.session.scalars(select(Completion)).all() if c.revoked_at is None]
    interests = db.session.scalars(select(Interest)).all()
    events = db.session.scalars(select(InterestEvent)).all()
    visible = {
        p.owner_id
        for p in db.session.scalars(select(Portfolio)).all()
        if p.visibility in (Visibility.EMPLOYERS, Visibility.LINK) and p.owner.active
    }
    per_cohort, _per_programme = placement_figures()
    checked = 0
    for cohort in db.session.scalars(select(Cohort)).all():
        members = {
            e.user_id
            for e in enrolments
            if e.cohort_id == cohort.id and e.status != EnrolmentStatus.WITHDRAWN
        }
        grads = {c.user_id for c in done if c.cohort_id == cohort.id}
        members |= grads
        mine = [i for i in interests if i.trainee_id in members]
        steps = {i.id: {e.status for e in events if e.interest_id == i.id} | {i.status} for i in mine}
        hired = {i.trainee_id for i in mine if InterestStatus.HIRED in steps[i.id]}
        expected = (
            len(grads),
            len(members & visible),
            len(mine),
            sum(InterestStatus.ACCEPTED in steps[i.id] for i in mine),
            sum(InterestStatus.INTERVIEW in steps[i.id] for i in mine),
            len(hired),
            len(hired & grads),
        )
        got = next(f for f in per_cohort if f.cohort.id == cohort.id)
        assert (
            got.graduates,
            got.visible,
            got.interests,
            got.accepted,
            got.interviews,
            got.hires,
            got.placed,
        ) == expected, cohort.code
        checked += 1
    spring = next(f for f in per_cohort if f.cohort.code == "2026-1")
    # The demo's spring video cohort: six graduates, two of them hired (one hire fell through).
    assert (spring.graduates, spring.hires, spring.placed, round(spring.rate, 3)) == (6, 2, 2, 0.333)
    assert checked == 4 and sum(f.interests for f in per_cohort) == len(interests) == 8
