"""The `lms` command line."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.users.models import User


def test_create_user_with_password_and_duplicate(runner, db):
    r = runner.invoke(args=["create-user", "--email", "Boss@Example.org", "--name", "관리자", "--password",
                            "quiet river lantern"])
    assert r.exit_code == 0, r.output
    assert db.session.scalar(select(User.email)) == "boss@example.org"
    again = runner.invoke(args=["create-user", "--email", "boss@example.org", "--name", "x", "--password",
                                "quiet river lantern"])
    assert again.exit_code == 1 and "Another account already uses" in again.output
    weak = runner.invoke(args=["create-user", "--email", "w@example.org", "--name", "w", "--password", "password"])
    assert weak.exit_code == 1 and "common" in weak.output


def test_import_trainees_all_or_nothing(runner, db, make_cohort, tmp_path):
    cohort = make_cohort(code="2026-2")
    good = tmp_path / "good.csv"
    good.write_text(f"name,email,programme,cohort,language\n응우옌 티 란,lan@example.org,{cohort.programme.code},2026-2,en\n",
                    encoding="utf-8-sig")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"name,email,programme,cohort\nA,b@example.org,{cohort.programme.code},2026-2\nB,nope,X,Y\n")
    r = runner.invoke(args=["import-trainees", str(bad)])
    assert r.exit_code == 1 and "line 3: bad_email" in r.output and "nothing was imported" in r.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    r = runner.invoke(args=["import-trainees", str(good)])
    assert r.exit_code == 0 and "Imported 1 new" in r.output


def test_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.gongbang.kr" in first.output and "workshop-demo-2026" in first.output
    count = db.session.scalar(select(func.count()).select_from(User))
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == count >= 17
