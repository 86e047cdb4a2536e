"""Keep the secrets that travel in URLs out of every log line.

Invitation and reset links, portfolio share links and whatever is served under them carry a bearer secret in
their path. Access logs write each request line and the Referer of the requests that follow (a page's style
sheet names the page), and the app's own messages name paths. So every log record of the process is masked
when it is made (:func:`install`, a log-record factory): gunicorn's access and error logs, Werkzeug's,
Celery's and the app's, whatever handler writes them.

What is masked:

- the secret arguments of every route marked with :func:`lms.security.secret_url` (the app's own knowledge,
  read from its URL map by :func:`register_app`), in paths and in full URLs;
- as a fallback for routes nobody marked: a long path segment that looks random (24 or more URL-safe
  characters of at least two kinds: lower case, upper case, digits), query parameters named like secrets
  (``token=``, ``access_token=``, ``code=``, ``state=``, ``…hint=``, ``key=`` …), and API tokens (``gbp_…``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

from gunicorn.glogging import Logger as _GunicornLogger

MASK = "[redacted]"

#: What a secret in a URL may be made of: anything up to the next separator of a URL or of a log line.
_VALUE = r"[^/?#&;\s\"'<>]+"
_VAR = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_QUERY = re.compile(
    r"(?i)([?&;](?:[\w.\-]*token|[\w.\-]*secret|password|passwd|[\w\-]*key|code|state|nonce|signature|sig"
    r"|[\w\-]*hint)=)[^&#\s\"'<>]+"
)
_API_TOKEN = re.compile(r"gbp_[A-Za-z0-9_\-]+")
_RANDOM_SEGMENT = re.compile(r"(?<=[/=])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])")
_KINDS = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"))

_rules: dict[str, re.Pattern[str]] = {}
_lock = threading.Lock()
_installed = False


def rule_pattern(rule: str, secret: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern finding the secret arguments of URL rule *rule* (``/portfolio/l/<token>``), a group each.

    Only the text up to the last secret is matched, so what follows it (``/items/3/poster.jpg``) stays
    readable. ``None`` when the rule has none of the *secret* arguments.
    """
    secret = set(secret)
    parts, last, end = [], 0, None
    for match in _VAR.finditer(rule):
        parts.append(re.escape(rule[last : match.start()]))
        if match.group(2) in secret:
            parts.append(f"({_VALUE})")
            end = len(parts)
        else:
            parts.append(_VALUE)
        last = match.end()
    if end is None:
        return None
    return re.compile("".join(parts[:end]))


def register_rule(rule: str, secret: Iterable[str]) -> None:
    """Mask the *secret* arguments of URL rule *rule* in every log line of this process."""
    pattern = rule_pattern(rule, secret)
    if pattern is not None:
        with _lock:
            _rules[rule] = pattern


def register_app(app) -> None:
    """Register every route of *app* that :func:`lms.security.secret_url` marked, then :func:`install`."""
    from lms.security import secret_args

    for rule in app.url_map.iter_rules():
        args = secret_args(app, rule)
        if args:
            register_rule(rule.rule, args)
    install()


def _mask_groups(match: re.Match[str]) -> str:
    text, start = match.group(0), match.start()
    for i in range(match.lastindex or 0, 0, -1):
        a, b = match.span(i)
        text = text[: a - start] + MASK + text[b - start :]
    return text


def _mask_random(match: re.Match[str]) -> str:
    value = match.group(0)
    return MASK if sum(bool(kind.search(value)) for kind in _KINDS) >= 2 else value


def mask(text: str) -> str:
    """*text* with every secret it holds in a URL replaced by ``[redacted]``."""
    if not text:
        return text
    for pattern in list(_rules.values()):
        text = pattern.sub(_mask_groups, text)
    text = _QUERY.sub(lambda m: m.group(1) + MASK, text)
    text = _API_TOKEN.sub(MASK, text)
    return _RANDOM_SEGMENT.sub(_mask_random, text)


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Mask *record*'s message, traceback and stack in place (the formatted text, whatever the handler)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken call: logging reports it when a handler formats the record
        return record
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        masked = mask(text)
        if masked != text:
            record.exc_text = masked  # formatters use this text instead of formatting the exception again
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


def install() -> None:
    """Mask every log record this process makes from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs):
            return scrub(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger (``--logger-class lms.logs.GunicornLogger``, as ``lms serve`` runs it).

    Installs the masking factory in the master, before any worker or app starts, so every access-log line
    is masked as formatted, whatever the format names (request line, path, query, Referer, any header or
    environ value). The app's own records (sign-ins, refusals) go to gunicorn's error log at its level;
    without a handler Python would drop everything below a warning.
    """

    def setup(self, cfg):
        install()
        super().setup(cfg)
        root = logging.getLogger()
        if not root.handlers:
            for handler in self.error_log.handlers:
                root.addHandler(handler)
            root.setLevel(self.loglevel)
        # Alembic announces each of its plugins at INFO when Flask-Migrate loads it in every worker: noise.
        logging.getLogger("alembic").setLevel(logging.WARNING)
