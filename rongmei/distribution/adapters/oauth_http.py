"""What the platform adapters (Douyin, Kuaishou, Weibo) share: one HTTP call with a streamed body,
multipart bodies read from disk in blocks, and a channel's OAuth tokens kept fresh.

Calls (``call``) use http.client: no new dependency, and a request body may be an iterable of
blocks, so a video of gigabytes is sent from disk without being read into memory. What went wrong
decides what a retry may do:
  - the request never left (refused connection, no route, name not found): TransientError;
  - the request left and no answer came back (a timeout while waiting, the connection dropped):
    LostAnswer, a TransientError. The platform may have done what was asked. An adapter that
    posts remembers (progress.Progress) that a post was attempted and when the first attempt was
    made, and after a LostAnswer it never posts blindly again: the next attempt looks the post up
    in the account's own list of posts (OnePost.recover) and takes it as the receipt; when it is
    not there at two looks spread over the retry backoff, the lost call did not post and the post
    is made, once (see OnePost for the judged risk); a list refused for good asks a person;
  - a certificate that cannot be verified: PermanentError (retrying will not fix it).
Messages name the platform and the channel, never a token, a secret or an address.

Tokens (``OAuthTokens``): the access token is refreshed with the refresh token when it is about
to expire (``access_expires_at``) or when the platform says it has expired; Douyin's refresh token
is also renewed before it runs out. The new tokens are written back into the channel's encrypted
credentials (credentials.py), not into the cache: Kuaishou gives a new refresh token at every
refresh and the old one stops working, so losing it to a cache flush or eviction would cut the
account off until a person authorized it again. The write locks the channel row
(select_for_update) and reads the stored tokens again first: when another worker refreshed in the
meantime, its fresh access token is used instead of refreshing twice (which on Kuaishou would
throw away the token the other worker just stored). Only the token fields change; this is the
platform's housekeeping, not an operator's change, so it writes no audit line (it would fire every
few days per channel). Settings given directly (tests, a "check the connection" button) are
updated in memory only. A refresh whose answer is lost may leave Kuaishou with a new refresh token
we never saw; the next refresh then fails and the error asks for a new authorization.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from rongmei.distribution import credentials
from rongmei.distribution.adapters.base import Adapter, PermanentError, TransientError
from rongmei.distribution.adapters.settings_util import channel_settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
MAX_ANSWER_BYTES = 2_000_000
BLOCK = 1 << 20
ACCESS_MARGIN_SECONDS = 600  # refresh ten minutes before the platform would refuse the token
TOKEN_FIELDS = ("access_token", "access_expires_at", "refresh_token", "refresh_expires_at")
# How much earlier than our first post call a post found in the account's list may be dated and
# still be taken as ours: the platform's clock may differ from ours, and it counts whole seconds.
CLOCK_MARGIN_SECONDS = 60


class LostAnswer(TransientError):
    """The request went out but its answer never came back: the platform may have acted on it."""


# --- bodies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """``size`` bytes of a file from ``offset``, read in blocks when sent."""

    path: Path
    offset: int
    size: int

    @classmethod
    def whole(cls, path: Path) -> Slice:
        return cls(Path(path), 0, Path(path).stat().st_size)

    def blocks(self) -> Iterator[bytes]:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            left = self.size
            while left > 0:
                block = f.read(min(BLOCK, left))
                if not block:
                    raise OSError("the file became shorter while it was being sent")
                left -= len(block)
                yield block


@dataclass(frozen=True)
class Body:
    content_type: str
    length: int
    parts: tuple[bytes | Slice, ...]

    def blocks(self) -> Iterator[bytes]:
        for part in self.parts:
            if isinstance(part, bytes):
                yield part
            else:
                yield from part.blocks()


def json_body(document: dict) -> Body:
    raw = json.dumps(document, ensure_ascii=False).encode()
    return Body("application/json; charset=utf-8", len(raw), (raw,))


def form_body(fields: dict) -> Body:
    raw = urlencode({k: v for k, v in fields.items() if v is not None}).encode()
    return Body("application/x-www-form-urlencoded; charset=utf-8", len(raw), (raw,))


def raw_body(content: bytes | Slice, content_type: str) -> Body:
    length = len(content) if isinstance(content, bytes) else content.size
    return Body(content_type, length, (content,))


def multipart_body(fields: dict, files: Iterable[tuple[str, str, str, bytes | Slice]]) -> Body:
    """multipart/form-data: text ``fields`` and (field, filename, content type, bytes or Slice) files."""
    boundary = "rongmei-" + uuid.uuid4().hex
    parts: list[bytes | Slice] = []
    for name, value in fields.items():
        if value is None:
            continue
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + str(value).encode() + b"\r\n")
    for name, filename, ctype, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
        )
        parts.append(content)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    length = sum(len(p) if isinstance(p, bytes) else p.size for p in parts)
    return Body(f"multipart/form-data; boundary={boundary}", length, tuple(parts))


# --- one call -------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    raw: bytes

    def document(self, platform: str, name: str) -> dict:
        try:
            doc = json.loads(self.raw or b"{}")
        except ValueError:
            if self.status != 200:
                raise http_failure(self, platform, name) from None
            raise TransientError(
                _("%(platform)s sent an answer that is not JSON (%(name)s).") % {"platform": platform, "name": name}
            ) from None
        if not isinstance(doc, dict):
            raise TransientError(_("%(platform)s sent an answer that is not JSON (%(name)s).") % {"platform": platform, "name": name})
        return doc


def call(
    url: str,
    *,
    platform: str,
    name: str,
    method: str = "POST",
    query: dict | None = None,
    body: Body | None = None,
    headers: dict | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Answer:
    """One request. ``platform`` (translated) and ``name`` (the channel) go into error messages."""
    parts = urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    query = {k: v for k, v in (query or {}).items() if v is not None}
    target = (parts.path or "/") + ("?" + urlencode(query) if query else "")
    sent_headers = {"User-Agent": "Rongmei/1", "Accept": "application/json", **(headers or {})}
    if body is not None:
        sent_headers["Content-Type"] = body.content_type
        sent_headers["Content-Length"] = str(body.length)
    words = {"platform": platform, "name": name}
    try:
        try:
            conn.request(method, target, body=body.blocks() if body is not None else None, headers=sent_headers)
        except ssl.SSLCertVerificationError:
            raise PermanentError(_("The certificate of %(platform)s could not be verified (%(name)s).") % words) from None
        except TimeoutError:
            raise TransientError(_("%(platform)s did not answer in time (%(name)s).") % words) from None
        except (ConnectionError, http.client.HTTPException, OSError):
            raise TransientError(_("The connection to %(platform)s failed (%(name)s).") % words) from None
        try:
            response = conn.getresponse()
            return Answer(response.status, response.read(MAX_ANSWER_BYTES))
        except TimeoutError:
            raise LostAnswer(_("%(platform)s did not answer in time (%(name)s).") % words) from None
        except (ConnectionError, http.client.HTTPException, OSError):
            raise LostAnswer(_("The connection to %(platform)s was lost before its answer arrived (%(name)s).") % words) from None
    finally:
        conn.close()


def http_failure(answer: Answer, platform: str, name: str) -> TransientError | PermanentError:
    message = _("%(platform)s answered HTTP %(status)s (%(name)s).") % {"platform": platform, "status": answer.status, "name": name}
    return TransientError(message) if answer.status >= 500 or answer.status == 429 else PermanentError(message)


# --- tokens ---------------------------------------------------------------------------------


def _due(values: dict, field: str, within: float) -> bool:
    """True when the time stored in ``field`` (epoch seconds) is less than ``within`` away."""
    try:
        at = float(values.get(field) or 0)
    except (TypeError, ValueError):
        return False
    return bool(at) and at < time.time() + within


def expires_at(seconds: Any) -> float | None:
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return None
    return time.time() + seconds if seconds > 0 else None


class OAuthAdapter(Adapter):
    """An adapter whose platform speaks OAuth: settings from the channel's encrypted credentials
    (or given, by a test or a connection check) and the tokens kept in them. Subclasses set
    ``name``, ``required`` (the settings that must be there) and ``_refresh`` (and, where the
    platform renews refresh tokens, ``_renew`` with ``renew_within``)."""

    required: tuple[str, ...] = ()
    renew_within: float = 0

    def __init__(self, channel, settings: dict | None = None) -> None:
        super().__init__(channel)
        self._given = settings
        self._cfg: dict | None = None
        self._tokens: OAuthTokens | None = None

    @property
    def cfg(self) -> dict:
        if self._cfg is None:
            self._cfg = channel_settings(self.channel, self._given, self.required, self.name)
        return self._cfg

    @property
    def tokens(self) -> OAuthTokens:
        if self._tokens is None:
            renew = getattr(self, "_renew", None)
            self._tokens = OAuthTokens(
                adapter=self.name,
                channel=self.channel,
                cfg=self.cfg,
                persist=self._given is None,
                platform=self.platform_name(),
                refresh=self._refresh,
                renew=renew,
                renew_within=self.renew_within if renew else 0,
            )
        return self._tokens

    def platform_name(self) -> str:  # pragma: no cover - subclasses
        raise NotImplementedError

    def fetch(self, url: str, *, timeout: float, method: str = "POST", query=None, body=None, headers=None) -> tuple[Any, dict]:
        """One call to the platform: (the answer, its JSON document); TransientError for a 5xx or 429."""
        answer = call(
            url,
            platform=self.platform_name(),
            name=self.channel.name,
            method=method,
            query=query,
            body=body,
            headers=headers,
            timeout=float(self.cfg.get("timeout") or timeout),
        )
        if answer.status >= 500 or answer.status == 429:
            raise http_failure(answer, self.platform_name(), self.channel.name)
        return answer, answer.document(self.platform_name(), self.channel.name)

    def no_id(self) -> PermanentError:
        """The platform said yes to a post but named no id: a person must look."""
        return PermanentError(
            _("%(platform)s accepted the post but gave no id for it (%(name)s). Check the account before trying again.")
            % {"platform": self.platform_name(), "name": self.channel.name}
        )

    def _refresh(self, refresh_token: str) -> dict:  # pragma: no cover - subclasses
        raise NotImplementedError


class OAuthTokens:
    """The access and refresh tokens in ``cfg`` (the adapter's settings, updated in place).

    ``refresh(refresh_token)`` and ``renew(refresh_token)`` call the platform and return the fields
    to store: access_token, access_expires_at, refresh_token, refresh_expires_at (any subset)."""

    def __init__(
        self,
        *,
        adapter: str,
        channel,
        cfg: dict,
        persist: bool,
        platform: str,
        refresh: Callable[[str], dict],
        renew: Callable[[str], dict] | None = None,
        renew_within: float = 0,
    ) -> None:
        self.adapter, self.channel, self.cfg, self.persist = adapter, channel, cfg, persist
        self.platform = platform
        self._refresh, self._renew, self.renew_within = refresh, renew, renew_within

    def access_token(self) -> str:
        if self._renew is not None and _due(self.cfg, "refresh_expires_at", self.renew_within):
            self._update(self._renew_if_due)
        token = self.cfg.get("access_token") or ""
        if token and not _due(self.cfg, "access_expires_at", ACCESS_MARGIN_SECONDS):
            return token
        return self.refresh(rejected=token or None)

    def refresh(self, *, rejected: str | None) -> str:
        def work(values: dict) -> dict:
            current = values.get("access_token")
            if current and current != rejected and not _due(values, "access_expires_at", ACCESS_MARGIN_SECONDS):
                return {}  # another worker refreshed meanwhile: use its token
            if not values.get("refresh_token"):
                raise self.authorize_again()
            return self._refresh(values["refresh_token"])

        self._update(work)
        token = self.cfg.get("access_token") or ""
        if not token or token == rejected:
            raise TransientError(
                _("%(platform)s gave no new access token (%(name)s).") % {"platform": self.platform, "name": self.channel.name}
            )
        return token

    def _renew_if_due(self, values: dict) -> dict:
        if not _due(values, "refresh_expires_at", self.renew_within) or not values.get("refresh_token"):
            return {}
        return self._renew(values["refresh_token"])

    def authorize_again(self) -> PermanentError:
        return PermanentError(
            _("%(platform)s no longer accepts the authorization of %(name)s: authorize the account again and enter the new tokens.")
            % {"platform": self.platform, "name": self.channel.name}
        )

    def _update(self, work: Callable[[dict], dict]) -> None:
        def run(values: dict) -> dict:
            try:
                return work(values)
            except LostAnswer as e:
                # A token call is not a post: a lost answer here must not make the post look
                # attempted (OnePost), so it is an ordinary transient failure.
                raise TransientError(e.message) from None

        if not self.persist:
            self.cfg.update({k: v for k, v in run(dict(self.cfg)).items() if v not in (None, "")})
            return
        from rongmei.distribution.models import Channel

        with transaction.atomic():
            channel = Channel.objects.select_for_update().get(pk=self.channel.pk)
            values = credentials.decrypt(channel.credentials)
            if values.get("adapter") != self.adapter:
                raise PermanentError(_("The channel %(name)s is configured for another kind of delivery.") % {"name": self.channel.name})
            updates = {k: v for k, v in run(dict(values)).items() if v not in (None, "")}
            if updates:
                values.update(updates)
                channel.credentials = credentials.encrypt(values)
                channel.save(update_fields=["credentials"])
                self.channel.credentials = channel.credentials
        self.cfg.update({k: values[k] for k in TOKEN_FIELDS if k in values})


# --- posting once -----------------------------------------------------------------------------


class OnePost:
    """The call that makes the post, never repeated while the post may exist.

    The flag is set in the publication's progress before the call, and the time of the first
    attempt (``FIRST``, epoch seconds) is kept for good. A definite answer (the post, or a refusal,
    a 5xx, a rate limit) clears the flag; a LostAnswer leaves it set, and the next attempts
    (``recover``) look the post up in the account's own list:
    - found: it is the receipt (no second post);
    - the list fails for now (5xx, timeout): TransientError, the flag stays, the next attempt
      looks again;
    - not there: TransientError too, up to ``RECHECKS`` looks, spread over the publication's
      retry backoff (30 s, then 60 s …), because a platform's list may lag behind a post just
      made. Not there after ``RECHECKS`` looks, the lost call did not post (it timed out or
      dropped before the platform acted): the flag is cleared and the post is made again, once.
    - the list refused for good (no permission): PermanentError asking a person to check the
      account (the flag is cleared, so "try again" by hand after checking posts once more).
    A duplicate is possible only if a platform's list lags behind a post for longer than the
    rechecks take (about 90 s in production); no document promises a bound, so this is a judged
    risk, traded against leaving a publication undone."""

    FLAG = "post_attempted"
    FIRST = "first_post_at"
    LOOKS = "empty_lookups"
    RECHECKS = 2

    def __init__(self, progress, platform: str) -> None:
        self.progress, self.platform = progress, platform

    @property
    def lost(self) -> bool:
        """The answer to the last post call was lost: the post may exist."""
        return bool(self.progress.get(self.FLAG))

    @property
    def since(self) -> float | None:
        """The earliest time a post of ours can carry: the first post call, less CLOCK_MARGIN
        (the platform's clock and its whole-second times); None before any post call."""
        first = self.progress.get(self.FIRST)
        return float(first) - CLOCK_MARGIN_SECONDS if first else None

    def recover(self, find: Callable[[float], Any]):
        """After a lost answer: ``find(since)`` looks the post up on the account and returns its
        receipt or None. The receipt; TransientError while it is worth looking again; None when
        no answer was lost or the lost call has been shown not to have posted (post as usual)."""
        if not self.lost:
            return None
        if self.since is None:  # the flag was set before first_post_at was kept: ask a person
            self.check()
        try:
            found = find(self.since)
        except PermanentError as e:
            log.warning("%s: the post whose answer was lost could not be looked up: %s", self.platform, e.message)
            self.check()
        if found is not None:
            self.progress.set(self.FLAG, False)
            self.progress.set(self.LOOKS, 0)
            return found
        looks = int(self.progress.get(self.LOOKS) or 0) + 1
        self.progress.set(self.LOOKS, looks)
        if looks < self.RECHECKS:
            raise TransientError(
                _(
                    "The answer of %(platform)s to the last attempt was lost and the post is not in the account's list yet; looking again later."
                )
                % {"platform": self.platform}
            )
        log.info("%s: a lost post call left no post after %s looks; posting again", self.platform, looks)
        self.progress.set(self.FLAG, False)
        self.progress.set(self.LOOKS, 0)
        return None

    def check(self) -> None:
        if self.progress.get(self.FLAG):
            self.progress.set(self.FLAG, False)
            raise PermanentError(
                _(
                    "The answer to an earlier attempt to post on %(platform)s was lost, so it may have been posted. Check the account before trying again."
                )
                % {"platform": self.platform}
            )

    def __enter__(self):
        if not self.progress.get(self.FIRST):
            self.progress.set(self.FIRST, time.time())
        self.progress.set(self.FLAG, True)
        return self

    def __exit__(self, kind, error, tb):
        if not isinstance(error, LostAnswer):
            self.progress.set(self.FLAG, False)
        return False


def held_by_another(channel, external_id: str, key: str) -> bool:
    """True when another publication on ``channel`` already has ``external_id`` as its receipt:
    a post found in the account's list that belongs to someone else is never taken as ours."""
    from rongmei.distribution.models import Publication

    rows = Publication.objects.filter(channel_id=channel.pk, external_id=external_id).only("story_id", "version_id", "channel_id")
    return any(p.key != key for p in rows)


def epoch_seconds(value: Any) -> float | None:
    """A platform's creation time as epoch seconds: seconds or milliseconds, as number or text."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return seconds / 1000 if seconds > 100_000_000_000 else seconds


def vertical_cut(payload: dict, platform: str) -> Path:
    """The file of the story's finished 9:16 cut, or PermanentError telling what to do."""
    from rongmei.distribution.adapters.base import media_file

    content = payload.get("content") if isinstance(payload.get("content"), dict) else {}
    path = media_file(content.get("video"))
    if path is None:
        raise PermanentError(
            _(
                "This story has no finished vertical (9:16) video: add a video to the story and wait for its vertical cut before publishing on %(platform)s."
            )
            % {"platform": platform}
        )
    return path
