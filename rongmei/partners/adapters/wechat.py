"""WeChat Official Account (微信公众号): the readership of the pieces an account published.

HAS ONLY MET THE LOCAL CONTRACT SERVER (partners/tests/wechat_datacube_server.py), NEVER WECHAT
ITSELF. It follows the public API documents (read 2026-11):

  获取发表内容发表详细数据 (getarticletotaldetail, the replacement of getarticletotal)
    https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticletotaldetail.md
  获取发表内容每日阅读数据 (getarticleread: per day, what was read that day; not used)
    https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticleread.md
  获取图文群发总数据 (getarticletotal: "已停止维护", replaced by the two above; not used)
    https://developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticletotal.md
  publishing records (freepublish/batchget, for the titles and links)
    https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html
  stable access token
    https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html

Request, one day at a time (the documents name no largest span for the new interface; the old
datacube interfaces allowed one day, so asking day by day is safe, and end_date may be at most
yesterday, so the span is cut there):
  POST /datacube/getarticletotaldetail?access_token=…  {"begin_date": "2026-11-01", "end_date": "2026-11-01"}
Answer:
  {"list": [{"ref_date": "2026-11-01",          # the day the piece was published
             "msgid": "2247490098_1",            # msg_data_id _ position in the message (from 1)
             "publish_type": 0,
             "detail_list": [{"stat_date": "2026-11-01", "read_user": 4123, "share_user": …, …}, …]}],
   "is_delay": false}
  Each detail_list entry counts what happened from ref_date to its stat_date, so the entry with the
  latest stat_date holds the total: its read_user (阅读人数, the documented reading figure) is
  recorded as the post's reads. msgid is the post's external_id (a second fetch updates it).

getarticletotaldetail gives no title and no link. They come from the account's publishing
records: POST /cgi-bin/freepublish/batchget {"offset": 0, "count": 20, "no_content": 1} →
{"total_count", "item_count", "item": [{"article_id", "content": {"news_item": [{"title",
"url", …}]}, "update_time"}]}; an article's url carries mid=<msg_data_id>&idx=<position>, which
names the same piece as msgid. At most ``BATCHGET_PAGES`` pages are read; a piece not found there
(sent by 群发 rather than 发布, or older) is recorded as "WeChat article <msgid>" without a link, and a
refusal of batchget costs the titles only, never the figures.

Access token and HTTP are distribution's WechatAdapter (stable_token shared with publishing, the
token renewed once on 40001/42001, timeouts and 5xx as transient); only the error messages differ:
40013/40125 wrong AppID or AppSecret, 40164 IP not on the allow list, 48001 no right to the
statistics API (an unverified account), 61500/61501 date format or range, -1/45009/45011 busy
(transient), anything else with WeChat's errcode and errmsg. Never the secret or the token.

Settings (encrypted in Account.fetch_settings): appid, secret, base_url (default
https://api.weixin.qq.com; the tests point it at the contract server), timeout (15 s).
"""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import AdapterError, TransientError
from rongmei.distribution.adapters.wechat import WechatAdapter, WechatError
from rongmei.partners.adapters.base import FetchedPost, FetchError, ReadershipAdapter
from rongmei.partners.models import Platform

log = logging.getLogger(__name__)

DETAIL_PATH = "/datacube/getarticletotaldetail"
BATCHGET_PATH = "/cgi-bin/freepublish/batchget"
BATCHGET_PAGES = 5
BATCHGET_COUNT = 20
BUSY_CODES = {-1, 45009, 45011}
CREDENTIAL_CODES = {40013, 40125, 41002, 41004}
TOKEN_CODES = {40001, 40014, 42001}


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _count(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def piece_key(url: str) -> str:
    """ "<mid>_<idx>" of a mp.weixin.qq.com article link (the same form as the datacube msgid), or ""."""
    query = parse_qs(urlsplit(url or "").query)
    mid, idx = (query.get("mid") or [""])[0], (query.get("idx") or [""])[0]
    return f"{mid}_{idx}" if mid.isdigit() and idx.isdigit() else ""


class _Client(WechatAdapter):
    """distribution's WechatAdapter for its access token and HTTP; refusals of the token become
    our FetchError with a message an operator can act on."""

    def _judge(self, error: WechatError):
        return wechat_error(error, self.channel.name)


def wechat_error(error: WechatError, name: str) -> FetchError:
    code = error.code
    if code in CREDENTIAL_CODES:
        return FetchError(
            _("WeChat refused the AppID or the AppSecret of %(name)s (errcode %(code)s): check the account's fetch settings.")
            % {"name": name, "code": code}
        )
    if code == 40164:
        return FetchError(
            _("WeChat refused the call for %(name)s: this server's IP address is not on the account's IP allow list (errcode 40164).")
            % {"name": name}
        )
    if code == 48001:
        return FetchError(
            _("The account %(name)s may not use WeChat's statistics interface (errcode 48001): only verified accounts may.")
            % {"name": name}
        )
    if code in (61500, 61501):
        return FetchError(
            _("WeChat refused the dates asked for %(name)s (errcode %(code)s: %(msg)s).")
            % {"name": name, "code": code, "msg": error.errmsg}
        )
    if code in TOKEN_CODES:
        return FetchError(
            _("WeChat refused the access token of %(name)s even after renewing it (errcode %(code)s).") % {"name": name, "code": code},
            transient=True,
        )
    if code in BUSY_CODES:
        return FetchError(
            _("WeChat is busy (errcode %(code)s); the figures of %(name)s will be fetched later.") % {"code": code, "name": name},
            transient=True,
        )
    return FetchError(_("WeChat refused (errcode %(code)s: %(msg)s).") % {"code": code, "msg": error.errmsg})


class WechatReadership(ReadershipAdapter):
    platform = Platform.WECHAT
    fields = (("appid", True, False), ("secret", True, True), ("base_url", False, False), ("timeout", False, False))

    def client(self) -> _Client:
        for name in ("appid", "secret"):
            if not self.settings.get(name):
                raise FetchError(_("The fetch settings of %(name)s lack %(field)s.") % {"name": self.account_name, "field": name})
        channel = SimpleNamespace(name=self.account_name or self.settings["appid"], credentials="")
        return _Client(channel, {k: v for k, v in self.settings.items() if k in ("appid", "secret", "base_url", "timeout")})

    def fetch(self, *, since: dt.date, until: dt.date) -> list[FetchedPost]:
        until = min(until, timezone.localdate() - dt.timedelta(days=1))  # end_date: at most yesterday
        if since > until:
            return []
        client = self.client()
        try:
            figures = self._figures(client, since, until)
            titles = self._titles(client, set(figures)) if figures else {}
        except WechatError as e:
            raise wechat_error(e, client.channel.name) from None
        except AdapterError as e:
            raise FetchError(e.message, transient=isinstance(e, TransientError)) from None
        posts = []
        for msgid, (published_on, reads) in sorted(figures.items(), key=lambda kv: (kv[1][0], kv[0])):
            title, url = titles.get(msgid, ("", ""))
            posts.append(
                FetchedPost(
                    external_id=msgid,
                    title=(title or _("WeChat article %(id)s") % {"id": msgid})[:120],
                    url=url if url.startswith(("https://", "http://")) and len(url) <= 500 else "",
                    published_on=published_on,
                    reads=reads,
                )
            )
        return posts

    def _figures(self, client: _Client, since: dt.date, until: dt.date) -> dict[str, tuple[dt.date, int]]:
        figures: dict[str, tuple[dt.date, int]] = {}
        day = since
        while day <= until:
            answer = client.call(DETAIL_PATH, data={"begin_date": day.isoformat(), "end_date": day.isoformat()})
            for item in answer.get("list") or []:
                msgid = str(item.get("msgid") or "").strip()[:80]
                if not msgid:
                    continue
                details = [d for d in item.get("detail_list") or [] if isinstance(d, dict)]
                latest = max(details, key=lambda d: str(d.get("stat_date") or ""), default={})
                figures[msgid] = (_day(item.get("ref_date")) or day, _count(latest.get("read_user")))
            day += dt.timedelta(days=1)
        return figures

    def _titles(self, client: _Client, wanted: set[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        try:
            for page in range(BATCHGET_PAGES):
                answer = client.call(BATCHGET_PATH, data={"offset": page * BATCHGET_COUNT, "count": BATCHGET_COUNT, "no_content": 1})
                items = answer.get("item") or []
                for item in items:
                    for news in (item.get("content") or {}).get("news_item") or []:
                        url = str(news.get("url") or "")
                        key = piece_key(url)
                        if key in wanted:
                            found[key] = (str(news.get("title") or "").strip(), url)
                if wanted <= set(found) or len(items) < BATCHGET_COUNT:
                    break
        except (WechatError, AdapterError, FetchError) as e:
            # The figures count; the titles are a courtesy. Say so in the log, keep the figures.
            log.warning("freepublish/batchget failed for %s: %s", client.channel.name, getattr(e, "code", e))
        return found
