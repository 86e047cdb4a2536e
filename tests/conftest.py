"""The suite's options, and its fixtures: plain modules under ``tests/fixtures/``, loaded here for all tests.

Tests import helpers (``PASSWORD``, ``app_config``...) from those modules, never from a conftest.
"""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.users",
    "tests.fixtures.media",
    "tests.fixtures.projects",
    "tests.fixtures.lti",
    "tests.fixtures.browser",
    "tests.fixtures.mail",
]


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="database to run the suite on (postgresql needs LMS_TEST_DATABASE_URL)",
    )


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"
