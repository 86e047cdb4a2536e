"""A portfolio's competencies: the rubric criteria its published items scored well on."""

from __future__ import annotations

from decimal import Decimal

from lms.extensions import db
from projects.grading import rubrics
from projects.grading import rules as grading
from projects.grading.models import Assessment
from projects.ncs import services as ncs
from projects.portfolios.models import Portfolio, PortfolioCompetency


def refresh_competencies(portfolio: Portfolio) -> list[PortfolioCompetency]:
    """Recompute the competencies the published items' rubric results show.

    A criterion counts when it was given at least :data:`COMPETENCY_SHARE` of its points; its key is the
    criterion's English title, normalised (or the Korean one), so the same skill graded under two rubrics
    is one competency. ``level`` is the best share reached, ``evidence`` how many assessments reached it.
    """
    from projects.portfolios import services  # services re-exports this function

    found: dict[str, dict] = {}
    for item in portfolio.items:
        if not services.item_shown(item):
            continue
        assessment = db.session.get(Assessment, item.assessment_id)
        core = rubrics.core(assessment.rubric_version)
        for criterion in assessment.rubric_version.criteria:
            mark = (assessment.marks or {}).get(criterion["id"]) or {}
            if not (mark.get("level_id") or mark.get("points") not in (None, "")):
                continue
            pure = core.criterion(criterion["id"])
            try:
                points = grading.criterion_points(
                    pure, grading.Mark(criterion["id"], mark.get("level_id"), mark.get("points"))
                )
            except grading.GradingError:
                continue
            share = points / pure.max_points if pure.max_points else Decimal(0)
            if share < services.COMPETENCY_SHARE:
                continue
            _count(found, _labels(assessment, criterion), share)
    existing = {c.key: c for c in portfolio.competencies}
    for key, competency in existing.items():
        if key not in found:
            portfolio.competencies.remove(competency)
    for key, values in found.items():
        competency = existing.get(key)
        if competency is None:
            competency = PortfolioCompetency(key=key)
            portfolio.competencies.append(competency)
        for name, value in values.items():
            setattr(competency, name, value)
    db.session.flush()
    return list(portfolio.competencies)


def _count(found: dict[str, dict], labels: list[tuple[str, str, str]], share: Decimal) -> None:
    """One more assessment showing each competency of *labels* at *share*."""
    for key, label_ko, label_en in labels:
        if key:
            entry = found.setdefault(
                key, {"label_ko": label_ko, "label_en": label_en, "level": 0.0, "evidence": 0}
            )
            entry["level"] = max(entry["level"], float(round(share, 4)))
            entry["evidence"] += 1


def _labels(assessment: Assessment, criterion: dict) -> list[tuple[str, str, str]]:
    """``(key, label_ko, label_en)``: the NCS units the criterion is mapped to, where it is (one key per unit
    across projects and rubrics, which the employer search filters on), else the criterion's own title."""
    return ncs.competency_labels(assessment, criterion) or [
        (
            competency_key(criterion.get("title_en") or criterion.get("title_ko") or criterion["id"]),
            criterion.get("title_ko") or "",
            criterion.get("title_en") or "",
        )
    ]


def competency_key(title: str) -> str:
    """``"  Shot  Planning "`` -> ``"shot planning"``: case and spacing do not make another competency."""
    return " ".join(title.casefold().split())[:120]
