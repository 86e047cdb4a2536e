"""An issued pack as a printable PDF: Korean and English side by side, with a QR code of its verification
page, made by the app's one PDF maker (:func:`lms.pdf.render_pdf`; nothing is fetched).

The page is drawn from the pack's frozen snapshot, so the PDF of an issued pack never changes with later
grades, marks or titles.  Its labels are fixed Korean and English (the document is for a Korean office and
has both whatever the trainee's language), not the interface's translations.
"""

from __future__ import annotations

import io

from flask import render_template

from lms import pdf
from projects.evidence.models import EvidencePack
from projects.evidence.services import verification_url

#: The recipient kinds as the PDF and the shared page print them: (Korean, English).
KIND_LABELS = {
    "immigration": ("출입국·외국인관서", "Immigration office"),
    "employer": ("고용주", "Employer"),
    "region": ("지방자치단체 (지역특화형 비자 추천)", "Local government (regional visa recommendation)"),
}

CSS = """
h1 { font-size: 15pt; margin: 0 0 4mm; }
h2 { font-size: 11.5pt; margin: 5mm 0 2mm; border-bottom: 0.4pt solid #999; }
table.side { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.side td { width: 50%; vertical-align: top; padding: 1mm 2mm; border-bottom: 0.3pt solid #ddd; }
.verify { margin-top: 6mm; display: flex; gap: 4mm; align-items: center; }
.verify img { width: 32mm; height: 32mm; }
.small { font-size: 8.5pt; color: #444; }
"""


def qr_png(url: str) -> bytes:
    """The URL as a QR code, PNG (segno)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def pack_pdf(pack: EvidencePack) -> bytes:
    """The PDF of an issued pack (raises :class:`lms.pdf.PdfError` where PDFs cannot be made)."""
    url = verification_url(pack)
    html = render_template(
        "projects/evidence/pack_pdf.html",
        pack=pack,
        facts=pack.snapshot or {},
        kind=KIND_LABELS[pack.recipient_kind.value],
        url=url,
    )
    return pdf.render_pdf(
        html,
        resources={"qr": (qr_png(url), "image/png")},
        stylesheets=(CSS,),
        title=f"증빙 자료 / Evidence pack — {pack.recipient_name}",
        lang="ko",
    )
