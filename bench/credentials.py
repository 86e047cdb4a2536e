"""Time Open Badges 3.0 issuing and verifying for a cohort of 300 (issue 17's figure).

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/credentials.py [--trainees 300]

On a fresh SQLite instance with a cohort of ``--trainees`` enrolled trainees:

- **cohort**: ``mark_completions`` for all of them, what an administrator's confirmation pays: each record
  signed, and its OB 3.0 credential built, canonicalised (RDFC-1.0 with pyld) and signed in the same step.
- **issue**: per credential, its ``eddsa-rdfc-2022`` proof made again (canonicalise, hash, sign), median.
- **verify**: per credential, :func:`projects.credentials.services.check_document` (the proof against the
  published keys, then the status list bit), median.
- **status list**: building and signing the 131,072-entry list once.

The reference, measured in the same run on the same credentials: plain Ed25519 signing and verifying of the
credential's bytes as canonical JSON (what the home-made completion records cost); the ratios say what JSON-LD
canonicalisation adds.  Peak RSS is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    args = parser.parse_args()
    os.environ["LMS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="gongbang-bench-credentials-")
    from lms import create_app
    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.users.models import Role, User
    from projects.completions import services as completions
    from projects.credentials import proofs
    from projects.credentials import services as credentials

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40, "MAIL_BACKEND": "none"})
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        admin = User(email="a@bench.example", name="Admin", role=Role.ADMIN)
        people = [
            User(email=f"p{i}@bench.example", name=f"훈련생 {i}", role=Role.TRAINEE)
            for i in range(args.trainees)
        ]
        db.session.add_all([admin, *people])
        db.session.flush()
        programme = programmes.create_programme(code="B", name_ko="영상 제작", name_en="Video production")
        today = utcnow().date()
        cohort = programmes.create_cohort(
            programme, code="B1", name="B1", start_date=today - timedelta(days=90), end_date=today
        )
        for person in people:
            programmes.enrol_trainee(cohort, person)
        db.session.commit()
        completions.signing_key()  # made once, outside the timing

        start = time.perf_counter()
        done = completions.mark_completions(people, cohort, today, admin)
        db.session.commit()
        whole = time.perf_counter() - start
        badges = [credentials.current_badge(c) for c in done.recorded]
        assert all(badges) and len(badges) == args.trainees

        key = completions.signing_key()
        method = f"{credentials.issuer_id()}#{completions.key_id(key.public_key())}"
        public = key.public_key()
        issue, verify, ref_sign, ref_verify = [], [], [], []
        for badge in badges:
            assert badge is not None
            unsigned = {k: v for k, v in badge.credential.items() if k != "proof"}
            start = time.perf_counter()
            proofs.sign(unsigned, key, method, unsigned["validFrom"])
            issue.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert credentials.check_document(badge.credential).valid
            verify.append(time.perf_counter() - start)
            start = time.perf_counter()
            data = completions.canonical(unsigned)
            signature = key.sign(data)
            ref_sign.append(time.perf_counter() - start)
            start = time.perf_counter()
            public.verify(signature, completions.canonical(unsigned))
            ref_verify.append(time.perf_counter() - start)
        start = time.perf_counter()
        credentials.status_list_credential()
        status_list = time.perf_counter() - start
        size = statistics.median(len(json.dumps(b.credential).encode()) for b in badges if b)

    issue_m, verify_m = statistics.median(issue), statistics.median(verify)
    ref_sign_m, ref_verify_m = statistics.median(ref_sign), statistics.median(ref_verify)
    print(f"{args.trainees} trainees, load {os.getloadavg()[0]:.1f}, credential median {size:.0f} bytes")
    print(
        f"cohort completion (records + OB 3.0 credentials): {whole:.2f} s ({ms(whole / args.trainees)} each)"
    )
    print(
        f"issue (eddsa-rdfc-2022 proof): median {ms(issue_m)}; plain Ed25519 over canonical JSON "
        f"{ms(ref_sign_m)}; ratio {issue_m / ref_sign_m:.0f}x"
    )
    print(
        f"verify (proof + status list): median {ms(verify_m)}; plain Ed25519 verify "
        f"{ms(ref_verify_m)}; ratio {verify_m / ref_verify_m:.0f}x"
    )
    print(f"status list credential (131,072 entries, signed): {ms(status_list)}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
