"""Demo data: the pilot centre's programmes, cohorts and people (idempotent)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms import signals
from lms.auth.services import set_password
from lms.extensions import db
from lms.programmes import services as programmes
from lms.programmes.models import Cohort, Programme
from lms.users import services as users
from lms.users.models import KoreanTest, Role, User

#: Shared by every demo account; printed by ``make run``. Demo data is for trying Gongbang, never production.
DEMO_PASSWORD = "workshop-demo-2026"

PROGRAMMES = [
    (
        "AIVIDEO",
        "AI 기반 영상 제작",
        "AI-based video production",
        "생성형 AI 도구와 촬영·편집 기초로 홍보 영상과 숏폼 콘텐츠를 만드는 과정입니다.",
        "Make promotional and short-form videos with generative AI tools, shooting and editing basics.",
    ),
    (
        "DIGITAL",
        "디지털 혁신",
        "Digital innovation",
        "업무 자동화, 데이터 활용, 노코드 도구로 지역 기업의 디지털 전환을 돕는 과정입니다.",
        "Office automation, data skills and no-code tools to help local firms go digital.",
    ),
    (
        "KOREAN",
        "한국어와 정착 지원",
        "Korean language and settlement",
        "직장 한국어, 생활 정보, 노동·체류 제도를 배우는 과정입니다.",
        "Workplace Korean, daily life, labour and residence rules.",
    ),
]
COHORTS = [
    ("AIVIDEO", "2026-1", ("2026년 1기", "2026 Spring"), date(2026, 3, 2), date(2026, 8, 28)),
    ("AIVIDEO", "2026-2", ("2026년 2기", "2026 Autumn"), date(2026, 9, 7), date(2027, 2, 26)),
    ("DIGITAL", "2026-2", ("2026년 2기", "2026 Autumn"), date(2026, 9, 7), date(2027, 1, 29)),
    ("KOREAN", "2026-2", ("2026년 2기", "2026 Autumn"), date(2026, 9, 1), date(2026, 12, 18)),
]
STAFF = [
    ("admin@demo.gongbang.kr", "이지은", Role.ADMIN, "ko", "경북글로벌인재센터"),
    ("instructor@demo.gongbang.kr", "김서연", Role.INSTRUCTOR, "ko", None),
    ("instructor2@demo.gongbang.kr", "Daniel Park", Role.INSTRUCTOR, "en", None),
    ("liaison@demo.gongbang.kr", "정민수", Role.LIAISON, "ko", "상공회의소 일자리지원팀"),
    ("employer@demo.gongbang.kr", "최유나", Role.EMPLOYER, "ko", "한빛미디어웍스"),
]
#: Names from the countries such centres recruit from; (email, name, nationality, locale, test, level,
#: cohort).
TRAINEES = [
    ("trainee@demo.gongbang.kr", "Nguyen Thi Lan", "VN", "en", KoreanTest.TOPIK, 3, ("AIVIDEO", "2026-2")),
    ("dilnoza@demo.gongbang.kr", "Dilnoza Karimova", "UZ", "ko", KoreanTest.TOPIK, 4, ("AIVIDEO", "2026-2")),
    ("budi@demo.gongbang.kr", "Budi Santoso", "ID", "en", KoreanTest.KIIP, 2, ("AIVIDEO", "2026-2")),
    ("angelica@demo.gongbang.kr", "Angelica Reyes", "PH", "en", None, None, ("AIVIDEO", "2026-2")),
    ("sita@demo.gongbang.kr", "Sita Gurung", "NP", "en", KoreanTest.TOPIK, 2, ("AIVIDEO", "2026-1")),
    (
        "baterdene@demo.gongbang.kr",
        "Bat-Erdene Tsogt",
        "MN",
        "ko",
        KoreanTest.TOPIK,
        5,
        ("DIGITAL", "2026-2"),
    ),
    ("sokha@demo.gongbang.kr", "Chan Sokha", "KH", "en", KoreanTest.KIIP, 1, ("DIGITAL", "2026-2")),
    ("nimal@demo.gongbang.kr", "Nimal Perera", "LK", "en", KoreanTest.TOPIK, 2, ("DIGITAL", "2026-2")),
    ("aungkyaw@demo.gongbang.kr", "Aung Kyaw Min", "MM", "en", None, None, ("KOREAN", "2026-2")),
    ("aigerim@demo.gongbang.kr", "Aigerim Nurlanovna", "KZ", "ko", KoreanTest.KIIP, 3, ("KOREAN", "2026-2")),
    ("wangfang@demo.gongbang.kr", "王芳 (Wang Fang)", "CN", "ko", KoreanTest.TOPIK, 5, ("AIVIDEO", "2026-1")),
    ("somchai@demo.gongbang.kr", "Somchai Boonmee", "TH", "en", KoreanTest.TOPIK, 1, ("KOREAN", "2026-2")),
]
ASSIGNMENTS = [
    ("instructor@demo.gongbang.kr", "AIVIDEO", "2026-1"),
    ("instructor@demo.gongbang.kr", "AIVIDEO", "2026-2"),
    ("instructor2@demo.gongbang.kr", "DIGITAL", "2026-2"),
    ("instructor2@demo.gongbang.kr", "KOREAN", "2026-2"),
]


def is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


def load_demo() -> list[tuple[str, str, str]]:
    """Create whatever demo data is missing; return (role, e-mail, name) of the demo logins."""
    progs = {p.code: p for p in db.session.scalars(select(Programme))}
    for code, name_ko, name_en, desc_ko, desc_en in PROGRAMMES:
        if code not in progs:
            progs[code] = programmes.create_programme(
                code=code, name_ko=name_ko, name_en=name_en, description_ko=desc_ko, description_en=desc_en
            )
    cohorts = {(c.programme.code, c.code): c for c in db.session.scalars(select(Cohort))}
    for pcode, ccode, (name_ko, name_en), start, end in COHORTS:
        if (pcode, ccode) not in cohorts:
            cohorts[(pcode, ccode)] = programmes.create_cohort(
                progs[pcode], code=ccode, name_ko=name_ko, name_en=name_en, start_date=start, end_date=end
            )
    people = {u.email: u for u in db.session.scalars(select(User))}
    for email, name, role, locale, org in STAFF:
        if email not in people:
            people[email] = _demo_user(email, name, role, locale, organisation=org)
    for email, name, nat, locale, test, level, cohort_key in TRAINEES:
        if email not in people:
            people[email] = _demo_user(
                email,
                name,
                Role.TRAINEE,
                locale,
                nationality=nat,
                korean_test=test,
                korean_level=level,
                share_korean=level is not None,
            )
        programmes.enrol_trainee(cohorts[cohort_key], people[email])
    for email, pcode, ccode in ASSIGNMENTS:
        programmes.assign_instructor(cohorts[(pcode, ccode)], people[email])
    db.session.flush()
    signals.demo_loaded.send(None, cohorts=cohorts, people=people)
    logins = [(r.value, e, n) for e, n, r, _l, _o in STAFF] + [("trainee", TRAINEES[0][0], TRAINEES[0][1])]
    return logins


def _demo_user(email, name, role, locale, **profile) -> User:
    user = users.create_user(
        email=email,
        name=name,
        role=role,
        created_by=None,
        locale=locale,
        invite=False,
        organisation=profile.pop("organisation", None),
    )
    for key, value in profile.items():
        setattr(user, key, value)
    set_password(user, DEMO_PASSWORD)
    return user
