"""In the LTI tests the course and project are the outside platform's (see ``tests/fixtures/lti.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def course(lti_course):
    return lti_course


@pytest.fixture
def project(lti_project):
    return lti_project
