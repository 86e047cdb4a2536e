"""Demo Korean records for ``lms demo``: the demo trainee's TOPIK result, verified and shown to employers, and
Budi's KIIP stage, waiting for the instructor (idempotent: a trainee with records gets no more)."""

from __future__ import annotations

import io
from datetime import timedelta

from lms.db import utcnow
from projects.korean import services

#: A one-page PDF standing in for a score report.
REPORT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded`` (through ``projects.demo_loaded``)."""
    from media import services as media_services

    instructor = people.get("instructor@demo.gongbang.kr")
    records = (("trainee@demo.gongbang.kr", "topik", 3, True), ("budi@demo.gongbang.kr", "kiip", 2, False))
    for email, scale, level, verified in records:
        trainee = people.get(email)
        if trainee is None or services.history(trainee.id):
            continue
        document = media_services.register_upload(
            trainee, io.BytesIO(REPORT), filename=f"{scale}.pdf", declared_type="application/pdf"
        )
        taken = (utcnow() - timedelta(days=200)).date() if scale == "topik" else None
        evidence = services.add_evidence(trainee, scale, level, taken, document)
        if verified and instructor is not None:
            services.decide_evidence(evidence, instructor, verify=True)
            services.set_shared(evidence, trainee, True)
