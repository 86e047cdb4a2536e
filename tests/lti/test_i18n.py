"""The LTI plugin's catalogue covers every string, in Korean and English, compiled."""

from __future__ import annotations

import pytest

from lms.config import SHIPPED_LANGUAGES
from tests.catalogues import check_translated_and_compiled, missing_from_catalogue


def test_catalogue_covers_every_string_in_the_code():
    """Fails when a string was added without `make messages` and a translation."""
    found, missing = missing_from_catalogue("lti")
    assert "Sign-in from the LMS refused" in found and "The statement was meant for another tool." in found
    assert missing == []


@pytest.mark.parametrize("locale", SHIPPED_LANGUAGES)
def test_every_message_translated_and_compiled(locale):
    check_translated_and_compiled("lti", locale)
