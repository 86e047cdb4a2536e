"""Issue 17's "done when", in Chromium: an administrator records a completion; the trainee (on a phone)
downloads the Open Badges 3.0 credential and the portfolio PDF, builds an evidence pack for an immigration
office and shares it; the link opens signed out on a 390 px phone; Digital Bazaar's verifier accepts the
credential (and the pack's) and rejects tampered copies; once the administrator revokes the credential,
/verify and the status list say so."""

from __future__ import annotations

import json
import urllib.request

import pytest

from projects.credentials import proofs
from tests.fixtures.browser import running_server, shot
from tests.projects import test_credentials_verifier as node
from tests.projects.test_credentials_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: The independent verifier (Node), installed and called as the Open Badges tests do.
verifier = node.verifier
TRAINEE = ("sokha@demo.gongbang.kr", "Chan Sokha")
OFFICE = "Seoul Southern Immigration Office"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: it records, issues and revokes."""
    with running_server(tmp_path_factory) as url:
        yield url


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the test's own server)
        return json.loads(response.read())


def _download(page, selector: str):
    with page.expect_download() as download:
        page.locator(selector).first.click()
    return download.value.path().read_bytes()


def _record_completion(admin, server: str, name: str) -> None:
    admin.goto(server + "/admin/completions")
    cohorts = [a.get_attribute("href") for a in admin.locator("a[href*='/admin/completions/cohorts/']").all()]
    for href in cohorts:
        admin.goto(server + href)
        if admin.get_by_label(name).count():
            break
    admin.get_by_label(name).check()
    admin.locator("#complete-form [type=submit]").first.click()
    admin.locator("form[data-no-draft] button[type=submit]:not([name=back])").click()
    admin.wait_for_load_state()
    assert admin.get_by_label(name).count() == 0  # recorded: no box left


def _build_pack(trainee, server: str) -> tuple[str, dict]:
    """The trainee makes a pack of their completion alone, agrees, issues it and makes a link: the link's
    address and the pack's credential."""
    trainee.goto(server + "/my/evidence")
    trainee.wait_for_load_state()
    boxes = trainee.locator("form[data-pack-form] input[type=checkbox]")
    assert boxes.count() >= 1
    assert all(not boxes.nth(i).is_checked() for i in range(boxes.count()))  # nothing ticked for them
    trainee.locator("select[name=recipient_kind]").select_option("immigration")
    trainee.locator("input[name=recipient_name]").fill(OFFICE)
    trainee.locator("fieldset[data-part=completions] input[type=checkbox]").first.check()
    shot(trainee, "evidence-new-phone")
    trainee.locator("form[data-pack-form] [type=submit]").click()
    trainee.wait_for_load_state()
    assert trainee.locator("[data-pack-state]").get_attribute("data-pack-state") == "draft"
    trainee.locator("form[data-consent-form] input[name=consent]").check()
    trainee.locator("form[data-consent-form] [type=submit]").click()
    trainee.wait_for_load_state()
    assert trainee.locator("[data-pack-state]").get_attribute("data-pack-state") == "issued"
    credential = json.loads(_download(trainee, "[data-download-json]"))
    pack_page = trainee.url
    trainee.locator("form[data-link-form] [type=submit]").click()
    trainee.wait_for_load_state()
    link = trainee.locator("input[data-share-url]").input_value()
    trainee.goto(pack_page)
    return link, credential


def test_done_when(server, new_page, context_for, verifier, tmp_path):
    admin = new_page("en-US")
    sign_in(admin, server, "admin@demo.gongbang.kr")
    _record_completion(admin, server, TRAINEE[1])

    trainee = new_page("en-US", phone=True)
    sign_in(trainee, server, TRAINEE[0])
    trainee.goto(server + "/my/credentials")
    trainee.wait_for_load_state()
    badge = json.loads(_download(trainee, "a:has-text('JSON')"))
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    trainee.goto(server + "/portfolio")
    trainee.wait_for_load_state()
    if trainee.locator("a[href$='/portfolio/export.pdf']").count():
        assert _download(trainee, "a[href$='/portfolio/export.pdf']").startswith(b"%PDF-")

    link, pack = _build_pack(trainee, server)
    assert pack["type"] == ["VerifiableCredential", "EvidencePackCredential"]
    assert set(pack["credentialSubject"]) == {"trainee", "recipientKind", "recipientName", "completions"}
    assert TRAINEE[0] not in json.dumps(pack)

    # Signed out, on a 390 px phone: the pack in both languages, valid, with its PDF.
    visitor = context_for("en-US", phone=True).new_page()
    visitor.goto(link)
    visitor.wait_for_load_state()
    assert visitor.locator("[data-verdict]").get_attribute("data-verdict") == "valid"
    facts = visitor.locator("[data-pack-facts]").inner_text()
    assert OFFICE in facts and "수료" in facts and "Completion" in facts and TRAINEE[1] in facts
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 390
    shot(visitor, "evidence-shared-phone")
    assert _download(visitor, "[data-download-pdf]").startswith(b"%PDF-")
    trainee.reload()
    trainee.wait_for_load_state()
    assert trainee.locator("[data-view-log] li").count() == 2  # the page, the PDF

    # The independent verifier: the credential and the pack verify; tampered copies do not.
    controller = _get_json(server + "/credentials/issuer")
    status_list = _get_json(server + "/credentials/status/revocation")
    assert node._node_verify(verifier, badge, status_list, controller)["verified"] is True
    tampered = json.loads(json.dumps(badge))
    tampered["credentialSubject"]["achievement"]["name"] = "Master of Film"
    assert node._node_verify(verifier, tampered, status_list, controller)["verified"] is False
    packs_list = _get_json(server + "/evidence/status/revocation")
    assert node._node_verify(verifier, pack, packs_list, controller) == {
        "verified": True,
        "revoked": False,
        "errors": [],
    }
    forged = json.loads(json.dumps(pack))
    forged["credentialSubject"]["recipientName"] = "Another office"
    assert node._node_verify(verifier, forged, packs_list, controller)["verified"] is False

    # The administrator revokes the credential: /verify (signed out) and the status list say so.
    admin.goto(server + "/admin/credentials")
    row = admin.locator("tr", has_text=TRAINEE[1])
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("Recorded for the wrong cohort")
    row.locator("form button[type=submit]").click()
    admin.wait_for_load_state()
    checker = new_page("en-US")
    checker.goto(server + "/verify")
    checker.locator("input[name=address]").fill(badge["id"])
    checker.locator("form [type=submit]").last.click()
    checker.wait_for_load_state()
    assert checker.locator("[data-verdict]").get_attribute("data-verdict") == "revoked"
    status_list = _get_json(server + "/credentials/status/revocation")
    index = int(badge["credentialStatus"]["statusListIndex"])
    assert proofs.status_bit(status_list["credentialSubject"]["encodedList"], index) is True
