"""Outgoing mail keeps what was written, in Korean and English."""

from __future__ import annotations

from lms.mail import send_mail

SUBJECT = (
    "Hanbit Media Works is interested in you for Short-form video maker — "
    "한빛미디어웍스가 보낸 관심을 수락했습니다 · 수료생 포트폴리오 열람 안내"
)


def test_a_long_mixed_subject_keeps_its_spaces(app, outbox):
    with app.app_context():
        send_mail("trainee@example.org", SUBJECT, "본문 body\n")
        mail = outbox()[0]
    assert mail["subject"] == SUBJECT
    assert "본문 body" in mail["body"]
