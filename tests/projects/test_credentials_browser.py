"""Open Badges 3.0 in Chromium, end to end: an administrator records a completion, the trainee downloads the
credential on a phone, Digital Bazaar's verifier accepts it and rejects a tampered copy, and once the
administrator revokes it, /verify (signed out) and the status list say so."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from projects.credentials import baking, proofs
from tests.e2e.test_roles import DEMO_PASSWORD
from tests.fixtures.browser import running_server, shot
from tests.projects.test_credentials_verifier import _node_verify, verifier  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: it records and revokes."""
    with running_server(tmp_path_factory) as url:
        yield url


def sign_in(page, server: str, email: str) -> None:
    page.goto(server + "/auth/login")
    page.get_by_label(re.compile("이메일|Email")).fill(email)
    password = page.get_by_label(re.compile("비밀번호|Password"))
    password.fill(DEMO_PASSWORD)
    password.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard$"))


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the test's own server)
        return json.loads(response.read())


def _published(server: str) -> tuple[dict, dict]:
    return _get_json(server + "/credentials/issuer"), _get_json(server + "/credentials/status/revocation")


def test_record_download_verify_tamper_revoke(server, new_page, verifier, tmp_path):  # noqa: F811
    admin = new_page("en-US")
    sign_in(admin, server, "admin@demo.gongbang.kr")  # reads Korean: found by names and form fields
    admin.goto(server + "/admin/completions")
    cohorts = [a.get_attribute("href") for a in admin.locator("a[href*='/admin/completions/cohorts/']").all()]
    for href in cohorts:
        admin.goto(server + href)
        if admin.get_by_label("Chan Sokha").count():
            break
    admin.get_by_label("Chan Sokha").check()
    admin.locator("#complete-form [type=submit]").first.click()
    admin.locator("form[data-no-draft] button[type=submit]:not([name=back])").click()
    admin.wait_for_load_state()
    assert admin.get_by_label("Chan Sokha").count() == 0  # recorded: no box left for her

    trainee = new_page("en-US", phone=True)
    sign_in(trainee, server, "sokha@demo.gongbang.kr")
    trainee.goto(server + "/my/credentials")
    shot(trainee, "credentials-mine-phone")
    with trainee.expect_download() as download:
        trainee.get_by_role("button", name="JSON").first.click()
    credential = json.loads(download.value.path().read_text("utf-8"))
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    with trainee.expect_download() as download:
        trainee.get_by_role("button", name="PNG").first.click()
    assert json.loads(baking.unbake_png(download.value.path().read_bytes())) == credential

    controller, status_list = _published(server)
    assert controller["id"] == credential["issuer"]["id"]
    ok = _node_verify(verifier, credential, status_list, controller)
    assert ok == {"verified": True, "revoked": False, "errors": []}
    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["achievement"]["name"] = "Master of Film"
    assert _node_verify(verifier, tampered, status_list, controller)["verified"] is False

    admin.goto(server + "/admin/credentials")
    row = admin.locator("tr", has_text="Chan Sokha")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("Recorded for the wrong cohort")
    row.locator("form button[type=submit]").click()
    admin.wait_for_load_state()

    visitor = new_page("en-US")
    visitor.goto(server + "/verify")
    visitor.locator("input[name=address]").fill(credential["id"])
    visitor.locator("form [type=submit]").last.click()
    visitor.wait_for_load_state()
    assert visitor.locator("[data-verdict]").get_attribute("data-verdict") == "revoked"
    shot(visitor, "credentials-verify-revoked")
    _controller, status_list = _published(server)
    index = int(credential["credentialStatus"]["statusListIndex"])
    assert proofs.status_bit(status_list["credentialSubject"]["encodedList"], index) is True
    revoked = _node_verify(verifier, credential, status_list, controller)
    assert revoked["verified"] is False and revoked["revoked"] is True
