"""Demo portfolio for ``lms demo``: Dilnoza's released film, published to employers (idempotent)."""

from __future__ import annotations

from projects.coursework import submissions
from projects.coursework.demo import sketch_project
from projects.portfolios import services as portfolios
from projects.portfolios.models import Visibility


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded`` (after the grading demo)."""
    sketch, trainee = sketch_project(cohorts), people.get("dilnoza@demo.gongbang.kr")
    if sketch is None or trainee is None or portfolios.portfolio_of(trainee) is not None:
        return
    submission = submissions.submission_for(sketch, trainee)
    if submission is None or not submission.attempts:
        return
    attempt = submission.attempts[-1]
    portfolio = portfolios.portfolio_of(trainee, create=True)
    item = portfolios.add_item(portfolio, attempt.id)
    portfolios.record_consent(item, [("given", "서면 동의 / signed form")])
    portfolios.update_item(
        item,
        title_ko="동네 빵집 홍보 영상",
        title_en="Promo film for a neighbourhood bakery",
        reflection_ko="새벽 촬영을 위해 사장님과 일정을 맞췄고, 음악은 Suno로 만들었습니다.",
        reflection_en="I planned the dawn shoot with the owner and made the music with Suno.",
    )
    portfolios.set_published(item, True)
    portfolios.update_portfolio(
        portfolio,
        headline_ko="동네 가게의 이야기를 담는 영상 편집자",
        headline_en="Video editor telling local shops' stories",
        skills="Premiere Pro, DaVinci Resolve, Suno, Runway",
        region="gyeongbuk",
        visibility=Visibility.EMPLOYERS,
    )
