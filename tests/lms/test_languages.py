"""The trainees' own languages: every shipped language can be chosen, pages say which language and direction
they are in, dates follow the reader's locale, imports and LTI launches carry a person's language, notices and
mail reach each person in theirs, and content written in Korean and English shows both to everyone else."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale, get_locale

from lms.config import SHIPPED_LANGUAGES

NEW_LANGUAGES = [code for code in SHIPPED_LANGUAGES if code not in ("ko", "en")]


def _html_tag(body: str) -> str:
    return re.search(r"<html [^>]*>", body).group(0)


@pytest.mark.parametrize("code", SHIPPED_LANGUAGES)
def test_a_visitor_can_switch_to_every_shipped_language(client, code):
    client.post("/language", data={"lang": code, "next": "/auth/login"})
    body = client.get("/auth/login").get_data(as_text=True)
    direction = "rtl" if code == "ur" else "ltr"
    assert _html_tag(body) == f'<html lang="{code.replace("_", "-")}" dir="{direction}">'
    # The switch lists every language in its own name, the current one selected.
    assert re.search(rf'<option value="{code}" lang="[^"]+" selected>', body)
    assert body.count('<option value="') >= len(SHIPPED_LANGUAGES)


def test_a_language_outside_the_list_is_ignored(client):
    client.post("/language", data={"lang": "fr", "next": "/auth/login"})
    assert 'lang="ko"' in _html_tag(client.get("/auth/login").get_data(as_text=True))


def test_the_browser_can_ask_for_a_new_language(client):
    body = client.get("/auth/login", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}).get_data(
        as_text=True
    )
    assert 'lang="vi"' in _html_tag(body)


@pytest.mark.parametrize(
    "change, error",
    [
        ({"LANGUAGES": ["ko", "fr"]}, "LANGUAGES may contain only"),
        ({"LANGUAGES": "ko,en"}, "LANGUAGES must be a list"),
        ({"LANGUAGES": ["en", "vi"]}, "BABEL_DEFAULT_LOCALE 'ko' must be one of LANGUAGES"),
    ],
)
def test_the_configuration_refuses_languages_without_catalogues(tmp_path, change, error):
    from lms import create_app
    from lms.config import ConfigError

    with pytest.raises(ConfigError, match=error):
        create_app(change, instance_path=str(tmp_path))


@pytest.mark.parametrize(
    "code, expected",
    [
        ("vi", "23:01 6 thg 12, 2026"),  # CLDR: Vietnamese puts the time first
        ("zh_Hans", "2026年12月6日 23:01"),
        ("ru", "6 дек. 2026 г., 23:01"),
        ("ur", "6 دسمبر، 2026 23:01"),
    ],
)
def test_dates_are_written_in_the_readers_locale_with_a_24_hour_clock(app, code, expected):
    from lms.i18n import format_when

    with app.test_request_context(), force_locale(code):
        written = format_when(datetime(2026, 12, 6, 14, 1, tzinfo=UTC).replace(tzinfo=None))
    # 14:01 UTC is 23:01 in Seoul.
    assert written.replace("\u202f", " ") == expected


def test_sizes_are_written_in_the_readers_locale(app):
    from lms.i18n import format_size

    with app.test_request_context(), force_locale("ru"):
        assert format_size(1_234_567) == "1,2 MB"


def test_the_trainee_csv_accepts_every_offered_language_by_code_or_name():
    from lms.users.importing import parse_trainee_csv

    rows = [
        "name,email,programme,cohort,language",
        "A,a@example.org,P,1,ru",
        "B,b@example.org,P,1,Vietnamese",
        "C,c@example.org,P,1,몽골어",
        "D,d@example.org,P,1,ខ្មែរ",
        "E,e@example.org,P,1,zh-CN",
        "F,f@example.org,P,1,tl",
        "G,g@example.org,P,1,",
        "H,h@example.org,P,1,fr",
    ]
    parsed = parse_trainee_csv("\n".join(rows).encode(), SHIPPED_LANGUAGES)
    assert [r.language for r in parsed.checked] == ["ru", "vi", "mn", "km", "zh_Hans", "fil", None, None]
    assert [(e.line, e.code, e.value) for e in parsed.errors] == [(9, "bad_language", "fr")]


def test_an_import_gives_each_trainee_their_language(client, login, make_user, make_cohort, db):
    from lms.users.models import User

    admin = make_user("admin", locale="en")
    cohort = make_cohort(code="2026-9")
    login(admin)
    csv = f"name,email,programme,cohort,language\nLan,lan@example.org,{cohort.programme.code},2026-9,vi\n"
    r = client.post(
        "/admin/import",
        data={"file": (__import__("io").BytesIO(csv.encode()), "t.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code in (200, 302), r.get_data(as_text=True)[:300]
    assert db.session.query(User).filter_by(email="lan@example.org").one().locale == "vi"


def test_a_notice_is_kept_in_the_readers_own_language_and_mailed_in_it(
    app, make_user, db, outbox, client, login
):
    from lms.notifications.services import notify

    lan = make_user("trainee", locale="vi")
    note = notify(lan, lambda: f"said in {get_locale()}", "/dashboard")
    db.session.commit()
    assert (note.text_ko, note.text_en, note.locale, note.text_local) == (
        "said in ko",
        "said in en",
        "vi",
        "said in vi",
    )
    login(lan)
    assert "said in vi" in client.get("/notifications").get_data(as_text=True)
    korean = make_user("trainee", locale="ko")
    plain = notify(korean, lambda: f"said in {get_locale()}")
    assert (plain.locale, plain.text_local) == (None, "")
    from lms.mail import send_due

    db.session.commit()
    send_due()
    bodies = {m["to"]: m["body"] for m in outbox()}
    assert bodies[lan.email].startswith("said in vi") and bodies[korean.email].startswith("said in ko")


def test_content_in_korean_and_english_shows_both_to_readers_of_other_languages(app):
    from lms.i18n import content_text

    with app.test_request_context():
        with force_locale("ko"):
            assert content_text("영상 기초", "Video basics") == "영상 기초"
        with force_locale("en"):
            assert content_text("영상 기초", "Video basics") == "Video basics"
            assert content_text("영상 기초", "") == "영상 기초"
        with force_locale("vi"):
            assert content_text("영상 기초", "Video basics") == "영상 기초 / Video basics"
            assert content_text("", "Video basics") == "Video basics"
            assert content_text("Same", "Same") == "Same"
    with app.app_context():  # no reader (the worker): Korean
        assert content_text("영상 기초", "Video basics") == "영상 기초"


def test_rubric_criteria_show_both_languages_to_a_vietnamese_trainee(client, login, course, make_project, db):
    from projects.grading import rubrics

    data = {
        "criteria": [
            {
                "id": "story",
                "title_ko": "이야기 구성",
                "title_en": "Story structure",
                "weight": 1,
                "levels": [{"id": "good", "name_ko": "좋음", "name_en": "Good", "points": 4}],
            }
        ]
    }
    rubric = rubrics.create_rubric(
        programme_id=None, title_ko="r", title_en="r", data=data, by=course["instructor"]
    )
    project = make_project()
    rubrics.attach(project, rubric.latest)
    trainee = course["trainees"][0]
    trainee.locale = "vi"
    db.session.commit()
    login(trainee)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "이야기 구성 / Story structure" in page and "좋음 / Good" in page
    assert "브랜드 영상 / Brand film" in page  # the project's title too


def test_an_instructor_adds_a_brief_in_a_trainees_language(client, login, course, make_project, db):
    project = make_project(brief_ko="한국어 과제 설명", brief_en="The brief in English")
    login(course["instructor"])
    r = client.post(
        f"/projects/{project.id}/translations",
        data={"locale": "vi", "title": "Phim thương hiệu", "brief": "Mô tả **bài tập**"},
    )
    assert r.status_code == 302
    # Korean and English are the project's own fields; a language the centre does not ship is refused.
    for refused in ("ko", "fr"):
        client.post(
            f"/projects/{project.id}/translations", data={"locale": refused, "title": "x", "brief": "y"}
        )
    db.session.refresh(project)
    assert [t.locale for t in project.brief_translations] == ["vi"]

    vietnamese, english = course["trainees"][0], course["trainees"][1]
    vietnamese.locale = "vi"
    db.session.commit()
    page = login(vietnamese, c=app_client(client)).get(f"/projects/{project.id}").get_data(as_text=True)
    assert "한국어 과제 설명" in page and "Mô tả <strong>bài tập</strong>" in page
    assert 'class="brief-translation"' in page and "Phim thương hiệu" in page
    other = login(english, c=app_client(client)).get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Mô tả" not in other

    # The Korean brief changes: the Vietnamese version is marked as written from an earlier one.
    from projects.coursework import services

    services.update_project(project, brief_ko="바뀐 설명")
    db.session.commit()
    page = login(vietnamese, c=app_client(client)).get(f"/projects/{project.id}").get_data(as_text=True)
    assert "badge warn" in page

    client.post(f"/projects/{project.id}/translations/vi/remove")
    db.session.refresh(project)
    assert project.brief_translations == []


def app_client(client):
    return client.application.test_client()


def test_a_first_sign_in_asks_for_the_language_until_one_is_chosen(client, login, make_user, db):
    newcomer = make_user("trainee")  # no language yet (an import without the column)
    login(newcomer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'class="choose-language"' in page and 'lang="km"' in page
    client.post("/language", data={"lang": "km", "next": "/dashboard"})
    db.session.refresh(newcomer)
    assert newcomer.locale == "km"
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'class="choose-language"' not in page and 'lang="km"' in _html_tag(page)
    chosen = make_user("trainee", locale="en")
    page = login(chosen, c=app_client(client)).get("/dashboard").get_data(as_text=True)
    assert 'class="choose-language"' not in page


@pytest.mark.parametrize(
    "claim, expected",
    [
        ("vi-VN", "vi"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-TW", None),
        ("en_US", "en"),
        ("tl", "fil"),
        ("ur-PK", "ur"),
        ("fr-FR", None),
        ("", None),
        ("not a tag", None),
    ],
)
def test_an_lti_launch_keeps_the_platforms_language(app, claim, expected):
    from lti.services import _locale_from_claim

    with app.test_request_context():
        assert _locale_from_claim(claim) == expected


def test_the_api_accepts_every_shipped_language_for_an_account(client, make_user, token_for):
    admin = make_user("admin", locale="en")
    headers = token_for(admin, "read write")
    ok = client.post(
        "/api/v1/users",
        json={"email": "m@example.org", "name": "M", "role": "trainee", "locale": "mn"},
        headers=headers,
    )
    assert ok.status_code == 201 and ok.get_json()["locale"] == "mn"
    bad = client.post(
        "/api/v1/users",
        json={"email": "f@example.org", "name": "F", "role": "trainee", "locale": "fr"},
        headers=headers,
    )
    assert bad.status_code == 422


def test_the_api_answers_in_the_token_owners_own_language(client, make_user, token_for):
    thai = make_user("trainee", locale="th")
    answer = client.get("/api/v1/users", headers=token_for(thai)).get_json()  # asks for English in vain
    assert answer["code"] == 403 and re.search("[\u0e00-\u0e7f]", answer["message"]), answer
    admin = make_user("admin", locale="ru")
    invalid = client.post(
        "/api/v1/users", json={"email": "x"}, headers=token_for(admin, "read write")
    ).get_json()
    assert invalid["code"] == 422 and re.search("[\u0400-\u04ff]", str(invalid["errors"])), invalid
