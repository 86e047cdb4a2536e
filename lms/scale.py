"""National-scale demo data: ``lms demo --scale national`` (2,000 cohorts, 50,000 trainees; plugins add the
1,000,000 submissions).

Rows go in table by table with PostgreSQL's ``COPY`` (executemany batches on
other databases) and ids handed out here, so no row is read back and no ORM
object is built: the national set loads in minutes, where one ORM flush per
row would take hours.  Every account shares one password hash, computed once,
for the same reason (argon2 is meant to be slow).  The data is deterministic
(a seeded generator), so a second run on the same database finds it and stops.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, func, select, text
from sqlalchemy.types import JSON

from lms import signals
from lms.auth.services import hasher
from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, Programme
from lms.users.models import User

log = logging.getLogger(__name__)

#: Accounts made here end in this domain (the demo's own accounts stay as they are).
EMAIL_DOMAIN = "scale.gongbang.kr"
#: Programme codes start with this, which is how a second run sees the data is there.
CODE_PREFIX = "NAT"


@dataclass(frozen=True)
class Scale:
    """How much to make. Each trainee is in one cohort; each cohort has ``projects_per_cohort`` individual
    projects (one submission per trainee each) plus one team project."""

    name: str
    programmes: int
    cohorts: int
    trainees: int
    instructors: int
    projects_per_cohort: int
    team_size: int = 5

    @property
    def submissions(self) -> int:
        return self.trainees * self.projects_per_cohort


SCALES = {
    "national": Scale(
        "national", programmes=15, cohorts=2000, trainees=50_000, instructors=500, projects_per_cohort=20
    ),
    "regional": Scale(
        "regional", programmes=5, cohorts=200, trainees=5_000, instructors=50, projects_per_cohort=20
    ),
    "small": Scale("small", programmes=3, cohorts=6, trainees=60, instructors=3, projects_per_cohort=4),
}

FAMILY = {
    "VN": ["Nguyen", "Tran", "Le", "Pham"],
    "UZ": ["Karimov", "Yusupov", "Rakhimov"],
    "ID": ["Santoso", "Wijaya", "Saputra"],
    "PH": ["Reyes", "Santos", "Cruz"],
    "NP": ["Gurung", "Tamang", "Rai"],
    "MN": ["Bat-Erdene", "Ganbaatar"],
    "KH": ["Sokha", "Dara"],
    "LK": ["Perera", "Silva"],
    "MM": ["Aung", "Kyaw"],
    "KZ": ["Nurlanov", "Akhmetov"],
    "CN": ["Wang", "Li", "Zhang"],
    "TH": ["Boonmee", "Srisuk"],
}
GIVEN = [
    "Lan",
    "Minh",
    "Dilnoza",
    "Budi",
    "Angelica",
    "Sita",
    "Bat",
    "Sokha",
    "Nimal",
    "Aigerim",
    "Fang",
    "Somchai",
    "Rahim",
    "Ayu",
    "Joy",
    "Bikash",
    "Saraa",
    "Vanna",
    "Ruwan",
    "Thiha",
    "Dana",
    "Wei",
    "Niran",
    "Mai",
]
INSTRUCTORS = [
    "김민준",
    "이서연",
    "박지호",
    "최수아",
    "정도윤",
    "강하은",
    "조예준",
    "윤지우",
    "장서준",
    "임하린",
]


class Bulk:
    """Writes rows to one table at a time on the session's connection (and so in its transaction).

    PostgreSQL gets ``COPY … FROM STDIN`` (psycopg converts the values in C);
    other databases an ``INSERT`` executemany per batch.  Values are plain:
    strings for enums, Python objects for JSON columns.
    """

    BATCH = 5000

    def __init__(self, session):
        self.conn = session.connection()
        self.postgres = self.conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def next_id(self, table: Table) -> int:
        return (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1

    def insert(self, table: Table, columns: list[str], rows: Iterable[tuple]) -> int:
        started, count = time.perf_counter(), 0
        if self.postgres:
            json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
            raw = self.conn.connection.driver_connection
            names = ", ".join(f'"{c}"' for c in columns)
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i], ensure_ascii=False)
                    copy.write_row(row)
                    count += 1
        else:
            batch = []
            for row in rows:
                batch.append(dict(zip(columns, row)))
                if len(batch) >= self.BATCH:
                    self.conn.execute(table.insert(), batch)
                    count += len(batch)
                    batch = []
            if batch:
                self.conn.execute(table.insert(), batch)
                count += len(batch)
        self.counts[table.name] = self.counts.get(table.name, 0) + count
        log.info("%s: %d rows in %.1f s", table.name, count, time.perf_counter() - started)
        return count

    def finish(self, *tables: Table) -> None:
        """Move PostgreSQL's id sequences past the ids given here, and refresh the planner's statistics."""
        if not self.postgres:
            return
        for table in tables:
            self.conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT coalesce(max(id), 1) FROM "{table.name}"))'
                )
            )


def has_scale_data() -> bool:
    return (
        db.session.scalar(select(Programme.id).where(Programme.code.like(f"{CODE_PREFIX}%")).limit(1))
        is not None
    )


def load_scale(scale: Scale, now: datetime | None = None, seed: int = 2026) -> dict[str, int]:
    """Add *scale*'s programmes, cohorts, instructors and trainees, then let plugins add their coursework.

    Sends :data:`lms.signals.scale_loaded`. Returns rows written per table
    (empty when the data is already there). The caller commits.
    """
    if has_scale_data():
        return {}
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    bulk = Bulk(db.session)
    programmes, cohorts = Programme.__table__, Cohort.__table__
    users, enrolments, teaching = User.__table__, Enrolment.__table__, CohortInstructor.__table__
    first_programme = bulk.next_id(programmes)
    bulk.insert(
        programmes,
        ["id", "code", "name_ko", "name_en", "description_ko", "description_en", "active", "created_at"],
        (
            (
                first_programme + i,
                f"{CODE_PREFIX}{i + 1:02d}",
                f"전국 과정 {i + 1:02d}",
                f"National programme {i + 1:02d}",
                "",
                "",
                True,
                now,
            )
            for i in range(scale.programmes)
        ),
    )
    # Cohorts start over four years around today, a few a week, so dashboards see past, running and future
    # ones.
    first_cohort = bulk.next_id(cohorts)
    cohort_rows = []
    for i in range(scale.cohorts):
        start = now.date() - timedelta(days=730) + timedelta(days=(i * 1461) // max(scale.cohorts, 1))
        cohort_rows.append(
            (
                first_cohort + i,
                first_programme + i % scale.programmes,
                f"{start.year}-{i + 1:04d}",
                f"{start.year}년 {i + 1}기",
                f"Cohort {i + 1}",
                start,
                start + timedelta(days=180),
                now,
            )
        )
    bulk.insert(
        cohorts,
        ["id", "programme_id", "code", "name_ko", "name_en", "start_date", "end_date", "created_at"],
        cohort_rows,
    )
    # One hash for every account: argon2 per user would take hours for 50,000 of them.
    from lms.demo import DEMO_PASSWORD

    password_hash = hasher().hash(DEMO_PASSWORD)
    first_user = bulk.next_id(users)
    instructor_ids = [first_user + i for i in range(scale.instructors)]
    trainee_ids = [first_user + scale.instructors + i for i in range(scale.trainees)]

    def people():
        for i, uid in enumerate(instructor_ids):
            yield (
                uid,
                f"instructor{i + 1:04d}@{EMAIL_DOMAIN}",
                f"{INSTRUCTORS[i % len(INSTRUCTORS)]} {i + 1}",
                "instructor",
                password_hash,
                True,
                "ko",
                "Asia/Seoul",
                None,
                None,
                None,
                False,
                False,
                now,
            )
        countries = sorted(FAMILY)
        for i, uid in enumerate(trainee_ids):
            country = countries[i % len(countries)]
            name = f"{rng.choice(FAMILY[country])} {rng.choice(GIVEN)} {i + 1}"
            level = rng.randint(1, 5)
            yield (
                uid,
                f"trainee{i + 1:05d}@{EMAIL_DOMAIN}",
                name,
                "trainee",
                password_hash,
                True,
                rng.choice(["ko", "en"]),
                "Asia/Seoul",
                country,
                "topik",
                level,
                False,
                level > 2,
                now,
            )

    bulk.insert(
        users,
        [
            "id",
            "email",
            "name",
            "role",
            "password_hash",
            "active",
            "locale",
            "timezone",
            "nationality",
            "korean_test",
            "korean_level",
            "share_nationality",
            "share_korean",
            "created_at",
        ],
        people(),
    )
    cohort_ids = [row[0] for row in cohort_rows]
    instructors_of = {cid: instructor_ids[i % len(instructor_ids)] for i, cid in enumerate(cohort_ids)}
    bulk.insert(teaching, ["cohort_id", "user_id"], ((cid, uid) for cid, uid in instructors_of.items()))
    trainees_of: dict[int, list[int]] = {cid: [] for cid in cohort_ids}
    for i, uid in enumerate(trainee_ids):
        trainees_of[cohort_ids[i * len(cohort_ids) // len(trainee_ids)]].append(uid)
    first_enrolment = bulk.next_id(enrolments)
    bulk.insert(
        enrolments,
        ["id", "cohort_id", "user_id", "status", "enrolled_at"],
        (
            (first_enrolment + i, cid, uid, "active", now)
            for i, (cid, uid) in enumerate((cid, uid) for cid, uids in trainees_of.items() for uid in uids)
        ),
    )
    bulk.finish(programmes, cohorts, users, enrolments)
    signals.scale_loaded.send(
        None,
        scale=scale,
        bulk=bulk,
        now=now,
        seed=seed,
        cohorts={row[0]: (row[5], row[6], row[1]) for row in cohort_rows},  # start, end, programme
        trainees=trainees_of,
        instructors=instructors_of,
    )
    return dict(bulk.counts)


def analyse() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (run after the commit)."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
