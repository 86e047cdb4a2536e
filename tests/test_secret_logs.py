"""No secret from a URL in any log line, and pages whose URL holds a secret leak it nowhere else.

Invitation and reset links, share links (and every rendition under them) carry a bearer secret in their path.
The access log writes each request line and the Referer of the requests that follow; the app's own loggers
write paths too. Every line is masked: by the routes the app marks secret (``lms.security.secret_url``), and
by a fallback for long random path segments, ``token=``-like query parameters and API tokens.
"""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from http.cookiejar import CookieJar
from pathlib import Path
from types import SimpleNamespace

import pytest

from lms.auth.models import TokenPurpose

ROOT = Path(__file__).resolve().parents[1]


def _share_link(db, make_user):
    """A trainee's portfolio shared by link, and a live token for it."""
    from projects.portfolios import links
    from projects.portfolios.models import Portfolio, Visibility

    portfolio = Portfolio(owner=make_user("trainee"), visibility=Visibility.LINK)
    db.session.add(portfolio)
    db.session.flush()
    _link, token = links.create_link(portfolio, recipient="Hanbit HR", days=7)
    db.session.commit()
    return token


def _calendar_feed(db, make_user):
    from lms.calendar.services import issue_feed

    raw = issue_feed(make_user("trainee"))
    db.session.commit()
    return raw


def _unsubscribe_token(db, make_user):
    from flask import current_app

    from lms.notifications.rules import make_token

    return make_token(current_app.config["SECRET_KEY"], make_user("trainee").id, "notice", 1)


def _link_token(db, user, purpose=TokenPurpose.INVITE):
    from lms.auth.services import issue_link_token

    raw = issue_link_token(user, purpose)
    db.session.commit()
    return raw


def _formatted(records_of):
    """Run *records_of()* with a handler on the root logger; the formatted lines it wrote."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        records_of()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return stream.getvalue()


def test_secret_pages_send_no_referrer_and_are_not_stored(app, db, client, make_user):
    token = _link_token(db, make_user("trainee", password=None))
    share = _share_link(db, make_user)
    feed = _calendar_feed(db, make_user)
    unsubscribe = _unsubscribe_token(db, make_user)
    pages = [
        ("GET", f"/auth/set-password/{token}", 200),
        ("POST", f"/auth/set-password/{token}", 200),  # refused password: the form again
        ("GET", "/auth/set-password/not-a-live-token", 410),
        ("GET", f"/portfolio/l/{share}", 200),
        ("GET", "/portfolio/l/not-a-live-token", 404),
        ("GET", f"/portfolio/l/{share}/items/1/poster.jpg", 404),
        ("GET", f"/calendar/{feed}.ics", 200),
        ("GET", "/calendar/gbc_not-a-live-address.ics", 404),
        ("GET", f"/unsubscribe/{unsubscribe}", 200),
        ("GET", "/unsubscribe/not-a-live-token", 400),
    ]
    for method, path, status in pages:
        r = client.open(path, method=method, data={"password": "short", "password2": "short"})
        assert r.status_code == status, (path, r.status_code)
        assert r.headers["Referrer-Policy"] == "no-referrer", path
        assert r.headers["Cache-Control"] == "no-store", path
    # Other pages keep the site-wide policy (links out still say which site sent the reader).
    assert client.get("/auth/login").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_every_route_with_a_secret_in_its_path_is_marked(app):
    from lms.security import is_secret_rule

    #: String arguments that are not secrets: a file name under a static folder, a tus upload's id (only
    #: its owner's session or token opens it), and a language code.
    public = {"filename", "upload_id", "locale"}
    unmarked = []
    for rule in app.url_map.iter_rules():
        free = {
            name
            for name, conv in rule._converters.items()
            if type(conv).__name__ in ("UnicodeConverter", "PathConverter")
        } - public
        if free and not is_secret_rule(app, rule):
            unmarked.append(rule.rule)
    assert unmarked == []
    assert is_secret_rule(app, next(app.url_map.iter_rules("auth.set_password")))
    assert is_secret_rule(app, next(app.url_map.iter_rules("portfolios.shared_rendition")))
    assert is_secret_rule(app, next(app.url_map.iter_rules("notifications.unsubscribe")))


def test_masking_covers_paths_referers_queries_and_api_tokens(app):
    from lms.logs import mask

    share = "Zq3_x-Yk8LmN0pQrS7tUvWxYz0123456789abcDEFgh"
    reset = "Ab-9_cDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd"
    lines = [
        f'1.2.3.4 - - [t] "GET /auth/set-password/{reset} HTTP/1.1" 200 10 "-" "UA"',
        f'1.2.3.4 - - [t] "GET /static/app.css HTTP/1.1" 200 10 "http://lan:5000/portfolio/l/{share}" "UA"',
        f'"GET /portfolio/l/{share}/items/3/preview.mp4?v=2 HTTP/1.1"',
        f'"GET /portfolio/l/{share}?x=1 HTTP/1.1"',
        f'"GET /api/v1/users/me?access_token=gbp_{share} HTTP/1.1"',
        f'"GET /feeds/calendar.ics?token={share}&lang=en HTTP/1.1"',
        f"Authorization: Bearer gbp_{share}",
        f'"GET /some/future/feed/{share}.ics HTTP/1.1"',
        f'"GET /verify/{share[:24]} HTTP/1.1"',
    ]
    for line in lines:
        masked = mask(line)
        assert share not in masked and reset not in masked and share[:24] not in masked, masked
        assert "[redacted]" in masked
    # What is not a secret stays readable.
    assert mask('"GET /projects/12/submissions/3?page=2 HTTP/1.1"') == (
        '"GET /projects/12/submissions/3?page=2 HTTP/1.1"'
    )
    assert mask("/static/vendor/a-long-lowercase-file-name-here.js") == (
        "/static/vendor/a-long-lowercase-file-name-here.js"
    )
    assert mask(f"/portfolio/l/{share}/items/3/poster.jpg") == "/portfolio/l/[redacted]/items/3/poster.jpg"


def test_the_apps_own_log_lines_are_masked(app, db, make_user):
    token = _link_token(db, make_user("trainee", password=None))

    def write():
        log = logging.getLogger("lms.errors")
        log.info("access refused (403) on GET %r from %s", f"/auth/set-password/{token}", "1.2.3.4")
        log.warning(f"unexpected: /auth/set-password/{token}")
        try:
            raise ValueError(f"bad link /auth/set-password/{token}")
        except ValueError:
            log.exception("unhandled error on GET %s", f"/auth/set-password/{token}")

    text = _formatted(write)
    assert token not in text
    assert text.count("/auth/set-password/[redacted]") >= 4  # message, f-string, exception, traceback


def test_gunicorns_access_log_is_masked(app, db, make_user):
    from gunicorn.config import Config

    from lms.logs import GunicornLogger

    token = _link_token(db, make_user("trainee", password=None))
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s {referer}i {raw_uri}e {query_string}e',
    )
    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    try:
        logger = GunicornLogger(cfg)
    finally:  # it may hand the root logger gunicorn's error log (the app's records go there under gunicorn)
        root.handlers[:], root.level = kept
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/auth/set-password/{token}?token={token}",
        "PATH_INFO": f"/auth/set-password/{token}",
        "QUERY_STRING": f"token={token}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.168.0.7",
        "HTTP_REFERER": f"http://192.168.0.2:5000/auth/set-password/{token}",
    }
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(resp, req, environ, timedelta(seconds=0.1))
    line = stream.getvalue()
    assert "192.168.0.7" in line and "/auth/set-password/[redacted]" in line
    assert token not in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc, deadline: float) -> None:
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"no answer from {url}") from None
            time.sleep(0.3)


#: One browser: its cookie jar carries the session (and so the form token) from a form to its post.
_BROWSER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _request(url: str, *, referer: str | None = None, headers=None, data: bytes | None = None) -> str:
    req = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    if referer:
        req.add_header("Referer", referer)
    try:
        with _BROWSER.open(req, timeout=20) as r:
            return r.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.read().decode(errors="replace")


def _post_form(url: str, fields: str) -> None:
    """Fill in the page's form (with its CSRF token) and post it."""
    page = _request(url)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert csrf, page[:2000]
    _request(url, data=f"csrf_token={csrf.group(1)}&{fields}".encode())


def _outbox_link(outbox: Path, deadline: float, log_path: Path) -> str:
    """The set-password path in the newest mail the worker wrote."""
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            body = BytesParser(policy=policy.default).parsebytes(path.read_bytes()).get_body().get_content()
            match = re.search(r"/auth/set-password/[A-Za-z0-9_\-]+", body)
            if match:
                return match.group(0)
        time.sleep(0.3)
    tail = log_path.read_text(errors="replace")[-6000:]
    raise AssertionError(f"no mail with a link reached the outbox; the server's log ends:\n{tail}")


@pytest.mark.slow
def test_lms_serve_writes_no_secret_to_any_log_line(tmp_path):
    """The real ``lms serve`` (gunicorn + worker): every kind of secret link, then static requests with it
    as Referer; neither the access log nor the app's or the worker's log holds any secret."""
    instance = tmp_path / "instance"
    env = dict(
        os.environ,
        LMS_INSTANCE_PATH=str(instance),
        LMS_SESSION_COOKIE_SECURE="false",
        PYTHONPATH=str(ROOT),
    )
    lms = [sys.executable, "-m", "lms.cli"]
    subprocess.run(lms + ["db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    made = subprocess.run(
        [sys.executable, "-c", _MAKE_SECRETS], env=env, check=True, capture_output=True, cwd=ROOT, text=True
    )
    secrets = dict(line.split("=", 1) for line in made.stdout.split())
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            lms + ["serve", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_for(base + "/healthz", proc, time.monotonic() + 120)
            # A password reset through the real form: the worker mails the link.
            _post_form(base + "/auth/forgot", "email=reset%40example.org")
            # A loaded CI machine may start the worker late: its own allowance, and its log on failure.
            reset_path = _outbox_link(instance / "outbox", time.monotonic() + 120, log_path)
            secrets["reset"] = reset_path.rsplit("/", 1)[1]
            share, invite, api = secrets["share"], secrets["invite"], secrets["api"]
            visits = [
                f"/auth/set-password/{invite}",
                reset_path,
                "/auth/set-password/" + invite[::-1],  # a wrong one is a secret-shaped path too
                f"/portfolio/l/{share}",
                f"/portfolio/l/{share}/items/1/poster.jpg?v=1",
                f"/portfolio/l/{share}/items/1/preview.mp4",
                f"/verify/{secrets['code']}",
                f"/calendar/{secrets['calendar']}.ics",
                f"/api/v1/me?access_token={api}",
                f"/lti/login?iss=https%3A%2F%2Fmoodle.example&login_hint={invite}&lti_message_hint={share}",
            ]
            for path in visits:
                _request(base + path)
                # What a browser fetches next, naming the page it came from.
                _request(base + "/static/css/app.css", referer=base + path)
                _request(base + "/static/img/favicon.svg", referer=base + path)
            assert '"email"' in _request(base + "/api/v1/me", headers={"Authorization": f"Bearer {api}"})
            _post_form(base + "/auth/login", f"email=reset%40example.org&password={share}")
            _post_form(base + f"/auth/set-password/{invite}", "password=x&password2=x")
            time.sleep(1.0)  # let the access log flush
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
    text = log_path.read_text(errors="replace")
    assert text.count("GET /auth/set-password/[redacted]") >= 3, text[-3000:]
    assert "GET /portfolio/l/[redacted]/items/1/poster.jpg" in text
    assert "Task lms.send_queued_mail" in text  # the worker's log is here too (it sent the outbox's mail)
    assert "login failed for 'reset@example.org'" in text  # and the app's own, from the web process
    for name, secret in secrets.items():
        assert secret not in text, (name, [line for line in text.splitlines() if secret in line])


_MAKE_SECRETS = """
from datetime import date
from lms import create_app
from lms.api.services import create_token
from lms.auth.models import TokenPurpose
from lms.auth.services import issue_link_token
from lms.calendar.services import issue_feed
from lms.extensions import db
from lms.users.models import Role, User
from projects.portfolios import links
from projects.portfolios.models import Portfolio, Visibility

app = create_app()
with app.app_context():
    invited = User(role=Role.TRAINEE, email="invited@example.org", name="Invited")
    reset = User(role=Role.TRAINEE, email="reset@example.org", name="Reset", password_hash="x")
    db.session.add_all([invited, reset])
    db.session.flush()
    invite = issue_link_token(invited, TokenPurpose.INVITE)
    portfolio = Portfolio(owner=reset, visibility=Visibility.LINK)
    db.session.add(portfolio)
    db.session.flush()
    _link, share = links.create_link(portfolio, recipient="Hanbit HR", days=7)
    _token, api = create_token(reset, "logs", "read")
    calendar = issue_feed(reset)
    db.session.commit()
    print(f"invite={invite} share={share} api={api} calendar={calendar} code=Qm7Zx2Lp9Rt4Vw8Ny3Ks6Hd1")
"""


def test_a_password_typed_into_the_email_box_is_neither_logged_nor_stored(client, db, make_user, caplog):
    from sqlalchemy import select

    from lms.auth.models import LoginFailure

    make_user("trainee", email="lan@example.org")
    typed = "Tr0ub4dor&3 horse"  # the password, typed into the address field by mistake
    with caplog.at_level(logging.INFO, logger="lms.auth.services"):
        client.post("/auth/login", data={"email": typed, "password": "x"})
        client.post("/auth/login", data={"email": "lan@example.org", "password": "wrong-pass"})
    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("login failed")]
    assert len(failed) == 2 and "'lan@example.org'" in failed[1]  # a real address is still named
    assert all(typed.lower() not in m.lower() for m in failed)
    keys = db.session.scalars(select(LoginFailure.key)).all()
    assert "acct:lan@example.org" in keys and all(typed.lower() not in k.lower() for k in keys)
