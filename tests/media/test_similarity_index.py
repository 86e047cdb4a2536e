"""Near-duplicates among every upload: the hash parts (multi-index hashing), their index and the lookup."""

from __future__ import annotations

import random

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from media.models import MediaFile, MediaStatus
from media.similarity import PARTS, SIMILAR_DISTANCE, distance, part_radius, parts, probes, within


def flip(phash: str, bits: list[int]) -> str:
    value = int(phash, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:016x}"


def test_parts_are_22_21_and_21_bits_most_significant_first():
    value = 0x0123456789ABCDEF
    assert parts("0123456789abcdef") == (value >> 42, (value >> 21) & (2**21 - 1), value & (2**21 - 1))
    assert parts("ffffffffffffffff") == (2**22 - 1, 2**21 - 1, 2**21 - 1) and parts("0" * 16) == (0,) * 3


def test_within_lists_every_value_in_the_radius_once_the_value_first():
    near = within(0x00F0, 2, 16)
    assert near[0] == 0x00F0 and len(near) == len(set(near)) == 1 + 16 + 120
    assert all(bin(v ^ 0x00F0).count("1") <= 2 and v < 2**16 for v in near)
    assert within(5, 0, 21) == [5] and len(within(0, 3, 22)) == 1 + 22 + 231 + 1540
    assert [len(values) for values in probes("0123456789abcdef")] == [1794, 1562, 1562]


def test_the_radius_per_part_follows_the_pigeonhole_principle():
    assert part_radius(10) == 3 and part_radius(2) == 0 and part_radius(12) == 4
    for max_distance in range(0, 20):
        assert PARTS * (part_radius(max_distance) + 1) > max_distance
    with pytest.raises(ValueError):
        part_radius(63)
    with pytest.raises(ValueError):
        part_radius(-1)


def test_every_hash_within_the_distance_has_a_part_among_the_probes():
    rng = random.Random(15)
    for _ in range(2000):
        target = f"{rng.getrandbits(64):016x}"
        near = flip(target, rng.sample(range(64), rng.randint(0, SIMILAR_DISTANCE)))
        assert distance(target, near) <= SIMILAR_DISTANCE
        assert any(value in wanted for value, wanted in zip(parts(near), probes(target), strict=True))


def test_the_probes_are_no_wider_than_the_pigeonhole_needs():
    """Four bits in every part: 12 bits away, and no part within 3 bits, so the lookup never reads it."""
    target = "0" * 16
    far = flip(target, [0, 1, 2, 3, 21, 22, 23, 24, 42, 43, 44, 45])
    assert distance(target, far) == 12
    assert not any(value in wanted for value, wanted in zip(parts(far), probes(target), strict=True))


def test_setting_the_hash_sets_its_parts_and_erasing_it_erases_them(db, make_user):
    media = MediaFile(
        owner_id=make_user().id, sha256="0" * 64, size_bytes=1, storage_key="k", original_name="a"
    )
    media.phash = "0123456789abcdef"
    assert (media.phash_p0, media.phash_p1, media.phash_p2) == parts("0123456789abcdef")
    media.phash = None
    assert (media.phash_p0, media.phash_p1, media.phash_p2) == (None,) * 3
    assert MediaFile(phash="ffff000000000001").phash_p2 == 1


@pytest.fixture
def uploads(db, make_user):
    """``uploads(hashes, owner=None)``: committed uploads with these hashes (each a new owner if none)."""

    def make(hashes, owner=None):
        made = [
            MediaFile(
                owner=owner or make_user(),
                sha256="0" * 64,
                size_bytes=1,
                storage_key="k",
                original_name=f"{h}.jpg",
                status=MediaStatus.READY,
                phash=h,
            )
            for h in hashes
        ]
        db.session.add_all(made)
        db.session.commit()
        return made

    return make


def test_the_indexed_lookup_finds_exactly_what_a_full_scan_finds(db, uploads, make_user):
    from media import services

    rng = random.Random(7)
    centres = [f"{rng.getrandbits(64):016x}" for _ in range(20)]
    hashes = [f"{rng.getrandbits(64):016x}" for _ in range(150)]
    for centre in centres:  # each centre with copies 0 to 14 bits away: some in, some out
        hashes += [centre] + [flip(centre, rng.sample(range(64), rng.randint(0, 14))) for _ in range(4)]
    made = uploads(hashes)
    for target in rng.sample(made, 40):
        want = sorted(
            ((m.id, distance(target.phash, m.phash)) for m in made if m.owner_id != target.owner_id),
            key=lambda pair: (pair[1], -pair[0]),
        )
        want = [pair for pair in want if pair[1] <= SIMILAR_DISTANCE]
        found, capped = services.near_hashes(target.phash, owner_id=target.owner_id, media_id=target.id)
        assert found == want and not capped
        assert [(m.id, d) for m, d in services.similar_uploads(target)] == want


def test_the_lookup_leaves_out_the_same_owner_and_the_same_file(db, uploads, make_user):
    from media import services

    owner = make_user()
    mine, my_copy = uploads(["00000000000000ff", "00000000000000fe"], owner=owner)
    (theirs,) = uploads(["00000000000003ff"])
    assert [(m.id, d) for m, d in services.similar_uploads(mine)] == [(theirs.id, 2)]
    assert [i for i, _d in services.near_hashes(mine.phash)[0]] == [mine.id, my_copy.id, theirs.id]
    assert services.similar_uploads(MediaFile(owner_id=owner.id, phash=None)) == []


def test_a_crowd_of_identical_hashes_is_capped_and_says_so(db, uploads, caplog):
    from media import services

    black = "8000000000000000"
    crowd = uploads([black] * 12)
    found, capped = services.near_hashes(black, limit=5)
    assert capped and len(found) == 5
    assert {i for i, _d in found} == {m.id for m in crowd[-5:]}  # the newest are kept
    found, capped = services.near_hashes(black, limit=50)
    assert not capped and len(found) == 12
    newest_three = [m.id for m in reversed(crowd[1:])][:3]
    assert [(m.id, d) for m, d in services.similar_uploads(crowd[0], limit=3)] == [
        (i, 0) for i in newest_three
    ]


def test_the_migration_fills_the_parts_of_existing_hashes(app, db):
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    try:
        upgrade(revision="9c0f1c2d3e4f")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, active, timezone, share_nationality,"
                    " share_korean, created_at) VALUES (:id, 'm@x.invalid', 'M', 'trainee', true,"
                    " 'Asia/Seoul', false, false, '2026-12-07 00:00:00')"
                ),
                {"id": 1},
            )
            for phash in ("0123456789abcdef", None):
                conn.execute(
                    text(
                        "INSERT INTO media_files (owner_id, sha256, size_bytes, storage_key, original_name,"
                        " declared_type, spec, status, problems, info, attempts, poster_chosen, created_at,"
                        " version, phash) VALUES (:o, 'x', 1, 'k', 'a', '', '{}', 'ready', '[]', '{}', 0,"
                        " false, '2026-12-07 00:00:00', 0, :h)"
                    ),
                    {"o": 1, "h": phash},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT phash, phash_p0, phash_p1, phash_p2 FROM media_files ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("0123456789abcdef", *parts("0123456789abcdef")),
            (None, None, None, None),
        ]
        downgrade(revision="9c0f1c2d3e4f")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT phash FROM media_files ORDER BY id")).scalars().all() == [
                "0123456789abcdef",
                None,
            ]
    finally:
        db.session.remove()
        downgrade(revision="base")
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
