"""The pure grading core: hand-worked examples, bad inputs, and properties over generated rubrics."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projects.grading.rules import (
    ERROR_CODES,
    Criterion,
    GradingError,
    LatePolicy,
    LatePolicyKind,
    Level,
    Mark,
    Rubric,
    criterion_points,
    grade,
    late_days,
    rubric_from_dict,
)

D = Decimal
PROPERTY = settings(max_examples=100, deadline=None)

#: Weights as shares of the total, so max_raw is 10 and the grade out of 100 is raw * 10.
FILM = {
    "criteria": [
        {
            "id": "concept",
            "weight": "0.5",
            "label_en": "Concept",
            "levels": [
                {"id": "excellent", "points": 10},
                {"id": "good", "points": 7},
                {"id": "weak", "points": 3},
            ],
        },
        {
            "id": "execution",
            "weight": 0.3,
            "levels": [
                {"id": "strong", "min_points": 8, "max_points": 10},
                {"id": "fair", "min_points": 4, "max_points": "7.5"},
                {"id": "missing", "points": 0},
            ],
        },
        {
            "id": "technical",
            "weight": 0.2,
            "levels": [{"id": "pass", "points": 10}, {"id": "fail", "points": 0}],
        },
    ]
}
#: 0.5 * 7 + 0.3 * 8.5 + 0.2 * 10 = 8.05, i.e. 80.5 out of 100.
GOOD = [Mark("concept", "good"), Mark("execution", "strong", "8.5"), Mark("technical", "pass")]
#: 0.5 * 3 + 0.3 * 4 + 0.2 * 0 = 2.7, i.e. 27 out of 100.
WEAK = [Mark("concept", "weak"), Mark("execution", "fair", 4), Mark("technical", "fail")]


def film() -> Rubric:
    return rubric_from_dict(FILM)


def single(low=0, high=10) -> Rubric:
    return Rubric((Criterion("work", (Level("scale", min_points=low, max_points=high),)),))


def test_weighted_rubric_with_a_range_level():
    result = grade(film(), GOOD)
    assert result.max_raw == D(10)
    assert result.raw == D("8.05")
    assert result.before_penalty == D("80.5")
    assert result.penalty == 0
    assert result.adjustment == 0
    assert result.final == D("80.5")
    assert result.per_criterion == {"concept": D(7), "execution": D("8.5"), "technical": D(10)}
    assert list(result.per_criterion) == ["concept", "execution", "technical"]


def test_rubric_from_dict_reads_numbers_exactly_and_ignores_labels():
    rubric = film()
    assert rubric == Rubric(
        (
            Criterion("concept", (Level("excellent", 10), Level("good", 7), Level("weak", 3)), D("0.5")),
            Criterion(
                "execution",
                (
                    Level("strong", min_points=8, max_points=10),
                    Level("fair", min_points=4, max_points=D("7.5")),
                    Level("missing", 0),
                ),
                D("0.3"),
            ),
            Criterion("technical", (Level("pass", 10), Level("fail", 0)), D("0.2")),
        )
    )
    execution = rubric.criterion("execution")
    assert execution.weight == D("0.3") and str(execution.weight) == "0.3"
    assert execution.level("strong").is_range and execution.level("strong").top == D(10)
    assert not execution.level("missing").is_range and execution.level("missing").top == 0
    assert execution.max_points == D(10)
    assert rubric.criterion("concept").max_points == D(10)


def test_max_grade_other_than_100():
    assert grade(film(), GOOD, max_grade=20).final == D("16.1")


def test_decimal_points_add_up_as_on_paper():
    rubric = Rubric(
        (
            Criterion("a", (Level("x", min_points=0, max_points=1),)),
            Criterion("b", (Level("x", min_points=0, max_points=1),)),
        )
    )
    result = grade(rubric, [Mark("a", "x", 0.1), Mark("b", "x", 0.2)], max_grade=2, places=2)
    assert result.raw == D("0.3")
    assert result.final == D("0.30")


@pytest.mark.parametrize(
    ("days", "final", "penalty"),
    [
        (0, "80.5", "0"),
        (1, "70.5", "10"),
        (2, "60.5", "20"),
        (3, "50.5", "30"),
        (4, "50.0", "30.5"),  # 40.5 would be under the 50 % floor
        (10, "50.0", "30.5"),
    ],
)
def test_per_day_penalty_with_floor(days, final, penalty):
    policy = LatePolicy(LatePolicyKind.PER_DAY, percent=10, floor=50)
    result = grade(film(), GOOD, late_days=days, policy=policy)
    assert result.before_penalty == D("80.5")
    assert result.final == D(final)
    assert result.penalty == D(penalty)


def test_per_day_penalty_leaves_a_grade_below_the_floor_alone():
    policy = LatePolicy("per_day", percent="10", floor="50")
    result = grade(film(), WEAK, late_days=3, policy=policy)
    assert result.final == D(27)
    assert result.penalty == 0


@pytest.mark.parametrize(
    ("marks", "days", "final", "penalty"),
    [
        (GOOD, 0, "80.5", "0"),
        (GOOD, 1, "60.0", "20.5"),
        (GOOD, 5, "60.0", "20.5"),
        (WEAK, 1, "27.0", "0"),
    ],
)
def test_cap(marks, days, final, penalty):
    result = grade(film(), marks, late_days=days, policy=LatePolicy(LatePolicyKind.CAP, percent=60))
    assert result.final == D(final)
    assert result.penalty == D(penalty)


@pytest.mark.parametrize(
    ("adjustment", "days", "final"),
    [
        ("5", 0, "85.5"),
        (-10, 1, "60.5"),  # 80.5 - 10 (one day at 10 %) - 10
        (D("25"), 0, "100.0"),  # clamped to the maximum
        (-90.0, 0, "0.0"),  # clamped to zero
    ],
)
def test_adjustment_comes_after_the_penalty_and_is_clamped(adjustment, days, final):
    policy = LatePolicy(LatePolicyKind.PER_DAY, percent=10, floor=0)
    result = grade(film(), GOOD, late_days=days, policy=policy, adjustment=adjustment)
    assert result.adjustment == D(str(adjustment))
    assert result.final == D(final)


def test_late_work_without_a_policy_is_not_penalised():
    assert grade(film(), GOOD, late_days=30).final == D("80.5")


@pytest.mark.parametrize(
    ("rubric", "points", "max_grade", "places", "final"),
    [
        (single(0, 400), 337, 100, 1, "84.3"),  # 84.25: half up, where round-half-even gives 84.2
        (single(0, 400), 337, 100, 0, "84"),
        (single(0, 400), 338, 100, 0, "85"),  # 84.5
        (single(0, 10), "2.675", 10, 2, "2.68"),  # float round(2.675, 2) gives 2.67
        (single(0, 3), 1, 100, 2, "33.33"),
        (single(0, 3), 2, 100, 1, "66.7"),
    ],
)
def test_rounding_half_up_once_at_the_end(rubric, points, max_grade, places, final):
    result = grade(rubric, [Mark("work", "scale", points)], max_grade=max_grade, places=places)
    assert result.final == D(final)
    assert str(result.final) == final


def test_partial_grade_counts_missing_criteria_as_zero():
    marks = GOOD[:2]
    result = grade(film(), marks, partial=True)
    assert result.raw == D("6.05")
    assert result.final == D("60.5")
    assert "technical" not in result.per_criterion
    with pytest.raises(GradingError) as info:
        grade(film(), marks)
    assert info.value.code == "missing_mark"
    assert info.value.params["criteria"] == ("technical",)


def test_override_without_a_level():
    rubric = film()
    assert criterion_points(rubric.criterion("technical"), Mark("technical", points=6)) == D(6)
    marks = [*GOOD[:2], Mark("technical", points="6")]
    assert grade(rubric, marks).final == D("72.5")


def test_fixed_level_accepts_its_own_points():
    level_points = criterion_points(film().criterion("concept"), Mark("concept", "good", "7.0"))
    assert level_points == D(7)


def test_error_carries_code_and_params():
    with pytest.raises(GradingError) as info:
        grade(film(), [GOOD[0], Mark("execution", "strong", 11), GOOD[2]])
    error = info.value
    assert isinstance(error, ValueError)
    assert error.code == "points_out_of_range"
    assert error.params == {
        "criterion": "execution",
        "level": "strong",
        "points": D(11),
        "min": D(8),
        "max": D(10),
    }
    assert str(error).startswith("points_out_of_range")


def test_rubric_errors_name_the_criterion():
    data = {"criteria": [{"id": "sound", "levels": [{"id": "ok", "min_points": 5, "max_points": 2}]}]}
    with pytest.raises(GradingError) as info:
        rubric_from_dict(data)
    assert info.value.code == "bad_rubric"
    assert info.value.params["criterion"] == "sound"
    assert info.value.params["level"] == "ok"


DUE = datetime(2024, 5, 10, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("submitted", "days"),
    [
        (DUE - timedelta(days=3), 0),
        (DUE, 0),
        (DUE + timedelta(microseconds=1), 1),
        (DUE + timedelta(seconds=1), 1),
        (DUE + timedelta(hours=24), 1),
        (DUE + timedelta(hours=24, microseconds=1), 2),
        (DUE + timedelta(days=6, hours=23), 7),
        # The same instant written in Seoul time.
        (datetime(2024, 5, 11, 3, 0, 1, tzinfo=ZoneInfo("Asia/Seoul")), 1),
    ],
)
def test_late_days(submitted, days):
    assert late_days(submitted, DUE) == days


def test_late_days_counts_elapsed_time_across_summer_time():
    berlin = ZoneInfo("Europe/Berlin")
    due = datetime(2024, 3, 30, 12, 0, tzinfo=berlin)
    # 24.5 hours on the wall clock but 23.5 hours elapsed: clocks went forward on 31 March.
    assert late_days(datetime(2024, 3, 31, 12, 30, tzinfo=berlin), due) == 1
    assert late_days(datetime(2024, 3, 31, 13, 30, tzinfo=berlin), due) == 2


def test_late_days_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        late_days(datetime(2024, 5, 11), DUE)


def _rubric(*criteria):
    return rubric_from_dict({"criteria": list(criteria)})


def _criterion(cid="c", levels=None, **extra):
    return {"id": cid, "levels": [{"id": "l", "points": 5}] if levels is None else levels, **extra}


@pytest.mark.parametrize(
    ("action", "code"),
    [
        pytest.param(lambda: rubric_from_dict({}), "bad_rubric", id="no-criteria-key"),
        pytest.param(lambda: rubric_from_dict([]), "bad_rubric", id="not-an-object"),
        pytest.param(lambda: _rubric(), "bad_rubric", id="empty-criteria"),
        pytest.param(
            lambda: _rubric(_criterion("a"), _criterion("a")), "bad_rubric", id="duplicate-criterion"
        ),
        pytest.param(lambda: _rubric(_criterion(levels=[])), "bad_rubric", id="no-levels"),
        pytest.param(lambda: _rubric({"id": "c"}), "bad_rubric", id="levels-missing"),
        pytest.param(lambda: _rubric(_criterion(id="")), "bad_rubric", id="empty-criterion-id"),
        pytest.param(lambda: _rubric(_criterion(id=3)), "bad_rubric", id="criterion-id-not-a-string"),
        pytest.param(lambda: _rubric(_criterion(weight=-1)), "bad_rubric", id="negative-weight"),
        pytest.param(
            lambda: _rubric(_criterion("a", weight=0), _criterion("b", weight="0")),
            "bad_rubric",
            id="all-weights-zero",
        ),
        pytest.param(lambda: _rubric(_criterion(weight="heavy")), "bad_rubric", id="weight-not-a-number"),
        pytest.param(lambda: _rubric(_criterion(weight=True)), "bad_rubric", id="weight-bool"),
        pytest.param(lambda: _rubric(_criterion(weight=None)), "bad_rubric", id="weight-null"),
        pytest.param(lambda: _rubric(_criterion(weight="NaN")), "bad_rubric", id="weight-nan"),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "points": -1}])),
            "bad_rubric",
            id="negative-points",
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "points": float("inf")}])),
            "bad_rubric",
            id="infinite-points",
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "min_points": 6, "max_points": 5}])),
            "bad_rubric",
            id="min-above-max",
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "min_points": -1, "max_points": 5}])),
            "bad_rubric",
            id="negative-min",
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "min_points": 1}])),
            "bad_rubric",
            id="half-a-range",
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "points": 1, "min_points": 0, "max_points": 2}])),
            "bad_rubric",
            id="points-and-range",
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l"}])), "bad_rubric", id="level-without-points"
        ),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "points": 1}, {"id": "l", "points": 2}])),
            "bad_rubric",
            id="duplicate-level",
        ),
        pytest.param(lambda: _rubric(_criterion(levels=["l"])), "bad_rubric", id="level-not-an-object"),
        pytest.param(
            lambda: _rubric(_criterion(levels=[{"id": "l", "points": 0}])),
            "bad_rubric",
            id="no-points-to-give",
        ),
        pytest.param(lambda: film().criterion("sound"), "unknown_criterion", id="rubric-criterion"),
        pytest.param(
            lambda: film().criterion("concept").level("superb"), "unknown_level", id="criterion-level"
        ),
        pytest.param(
            lambda: grade(film(), [*GOOD, Mark("sound", "ok")]), "unknown_criterion", id="mark-unknown"
        ),
        pytest.param(lambda: grade(film(), [*GOOD, GOOD[0]]), "duplicate_mark", id="mark-twice"),
        pytest.param(lambda: grade(film(), GOOD[1:]), "missing_mark", id="mark-missing"),
        pytest.param(
            lambda: grade(film(), [Mark("concept", "superb"), *GOOD[1:]]),
            "unknown_level",
            id="mark-unknown-level",
        ),
        pytest.param(
            lambda: grade(film(), [GOOD[0], Mark("execution", "strong"), GOOD[2]]),
            "points_required",
            id="range-without-points",
        ),
        pytest.param(
            lambda: grade(film(), [Mark("concept"), *GOOD[1:]]),
            "points_required",
            id="neither-level-nor-points",
        ),
        pytest.param(
            lambda: grade(film(), [GOOD[0], Mark("execution", "strong", "7.9"), GOOD[2]]),
            "points_out_of_range",
            id="range-below",
        ),
        pytest.param(
            lambda: grade(film(), [GOOD[0], Mark("execution", "fair", "7.6"), GOOD[2]]),
            "points_out_of_range",
            id="range-above",
        ),
        pytest.param(
            lambda: grade(film(), [Mark("concept", "good", 8), *GOOD[1:]]),
            "points_out_of_range",
            id="fixed-level-other-points",
        ),
        pytest.param(
            lambda: grade(film(), [*GOOD[:2], Mark("technical", points="10.5")]),
            "points_out_of_range",
            id="override-above-max",
        ),
        pytest.param(
            lambda: grade(film(), [*GOOD[:2], Mark("technical", points=-1)]),
            "points_out_of_range",
            id="override-negative",
        ),
        pytest.param(lambda: Mark("concept", points="lots"), "points_out_of_range", id="points-not-a-number"),
        pytest.param(
            lambda: criterion_points(film().criterion("concept"), GOOD[1]),
            "unknown_criterion",
            id="points-for-another-criterion",
        ),
        pytest.param(lambda: LatePolicy("weekly"), "bad_policy", id="unknown-kind"),
        pytest.param(
            lambda: LatePolicy(LatePolicyKind.PER_DAY, percent=101), "bad_policy", id="percent-above-100"
        ),
        pytest.param(lambda: LatePolicy(LatePolicyKind.CAP, percent=-1), "bad_policy", id="percent-negative"),
        pytest.param(
            lambda: LatePolicy(LatePolicyKind.PER_DAY, percent=10, floor="100.1"),
            "bad_policy",
            id="floor-above-100",
        ),
        pytest.param(
            lambda: LatePolicy(LatePolicyKind.PER_DAY, percent="ten"), "bad_policy", id="percent-text"
        ),
        pytest.param(lambda: grade(film(), GOOD, max_grade=0), "bad_policy", id="max-grade-zero"),
        pytest.param(lambda: grade(film(), GOOD, max_grade=-20), "bad_policy", id="max-grade-negative"),
        pytest.param(
            lambda: grade(film(), GOOD, max_grade="12.35"), "bad_policy", id="max-grade-finer-than-places"
        ),
        pytest.param(lambda: grade(film(), GOOD, places=-1), "bad_policy", id="places-negative"),
        pytest.param(lambda: grade(film(), GOOD, late_days=-1), "bad_policy", id="late-days-negative"),
        pytest.param(lambda: grade(film(), GOOD, late_days=1.5), "bad_policy", id="late-days-fraction"),
        pytest.param(lambda: grade(film(), GOOD, adjustment="NaN"), "bad_policy", id="adjustment-nan"),
        pytest.param(lambda: grade(film(), GOOD, policy="cap"), "bad_policy", id="policy-not-a-policy"),
    ],
)
def test_invalid_input(action, code):
    with pytest.raises(GradingError) as info:
        action()
    assert info.value.code == code
    assert code in ERROR_CODES


def test_max_grade_may_carry_trailing_zeros():
    assert grade(film(), GOOD, max_grade="100.00", places=1).final == D("80.5")


def tenth(n):
    return D(n) / 10


adjustments = st.integers(-1500, 1500).map(tenth)
days = st.integers(0, 30)
policies = st.builds(
    LatePolicy,
    kind=st.sampled_from(LatePolicyKind),
    percent=st.integers(0, 1000).map(tenth),
    floor=st.integers(0, 100).map(D),
)

# Rubrics and marks are drawn as plain numbers and built afterwards: nested composite
# strategies made generation, not grading, the bulk of this file's run time.

#: A level as (fixed, a, b) in tenths of a point: fixed points a, or the range between a and b.
level_shapes = st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100))
#: A criterion as (its level shapes, its weight in tenths).
criterion_shapes = st.tuples(st.lists(level_shapes, min_size=1, max_size=3), st.integers(0, 30))
#: A mark as (level index, past the last one meaning an override; points seed; give a fixed level's points).
mark_shapes = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 100), st.booleans()), min_size=4, max_size=4
)


def build_criteria(shapes):
    criteria = []
    for i, (levels, weight) in enumerate(shapes):
        built = tuple(
            Level(f"l{j}", tenth(a))
            if fixed
            else Level(f"l{j}", min_points=tenth(min(a, b)), max_points=tenth(max(a, b)))
            for j, (fixed, a, b) in enumerate(levels)
        )
        criteria.append(Criterion(f"c{i}", built, tenth(weight)))
    return tuple(criteria)


def between(low, high, seed):
    """A tenth in [low, high] (both tenths) chosen by *seed*."""
    low, high = int(low * 10), int(high * 10)
    return tenth(low + seed % (high - low + 1))


def build_marks(rubric, shapes):
    marks = []
    for criterion, (pick, seed, give_points) in zip(rubric.criteria, shapes):
        if pick >= len(criterion.levels):
            marks.append(Mark(criterion.id, points=between(0, criterion.max_points, seed)))
            continue
        level = criterion.levels[pick]
        if level.is_range:
            marks.append(Mark(criterion.id, level.id, between(level.min_points, level.max_points, seed)))
        else:
            marks.append(Mark(criterion.id, level.id, level.points if give_points else None))
    return marks


rubrics = (
    st.lists(criterion_shapes, min_size=1, max_size=4)
    .map(build_criteria)
    .filter(lambda criteria: sum(c.weight * c.max_points for c in criteria) > 0)
    .map(Rubric)
)
graded = st.tuples(rubrics, mark_shapes).map(lambda pair: (pair[0], build_marks(*pair)))


@st.composite
def scales(draw):
    """(max_grade, places) with max_grade on the places grid."""
    places = draw(st.integers(0, 3))
    return D(draw(st.integers(1, 1000))).scaleb(-draw(st.integers(0, places))), places


def best_marks(rubric):
    marks = []
    for criterion in rubric.criteria:
        level = max(criterion.levels, key=lambda lv: lv.top)
        marks.append(Mark(criterion.id, level.id, level.max_points if level.is_range else None))
    return marks


@PROPERTY
@given(graded, policies, days, adjustments, scales())
def test_final_is_within_zero_and_max_grade(case, policy, late, adjustment, scale):
    rubric, marks = case
    max_grade, places = scale
    result = grade(
        rubric,
        marks,
        max_grade=max_grade,
        places=places,
        late_days=late,
        policy=policy,
        adjustment=adjustment,
    )
    assert 0 <= result.final <= max_grade
    assert result.final.as_tuple().exponent == -places
    assert 0 <= result.before_penalty <= max_grade
    assert 0 <= result.penalty <= result.before_penalty
    assert result.raw == sum(rubric.criterion(cid).weight * p for cid, p in result.per_criterion.items())


@pytest.mark.parametrize(
    "policy",
    [
        LatePolicy(),
        LatePolicy(LatePolicyKind.PER_DAY, percent=15, floor=40),
        LatePolicy(LatePolicyKind.CAP, percent=70),
    ],
    ids=lambda p: p.kind.value,
)
@PROPERTY
@given(case=graded, late=days, adjustment=adjustments, data=st.data())
def test_raising_one_criterion_never_lowers_the_grade(policy, case, late, adjustment, data):
    rubric, marks = case
    index = data.draw(st.integers(0, len(marks) - 1))
    criterion = rubric.criteria[index]
    current = criterion_points(criterion, marks[index])
    raised = [*marks]
    seed = data.draw(st.integers(0, 100))
    raised[index] = Mark(criterion.id, points=between(current, criterion.max_points, seed))
    before = grade(rubric, marks, late_days=late, policy=policy, adjustment=adjustment)
    after = grade(rubric, raised, late_days=late, policy=policy, adjustment=adjustment)
    assert after.raw >= before.raw
    assert after.final >= before.final


@PROPERTY
@given(rubrics, policies, scales())
def test_full_marks_on_time_give_max_grade(rubric, policy, scale):
    max_grade, places = scale
    result = grade(rubric, best_marks(rubric), max_grade=max_grade, places=places, policy=policy)
    assert result.raw == rubric.max_raw
    assert result.before_penalty == max_grade
    assert result.final == max_grade
    late = grade(rubric, best_marks(rubric), max_grade=max_grade, places=places, late_days=9)
    assert late.final == max_grade


@PROPERTY
@given(graded, policies, days, adjustments, st.data())
def test_partial_grade_never_exceeds_the_full_grade(case, policy, late, adjustment, data):
    rubric, marks = case
    kept = [mark for mark in marks if data.draw(st.booleans())]
    options = {"late_days": late, "policy": policy, "adjustment": adjustment}
    preview = grade(rubric, kept, partial=True, **options)
    full = grade(rubric, marks, **options)
    assert preview.final <= full.final
    assert grade(rubric, marks, partial=True, **options) == full


@PROPERTY
@given(graded, st.integers(0, 100), st.integers(0, 100), days, days)
def test_per_day_penalty_never_decreases_with_more_days(case, percent, floor, first, second):
    rubric, marks = case
    policy = LatePolicy(LatePolicyKind.PER_DAY, percent=percent, floor=floor)
    sooner, later = sorted((first, second))
    on_sooner = grade(rubric, marks, late_days=sooner, policy=policy)
    on_later = grade(rubric, marks, late_days=later, policy=policy)
    assert on_later.final <= on_sooner.final
    assert on_later.penalty >= on_sooner.penalty


ZONES = [
    UTC,
    timezone(timedelta(hours=9)),
    timezone(timedelta(hours=-5, minutes=-30)),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
]


@PROPERTY
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.sampled_from(ZONES)
    ),
    st.integers(0, 400),
    st.sampled_from(ZONES),
)
def test_one_second_after_k_days_is_k_plus_one_days_late(due, k, shown_in):
    # Offsets are added in UTC: adding to a zoned datetime moves its wall clock, and a
    # wall-clock day is not always 24 hours.
    def at(offset):
        return (due.astimezone(UTC) + offset).astimezone(shown_in)

    assert late_days(at(timedelta(days=k, seconds=1)), due) == k + 1
    assert late_days(at(timedelta(days=k)), due) == k
    assert late_days(at(-timedelta(seconds=1)), due) == 0


def test_pure_core_imports_no_framework():
    # Rule 7.  A fresh interpreter, because this one has Flask loaded by conftest.
    code = (
        "import sys, projects.grading; print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('flask', 'sqlalchemy', 'lms', 'media')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "[]"
