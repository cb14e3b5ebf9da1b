"""The automatic check of a reported repost (转发任务): fetch the page the partner reported and
look for one of the task's articles on it, by its headline or by a link to its page on our site.

Found: the assignment is accepted through services.accept_checked_link and the repost counts.
Not found, or the page could not be read: nothing is stored; the assignment stays reported for an
operator, who decides (a page may name the article in a picture, or need a login). The function
never raises for a network error: it returns why it did not accept.

The reported link comes from outside, so the fetch is careful: http and https only, GET, at most
3 redirects (each one checked again), at most 2 MB read, a timeout
(RONGMEI_PARTNERS["LINK_CHECK_TIMEOUT"], 10 s), and no private, loopback, link-local or reserved
address (the host is resolved, every address checked and the connection made to the checked
address, so a second lookup cannot turn it elsewhere) unless
RONGMEI_PARTNERS["LINK_CHECK_ALLOW_PRIVATE"] is true (tests, an intranet)."""

from __future__ import annotations

import html
import http.client
import ipaddress
import logging
import re
import socket
import ssl
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.partners import services
from rongmei.partners.models import Task, TaskAssignment

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
DEFAULT_TIMEOUT = 10.0
MIN_HEADLINE = 4  # shorter headlines would be found on unrelated pages
REDIRECTS = {301, 302, 303, 307, 308}
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


class LinkError(Exception):
    """Why the page could not be read (a sentence for the operator)."""


def _config(name: str, default=None):
    return (getattr(settings, "RONGMEI_PARTNERS", None) or {}).get(name, default)


def _public(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def _resolve(host: str, port: int) -> str:
    """The address to connect to, refusing non-public ones unless allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise LinkError(_("The address %(host)s could not be resolved.") % {"host": host}) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise LinkError(_("The address %(host)s could not be resolved.") % {"host": host})
    if not _config("LINK_CHECK_ALLOW_PRIVATE", False) and not all(_public(a) for a in addresses):
        raise LinkError(_("The link points to a private or local address; it is not fetched."))
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _decode(raw: bytes, content_type: str) -> str:
    match = re.search(r"charset=([A-Za-z0-9_-]+)", content_type or "", re.IGNORECASE)
    charset = match.group(1) if match else None
    if charset is None:
        meta = _CHARSET_RE.search(raw[:4096])
        charset = meta.group(1).decode("ascii", "ignore") if meta else None
    for candidate in (charset, "utf-8", "gb18030"):
        if not candidate:
            continue
        try:
            return raw.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", errors="replace")


def fetch_page(url: str) -> str:
    """The text of the page at ``url`` (following at most 3 redirects). Raises LinkError."""
    timeout = float(_config("LINK_CHECK_TIMEOUT", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LinkError(_("Only http and https links are checked."))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise LinkError(_("The link has an invalid port.")) from None
        ip = _resolve(parts.hostname, port)
        conn_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = conn_class(parts.hostname, port, ip=ip, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("GET", target, headers={"User-Agent": "Rongmei-linkcheck/1", "Accept": "text/html,*/*;q=0.5"})
            response = conn.getresponse()
            status, location = response.status, response.getheader("Location")
            raw = b"" if status in REDIRECTS else response.read(MAX_BYTES)
            content_type = response.getheader("Content-Type", "")
        except TimeoutError:
            raise LinkError(_("The page did not answer in time.")) from None
        except (ssl.SSLError, ssl.CertificateError):
            raise LinkError(_("The page's HTTPS certificate could not be verified.")) from None
        except (OSError, http.client.HTTPException):
            raise LinkError(_("The page could not be reached.")) from None
        finally:
            conn.close()
        if status in REDIRECTS and location:
            url = urljoin(url, location)
            continue
        if status != 200:
            raise LinkError(_("The page answered HTTP %(status)s.") % {"status": status})
        return _decode(raw, content_type)
    raise LinkError(_("The link redirects more than %(n)s times.") % {"n": MAX_REDIRECTS})


def _squeeze(text: str) -> str:
    return _SPACE_RE.sub("", text)


def find_story(page: str, stories) -> tuple[object, str] | None:
    """(story, "headline" | "link") of the first story the page names or links to, or None."""
    from rongmei.portal.selectors import story_url

    public = urlsplit(settings.RONGMEI.get("PUBLIC_URL", ""))
    unescaped = html.unescape(page)
    text = _squeeze(html.unescape(_TAG_RE.sub(" ", page)))
    for story in stories:
        headline = _squeeze(story.headline or "")
        if len(headline) >= MIN_HEADLINE and (headline in text or headline in _squeeze(unescaped)):
            return story, "headline"
        # A link to the article on our site (阅读原文 …): our host and the article's path, so the
        # path alone on another site (/news/12/ is common) does not count.
        path = story_url(story)
        if public.netloc and f"{public.netloc}{path}" in unescaped:
            return story, "link"
    return None


def check_repost(assignment_id: int) -> str:
    """Check a reported repost; accept it when the page shows one of the task's articles. Returns
    what happened, as a sentence."""
    assignment = TaskAssignment.objects.select_related("task").filter(pk=assignment_id).first()
    if assignment is None:
        return _("The task assignment no longer exists.")
    if assignment.task.kind != Task.Kind.REPOST:
        return _("Only repost tasks are checked automatically.")
    if assignment.status != TaskAssignment.Status.REPORTED:
        return _("The assignment is not waiting for a check (%(s)s).") % {"s": assignment.get_status_display()}
    url = assignment.report_url
    try:
        page = fetch_page(url)
    except LinkError as e:
        return _("Left for an operator: %(reason)s") % {"reason": e}
    except Exception:  # never let a surprise of the network fail the task
        log.warning("link check of assignment %s failed", assignment_id, exc_info=True)
        return _("Left for an operator: the page could not be read.")
    found = find_story(page, list(assignment.task.stories.order_by("pk")))
    if found is None:
        return _("Left for an operator: the page names none of the task's articles.")
    story, how = found
    if how == "headline":
        note = _("Checked automatically: the page names the article “%(t)s”.") % {"t": story.headline}
    else:
        note = _("Checked automatically: the page links to the article “%(t)s”.") % {"t": story.headline}
    try:
        services.accept_checked_link(assignment_id=assignment.pk, url=url, reported_at=assignment.reported_at, note=note)
    except DomainError as e:  # checked meanwhile by an operator, or reported again
        return _("Not accepted automatically: %(reason)s") % {"reason": e}
    return note
