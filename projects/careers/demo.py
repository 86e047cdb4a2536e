"""Demo employers, graduates and interests for ``lms demo``, so the board and the placement chart show real
figures (idempotent: what exists is left as it is).

Rows are written directly, with back-dated events, rather than through :mod:`projects.careers`: the services
notify people and build links, which a demo loaded from the command line neither needs nor can do.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lms.auth.services import set_password
from lms.db import utcnow
from lms.extensions import db
from lms.programmes import services as programmes
from lms.users import services as users
from lms.users.models import KoreanTest, Role, User
from projects.careers.models import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus
from projects.completions import services as completions
from projects.completions.models import Completion
from projects.portfolios import services as portfolios
from projects.portfolios.models import Visibility

S = InterestStatus
PASSWORD = "workshop-demo-2026"  # lms.demo.DEMO_PASSWORD (the core's demo logins share it)

#: (e-mail, contact name, company, 사업자등록번호, industry, region, status, reason)
EMPLOYERS = [
    (
        "employer@demo.gongbang.kr",
        "최유나",
        "한빛미디어웍스",
        "1248100998",
        "영상 제작 / Video production",
        "gyeongbuk",
        EmployerStatus.APPROVED,
        "",
    ),
    (
        "foodtech@demo.gongbang.kr",
        "Lee Minji",
        "경북푸드테크",
        "2208162517",
        "식품 제조 / Food manufacturing",
        "daegu",
        EmployerStatus.APPROVED,
        "",
    ),
    (
        "newfirm@demo.gongbang.kr",
        "박준호",
        "대구스마트팩토리",
        "1018200027",
        "제조 자동화 / Factory automation",
        "daegu",
        EmployerStatus.PENDING,
        "",
    ),
]
#: Extra graduates of the spring video cohort: (e-mail, name, nationality, TOPIK level, shared, locale).
GRADUATES = [
    ("maria@demo.gongbang.kr", "Maria Santos", "PH", 3, True, "en"),
    ("rahim@demo.gongbang.kr", "Rahim Uddin", "BD", 2, True, "ko"),
    ("minh@demo.gongbang.kr", "Tran Van Minh", "VN", 4, False, "en"),
    ("farrukh@demo.gongbang.kr", "Farrukh Aliev", "UZ", None, False, "ko"),
]
#: Portfolios shown to employers: e-mail -> (visibility, headline ko, headline en, skills, region).
PORTFOLIOS = {
    "sita@demo.gongbang.kr": (
        Visibility.EMPLOYERS,
        "소상공인 홍보 영상 편집자",
        "Promo film editor for small businesses",
        ["Premiere Pro", "DaVinci Resolve", "Runway"],
        "gyeongbuk",
    ),
    "wangfang@demo.gongbang.kr": (
        Visibility.LINK,
        "AI 영상 크리에이터",
        "AI video creator",
        ["Runway", "Midjourney", "CapCut"],
        "daegu",
    ),
    "maria@demo.gongbang.kr": (
        Visibility.EMPLOYERS,
        "숏폼 콘텐츠 제작",
        "Short-form content maker",
        ["CapCut", "Premiere Pro"],
        "anywhere",
    ),
    "rahim@demo.gongbang.kr": (
        Visibility.EMPLOYERS,
        "촬영과 조명",
        "Camera and lighting",
        ["Lighting", "DaVinci Resolve"],
        "gyeongbuk",
    ),
    "minh@demo.gongbang.kr": (Visibility.STAFF, "", "", ["After Effects"], "seoul"),
    "dilnoza@demo.gongbang.kr": (
        Visibility.EMPLOYERS,
        "모션 그래픽",
        "Motion graphics",
        ["After Effects", "Premiere Pro"],
        "daegu",
    ),
    "baterdene@demo.gongbang.kr": (
        Visibility.EMPLOYERS,
        "업무 자동화 도우미",
        "Office automation helper",
        ["Excel", "Power Automate", "Python"],
        "gyeongbuk",
    ),
    "budi@demo.gongbang.kr": (Visibility.EMPLOYERS, "", "Video editing", ["Premiere Pro"], "busan"),
}
#: (employer e-mail, trainee e-mail, role, steps after submission, days ago it started)
INTERESTS = [
    (
        "employer@demo.gongbang.kr",
        "wangfang@demo.gongbang.kr",
        "AI 영상 편집자 / AI video editor",
        [S.FORWARDED, S.ACCEPTED, S.INTERVIEW, S.HIRED],
        60,
    ),
    (
        "foodtech@demo.gongbang.kr",
        "maria@demo.gongbang.kr",
        "SNS 콘텐츠 담당 / Social media content",
        [S.FORWARDED, S.ACCEPTED, S.HIRED],
        50,
    ),
    (
        "employer@demo.gongbang.kr",
        "sita@demo.gongbang.kr",
        "영상 편집 인턴 / Video editing intern",
        [S.FORWARDED, S.ACCEPTED, S.INTERVIEW],
        20,
    ),
    (
        "foodtech@demo.gongbang.kr",
        "sita@demo.gongbang.kr",
        "홍보 영상 제작 / Promo films",
        [S.FORWARDED, S.DECLINED],
        30,
    ),
    (
        "employer@demo.gongbang.kr",
        "rahim@demo.gongbang.kr",
        "촬영 보조 / Camera assistant",
        [S.FORWARDED, S.ACCEPTED, S.INTERVIEW, S.NOT_HIRED],
        45,
    ),
    (
        "employer@demo.gongbang.kr",
        "dilnoza@demo.gongbang.kr",
        "모션 디자이너 / Motion designer",
        [S.FORWARDED],
        5,
    ),
    ("foodtech@demo.gongbang.kr", "baterdene@demo.gongbang.kr", "사무 자동화 / Office automation", [], 2),
    (
        "employer@demo.gongbang.kr",
        "budi@demo.gongbang.kr",
        "야간 편집 / Night-shift editor",
        [S.DECLINED_BY_LIAISON],
        10,
    ),
]
SPRING = ("AIVIDEO", "2026-1")
GRADUATION = date(2026, 8, 28)


def load(cohorts: dict, people: dict) -> None:  # noqa: C901
    """Receiver of ``lms.signals.demo_loaded`` (after :func:`projects.demo.load`)."""
    liaison = people.get("liaison@demo.gongbang.kr")
    admin = people.get("admin@demo.gongbang.kr")
    spring = cohorts.get(SPRING)
    if liaison is None or admin is None or spring is None:
        return
    now = utcnow()
    employers = {}
    for email, contact, company, number, industry, region, status, reason in EMPLOYERS:
        user = people.get(email) or _user(people, email, contact, Role.EMPLOYER, organisation=company)
        employer = db.session.scalar(select(Employer).where(Employer.user_id == user.id))
        if employer is None:
            employer = Employer(
                user_id=user.id,
                company=company,
                business_number=number,
                industry=industry,
                region=region,
                address="대구광역시 중구 국채보상로 680",
                website="https://example.kr",
                phone="053-000-0000",
                status=status,
                decision_reason=reason,
                created_at=now - timedelta(days=90 if status is EmployerStatus.APPROVED else 1),
            )
            if status is not EmployerStatus.PENDING:
                employer.decided_by_id, employer.decided_at = liaison.id, now - timedelta(days=85)
            db.session.add(employer)
        employers[email] = employer
    for email, name, nationality, level, shared, locale in GRADUATES:
        if email not in people:
            _user(
                people,
                email,
                name,
                Role.TRAINEE,
                nationality=nationality,
                korean_level=level,
                korean_test=KoreanTest.TOPIK if level else None,
                share_korean=shared,
                locale=locale,
            )
            programmes.enrol_trainee(spring, people[email])
    db.session.flush()
    spring_people = [people[e] for e in ("sita@demo.gongbang.kr", "wangfang@demo.gongbang.kr")] + [
        people[g[0]] for g in GRADUATES
    ]
    for trainee in spring_people:
        if (
            db.session.scalar(
                select(Completion.id).where(
                    Completion.user_id == trainee.id, Completion.cohort_id == spring.id
                )
            )
            is None
        ):
            completions.mark_completion(trainee, spring, GRADUATION, admin)
    for email, (visibility, head_ko, head_en, skills, region) in PORTFOLIOS.items():
        if email not in people:
            continue
        portfolio = portfolios.portfolio_of(people[email])
        if portfolio is None:
            portfolio = portfolios.portfolio_of(people[email], create=True)
            portfolio.visibility, portfolio.headline_ko, portfolio.headline_en = visibility, head_ko, head_en
            portfolio.skills, portfolio.region = skills, region
            portfolio.published_at = now - timedelta(days=70)
    db.session.flush()
    for employer_email, trainee_email, role, steps, days in INTERESTS:
        employer, trainee = employers[employer_email], people.get(trainee_email)
        if (
            trainee is None
            or db.session.scalar(
                select(Interest.id).where(
                    Interest.employer_id == employer.id, Interest.trainee_id == trainee.id
                )
            )
            is not None
        ):
            continue
        _interest(employer, trainee, role, steps, now - timedelta(days=days), liaison)
    db.session.flush()


def _user(people: dict, email: str, name: str, role: Role, locale: str = "ko", **profile) -> User:
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
    set_password(user, PASSWORD)
    people[email] = user
    return user


def _interest(
    employer: Employer, trainee: User, role: str, steps: list[InterestStatus], start, liaison: User
):
    status = steps[-1] if steps else S.SUBMITTED
    interest = Interest(
        employer_id=employer.id,
        trainee_id=trainee.id,
        role_title=role,
        status=status,
        message="포트폴리오를 인상 깊게 보았습니다. 이야기를 나누고 싶습니다. / We liked your "
        "portfolio and would like to talk.",
        created_at=start,
    )
    db.session.add(interest)
    by = {S.ACCEPTED: trainee, S.DECLINED: trainee}
    interest.events.append(
        InterestEvent(status=S.SUBMITTED, by_id=employer.user_id, note=interest.message, at=start)
    )
    for n, step in enumerate(steps, start=1):
        note = (
            "직무 설명을 확인했습니다. / Role checked."
            if step is S.FORWARDED
            else "지원 분야와 맞지 않습니다. / Outside the programme's field."
            if step is S.DECLINED_BY_LIAISON
            else ""
        )
        if step is S.FORWARDED:
            interest.liaison_note = note
        if step is S.DECLINED_BY_LIAISON:
            interest.liaison_note = note
        interest.events.append(
            InterestEvent(
                status=step, by_id=(by.get(step) or liaison).id, note=note, at=start + timedelta(days=2 * n)
            )
        )
    interest.updated_at = start + timedelta(days=2 * len(steps))
