"""An independent implementation checks our Open Badges 3.0 credentials: Digital Bazaar's
``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022`` cryptosuite, run with Node.

The npm packages (``tests/verifier/package.json`` and its lock) are installed with ``npm ci`` into a cache
folder outside the repository (``GONGBANG_VERIFIER_CACHE``, default ``~/.cache/gongbang-verifier``), once per
lock file.  The test skips, saying why, only where Node or npm is missing or the registry cannot be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.jobs import commit
from projects.completions import services as completions
from projects.credentials import proofs
from projects.credentials import services as credentials
from projects.credentials.models import OpenBadge

SOURCE = Path(__file__).resolve().parents[1] / "verifier"
FILES = ("package.json", "package-lock.json", "verify.mjs")


@pytest.fixture(scope="module")
def verifier() -> Path:
    """The cache folder with the verifier installed (``npm ci`` when the lock file changed)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed: the independent verifier cannot run")
    cache = Path(os.environ.get("GONGBANG_VERIFIER_CACHE") or Path.home() / ".cache" / "gongbang-verifier")
    cache.mkdir(parents=True, exist_ok=True)
    lock = (SOURCE / "package-lock.json").read_bytes()
    installed = cache / "node_modules" / ".gongbang-lock"
    for name in FILES:
        shutil.copyfile(SOURCE / name, cache / name)
    if not installed.exists() or installed.read_bytes() != lock:
        try:
            result = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=cache,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("npm ci took over 5 minutes: the npm registry is not reachable")
        if result.returncode != 0:
            reason = (result.stderr or result.stdout).strip().splitlines()[-3:]
            if any(
                w in " ".join(reason)
                for w in ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "network")
            ):
                pytest.skip(f"the npm registry is not reachable: {' '.join(reason)[:300]}")
            pytest.fail(f"npm ci failed: {result.stderr[-2000:]}")
        installed.write_bytes(lock)
    return cache


def _node_verify(cache: Path, credential: dict, status_list: dict, controller: dict) -> dict:
    payload = {
        "credential": credential,
        "contexts": proofs.contexts(),
        "documents": {controller["id"]: controller, status_list["id"]: status_list},
    }
    result = subprocess.run(
        ["node", "verify.mjs"],
        cwd=cache,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_digital_bazaar_verifies_ours_and_rejects_altered_and_revoked(app, db, course, make_user, verifier):
    admin = make_user("admin", locale="en")
    completion = completions.mark_completion(course["trainees"][0], course["cohort"], date.today(), admin)
    commit()  # the credential is issued by a job after the commit
    badge = db.session.scalar(select(OpenBadge).where(OpenBadge.completion_id == completion.id))
    controller = credentials.controller_document()

    ok = _node_verify(verifier, badge.credential, credentials.status_list_credential(), controller)
    assert ok == {"verified": True, "revoked": False, "errors": []}

    tampered = json.loads(json.dumps(badge.credential))
    tampered["credentialSubject"]["achievement"]["name"] = "Doctor of Film"
    bad = _node_verify(verifier, tampered, credentials.status_list_credential(), controller)
    assert bad["verified"] is False and any("signature" in e.lower() for e in bad["errors"]), bad

    credentials.revoke_badge(badge, "Issued by mistake", admin)
    db.session.commit()
    revoked = _node_verify(verifier, badge.credential, credentials.status_list_credential(), controller)
    assert revoked["verified"] is False and revoked["revoked"] is True, revoked


def test_digital_bazaar_verifies_a_credential_aligned_to_ncs_units(app, db, course, verifier):
    """The ``Alignment`` objects NCS units become (OB 3.0's scoped context) canonicalise the same there."""
    completion = completions.mark_completion(course["trainees"][1], course["cohort"], date.today(), None)
    unit = {
        "type": ["Alignment"],
        "targetName": "영상 촬영",
        "targetUrl": "https://www.ncs.go.kr/unit/2001020201",
        "targetCode": "2001020201_16v3",
        "targetFramework": "NCS",
        "targetType": "CFItem",
    }
    achievement = credentials.completion_achievement(completion, [unit])
    unsigned = credentials.build_credential(completion.user, achievement, "a" * 24, 5, "2026-12-07T00:00:00Z")
    key = completions.signing_key()
    method = f"{credentials.issuer_id()}#{completions.key_id(key.public_key())}"
    signed = proofs.sign(unsigned, key, method, "2026-12-07T00:00:00Z")
    assert signed["credentialSubject"]["achievement"]["alignment"] == [unit]
    status_list, controller = credentials.status_list_credential(), credentials.controller_document()
    assert _node_verify(verifier, signed, status_list, controller)["verified"] is True
    signed["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] = "2001020202_16v3"
    assert _node_verify(verifier, signed, status_list, controller)["verified"] is False


def test_digital_bazaar_verifies_an_achievement_credential(app, db, course, make_user, verifier):
    """An achievement the centre defines (a Korean stage, aligned to an NCS unit) issued by its job: accepted,
    and refused once altered."""
    from projects.credentials import achievements, definitions
    from projects.credentials.signals import korean_result_verified
    from projects.ncs import importing
    from projects.ncs import services as ncs
    from tests.projects.test_ncs import EDITING, sample

    ncs.import_units(importing.parse_units_csv(sample()))
    stage = definitions.save_definition(
        None,
        make_user("admin"),
        kind="korean_stage",
        name_ko="사회통합프로그램 2단계",
        name_en="KIIP stage 2",
        criteria_ko="2단계 이수",
        criteria_en="Stage 2 completed",
        korean_scale="kiip",
        korean_level=2,
        alignment=EDITING,
    )
    commit()
    korean_result_verified.send(course["trainees"][0], scale="kiip", level=3)
    commit()  # the job signs it
    vc = achievements.award_of(stage, course["trainees"][0]).badge.credential
    assert vc["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    status_list, controller = credentials.status_list_credential(), credentials.controller_document()
    assert _node_verify(verifier, vc, status_list, controller) == {
        "verified": True,
        "revoked": False,
        "errors": [],
    }
    vc["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Stage 5 completed"
    assert _node_verify(verifier, vc, status_list, controller)["verified"] is False
