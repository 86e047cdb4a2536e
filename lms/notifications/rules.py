"""Where a message goes, when it may go, and the unsubscribe token: pure rules, no Flask, no database.

The mail outbox (:mod:`lms.mail`) and :func:`~lms.notifications.services.notify` load a person's choices and
ask these functions what to do; tests call them with plain values.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: The kind of the daily digest mail itself: it gathers other kinds, so it is never gathered again.
DIGEST = "digest"
#: The local hour from which the day's digest is sent (morning: before the day's classes).
DIGEST_HOUR = 8


class Channel(str, enum.Enum):
    """Where a kind of message reaches a person."""

    BOTH = "both"
    IN_APP = "in_app"
    EMAIL = "email"
    NONE = "none"

    @property
    def in_app(self) -> bool:
        return self in (Channel.BOTH, Channel.IN_APP)

    @property
    def email(self) -> bool:
        return self in (Channel.BOTH, Channel.EMAIL)

    def without_email(self) -> Channel:
        """The channel once e-mail is turned off (an unsubscribe link keeps the site's notices)."""
        return Channel.IN_APP if self.in_app else Channel.NONE


def default_channel(email_by_default: bool) -> Channel:
    """The channel of a kind nobody chose for: both, or the site only for kinds that are not mailed."""
    return Channel.BOTH if email_by_default else Channel.IN_APP


@dataclass(frozen=True)
class Choice:
    """A person's choice for one kind (or the kind's default)."""

    channel: Channel
    digest: bool = False


def effective(choice: Choice | None, *, required: bool, email_by_default: bool) -> Choice:
    """What applies: a required kind always reaches the person on both channels, whatever is stored."""
    if required:
        return Choice(Channel.BOTH, digest=False)
    return choice or Choice(default_channel(email_by_default))


# --- Quiet hours -------------------------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The person's zone; an unknown name falls back to Seoul rather than failing a mail run."""
    try:
        return ZoneInfo(name or "Asia/Seoul")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("Asia/Seoul")


def quiet_until(now: datetime, tz_name: str | None, start: time | None, end: time | None) -> datetime | None:
    """The end of the quiet hours *now* falls in (UTC), or ``None`` when *now* is not quiet.

    *start* and *end* are local wall-clock times in the person's zone; a period may cross midnight
    (22:00–07:00). Equal or missing times mean no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    tz = zone(tz_name)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # crosses midnight
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    # Built from wall-clock parts in the zone, so a daylight-saving change lands on the local end time.
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


# --- Daily digest ------------------------------------------------------------------------------------------


def digest_day(now: datetime, tz_name: str | None, hour: int = DIGEST_HOUR) -> date | None:
    """The local day whose digest is due at *now*, or ``None`` before *hour* o'clock local time."""
    local = now.astimezone(zone(tz_name))
    return local.date() if local.hour >= hour else None


def digest_key(user_id: int, day: date) -> str:
    """The outbox idempotency key of a person's digest for a day: at most one digest a day."""
    return f"digest:user {user_id}:{day.isoformat()}"


# --- Unsubscribe tokens ------------------------------------------------------------------------------------

#: ``<user id>.<kind>.<key id>.<MAC>``: the MAC is an HMAC-SHA256 (256 bits) of the rest under a key derived
#: from the app's secret. The key id is the person's counter: raising it revokes every link they were sent.
_TOKEN = re.compile(r"(\d{1,10})\.([a-z0-9_]{1,40})\.(\d{1,10})\.([A-Za-z0-9_-]{43})")


def _mac(secret: str, payload: str) -> str:
    key = hmac.new(secret.encode(), b"gongbang unsubscribe v1", hashlib.sha256).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(secret: str, user_id: int, kind: str, key_id: int) -> str:
    """The unsubscribe token for *user_id* and *kind*, under the person's current *key_id*."""
    payload = f"{user_id}.{kind}.{key_id}"
    return f"{payload}.{_mac(secret, payload)}"


@dataclass(frozen=True)
class TokenClaim:
    """What a well-signed token says; the caller still checks *key_id* against the person's current one."""

    user_id: int
    kind: str
    key_id: int


def read_token(secret: str, token: str) -> TokenClaim | None:
    """The claim of a token signed with *secret*, or ``None`` (malformed or forged). Constant-time check."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        return None
    user_id, kind, key_id, mac = match.groups()
    if not hmac.compare_digest(mac, _mac(secret, f"{user_id}.{kind}.{key_id}")):
        return None
    return TokenClaim(int(user_id), kind, int(key_id))
