"""Who reviews whose work, purely: balanced allocation of peer reviews that never self-assigns.

A *work* is what gets reviewed (a trainee's submission, or a team's: one work, several authors). A reviewer
never gets a work they (co-)authored, never the same work twice, and gets *per_reviewer* works where that
many exist; the works' review counts end as even as the rules allow (most and fewest differ by at most one
wherever some move could still even them). Allocations already made are kept, so a late hand-in joins a later
round: :func:`allocate` brings each reviewer up to their share, preferring the works with the fewest reviews
(a late work has none), and :func:`top_up` gives a work that still has too few reviews to the reviewers who
review least. A seed makes a run repeatable; different seeds give different, equally fair allocations.

No Flask, no database: ids in, pairs out.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Allocation", "allocate", "top_up"]


@dataclass
class Allocation:
    """The pairs (reviewer, work) and what could not be given."""

    pairs: set[tuple[int, int]] = field(default_factory=set)
    #: Reviewers who got fewer works than asked (too few works they may review), with how many are missing.
    short: dict[int, int] = field(default_factory=dict)

    def works_of(self, reviewer: int) -> set[int]:
        """The works *reviewer* reviews."""
        return {w for r, w in self.pairs if r == reviewer}

    def reviewers_of(self, work: int) -> set[int]:
        """The reviewers of *work*."""
        return {r for r, w in self.pairs if w == work}

    def counts(self, works: Iterable[int]) -> dict[int, int]:
        """How many reviews each of *works* gets."""
        counts = dict.fromkeys(works, 0)
        for _reviewer, work in self.pairs:
            if work in counts:
                counts[work] += 1
        return counts


def _check(authors: Mapping[int, Iterable[int]], per: int) -> dict[int, frozenset[int]]:
    if per < 0:
        raise ValueError("the number of reviews cannot be negative")
    return {work: frozenset(people) for work, people in authors.items()}


def allocate(
    authors: Mapping[int, Iterable[int]],
    reviewers: Iterable[int],
    per_reviewer: int,
    existing: Iterable[tuple[int, int]] = (),
    seed: int | None = None,
) -> Allocation:
    """Give each reviewer *per_reviewer* works to review, keeping the *existing* pairs.

    :param authors: each work's authors (a trainee's submission: one; a team's: every member).
    :param reviewers: who reviews (usually the trainees who handed in; order does not matter).
    :param per_reviewer: how many works each reviewer gets in all (existing pairs count).
    :param existing: pairs already allocated (an earlier round); kept, never moved.
    :param seed: makes the allocation repeatable.
    """
    works = _check(authors, per_reviewer)
    rng = random.Random(seed)
    people = sorted(set(reviewers))
    rng.shuffle(people)
    kept = {(r, w) for r, w in existing if w in works}
    fixed = set(kept)
    count: dict[int, int] = defaultdict(int)
    given: dict[int, set[int]] = defaultdict(set)
    for reviewer, work in kept:
        count[work] += 1
        given[reviewer].add(work)
    # A random order of the works breaks ties between equally reviewed works without favouring low ids.
    order = list(works)
    rng.shuffle(order)
    rank = {work: i for i, work in enumerate(order)}
    pairs = set(kept)
    # Round by round, each reviewer takes the least-reviewed work they may review: the counts rise evenly.
    for _round in range(per_reviewer):
        for reviewer in people:
            if len(given[reviewer]) >= per_reviewer:
                continue
            choices = [w for w in order if reviewer not in works[w] and w not in given[reviewer]]
            if not choices:
                continue
            work = min(choices, key=lambda w: (count[w], rank[w]))
            pairs.add((reviewer, work))
            given[reviewer].add(work)
            count[work] += 1
    _even_out(pairs, works, fixed, count, given)
    short = {r: per_reviewer - len(given[r]) for r in people if len(given[r]) < per_reviewer}
    return Allocation(pairs, short)


def _even_out(
    pairs: set[tuple[int, int]],
    works: Mapping[int, frozenset[int]],
    fixed: set[tuple[int, int]],
    count: dict[int, int],
    given: dict[int, set[int]],
) -> None:
    """Move reviews from the most to the least reviewed works while a move is allowed (never a fixed pair)."""
    of_work: dict[int, set[int]] = defaultdict(set)
    for reviewer, work in pairs:
        of_work[work].add(reviewer)
    while True:
        by_count = sorted(works, key=lambda w: count[w])
        move = None
        for low in by_count:
            for high in reversed(by_count):
                if count[high] - count[low] <= 1:
                    break
                mover = next(
                    (
                        r
                        for r in sorted(of_work[high])
                        if (r, high) not in fixed and r not in works[low] and low not in given[r]
                    ),
                    None,
                )
                if mover is not None:
                    move = (mover, high, low)
                    break
            if move:
                break
        if move is None:
            return
        mover, high, low = move
        pairs.discard((mover, high))
        pairs.add((mover, low))
        of_work[high].discard(mover)
        of_work[low].add(mover)
        given[mover].discard(high)
        given[mover].add(low)
        count[high] -= 1
        count[low] += 1


def top_up(
    authors: Mapping[int, Iterable[int]],
    reviewers: Iterable[int],
    per_work: int,
    existing: Iterable[tuple[int, int]],
    seed: int | None = None,
) -> Allocation:
    """Give every work at least *per_work* reviews, adding works to the reviewers who review least.

    For a work handed in after the others were allocated: the reviewers have their share already, so some
    review one more. Existing pairs are kept; a work nobody may review stays short (``short`` then lists
    works, not reviewers, with the reviews missing).
    """
    works = _check(authors, per_work)
    rng = random.Random(seed)
    people = sorted(set(reviewers))
    rng.shuffle(people)
    rank = {r: i for i, r in enumerate(people)}
    pairs = {(r, w) for r, w in existing if w in works}
    load: dict[int, int] = defaultdict(int)
    for reviewer, _work in pairs:
        load[reviewer] += 1
    short = {}
    for work in sorted(works, key=lambda w: (sum(1 for _r, x in pairs if x == w), w)):
        have = {r for r, w in pairs if w == work}
        while len(have) < per_work:
            choices = [r for r in people if r not in works[work] and r not in have]
            if not choices:
                short[work] = per_work - len(have)
                break
            reviewer = min(choices, key=lambda r: (load[r], rank[r]))
            pairs.add((reviewer, work))
            have.add(reviewer)
            load[reviewer] += 1
    return Allocation(pairs, short)
