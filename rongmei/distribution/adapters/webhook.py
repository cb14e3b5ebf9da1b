"""Signed HTTP webhook push for any partner system.

POST <endpoint> with the story as JSON on publish; DELETE <endpoint> with a "retracted" event on
retraction. Headers:
  X-Rongmei-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel's secret>
  Idempotency-Key: <the publication's key>  (the same on every retry: the receiver stores an
                   item once per key)
  X-Rongmei-Event: published | retracted
A 2xx answer is success; its JSON may carry "id" and "url" for the receipt. 408, 429, 5xx,
timeouts and dropped connections are retried; other answers are refused for good. Redirects are
not followed (a signed body must not travel to an address nobody entered).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.distribution import credentials
from rongmei.distribution.adapters.base import Adapter, PermanentError, Receipt, TransientError, story_payload

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Rongmei-Signature"
KEY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Rongmei-Event"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature or "")


class WebhookAdapter(Adapter):
    name = "webhook"

    def _config(self) -> tuple[str, str]:
        values = credentials.decrypt(self.channel.credentials)
        url, secret = values.get("url", ""), values.get("secret", "")
        if not url or not secret:
            raise PermanentError(_("The channel %(name)s has no usable webhook settings.") % {"name": self.channel.name})
        return url, secret

    def render(self, publication) -> dict:
        payload = story_payload(publication)
        payload["event"] = "published"
        return payload

    def _call(self, method: str, event: str, document: dict, key: str) -> tuple[int, bytes]:
        url, secret = self._config()
        parts = urlsplit(url)
        body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(secret, body),
            KEY_HEADER: key,
            EVENT_HEADER: event,
            "User-Agent": "Rongmei-Webhook/1",
        }
        conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(65536)
        except TimeoutError as e:
            raise TransientError(_("The partner system did not answer in time.")) from e
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise TransientError(_("The connection to the partner system failed.")) from e
        finally:
            conn.close()

    @staticmethod
    def _judge(status: int) -> None:
        if 200 <= status < 300:
            return
        message = _("The partner system answered HTTP %(status)s.") % {"status": status}
        if status in (408, 425, 429) or status >= 500:
            raise TransientError(message)
        raise PermanentError(message)

    def send(self, payload: dict, key: str) -> Receipt:
        status, body = self._call("POST", "published", payload, key)
        self._judge(status)
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        url = str(answer.get("url") or "")
        return Receipt(external_id=str(answer.get("id") or key)[:200], url=url if url.startswith(("http://", "https://")) else "")

    def retract(self, receipt: Receipt, key: str) -> None:
        document = {"event": "retracted", "key": key, "external_id": receipt.external_id, "retracted_at": timezone.now().isoformat()}
        status, _body = self._call("DELETE", "retracted", document, key)
        if status in (404, 410):  # already gone
            return
        self._judge(status)
