"""A contract server for the parts of the WeChat Official Account API the readership adapter
uses (see partners/adapters/wechat.py for the document URLs), in a thread on 127.0.0.1:

  POST /cgi-bin/stable_token               {grant_type, appid, secret[, force_refresh]} → {access_token, expires_in}
                                           40013 unknown appid, 40125 wrong secret
  POST /datacube/getarticletotaldetail     {begin_date, end_date} → {list: [{ref_date, msgid, publish_type,
                                           detail_list: [{stat_date, read_user, …}]}], is_delay}
                                           61500 a date not YYYY-MM-DD, 61501 end before begin, end after
                                           yesterday or a span longer than ``max_span_days`` (1: the limit the
                                           old datacube documents gave; the new one names none)
  POST /cgi-bin/freepublish/batchget       {offset, count, no_content} → {total_count, item_count, item: [{article_id,
                                           content: {news_item: [{title, url, …}]}, update_time}]}
  POST /datacube/getusercumulate           {begin_date, end_date} → {list: [{ref_date, cumulate_user}]}: the days of
                                           ``followers``; a span longer than 7 days is 61501
  POST /datacube/getbizsummary             {begin_date, end_date} → {list: [{ref_date, detail: {read_user,
                                           share_user, zaikan_user, like_user, comment_count, …}}], is_delay}:
                                           the days of ``summary`` (is_delay for those in ``delayed``);
                                           span as getarticletotaldetail
(getusercumulate and getbizsummary: the center's own account, rongmei/dashboard/wechat_figures.py.)

Every call but stable_token needs a valid access_token (40001 unknown, 42001 expired).
``articles``: what the account published, each {"msgid", "ref_date" (date), "title", "reads",
"published": bool (False: sent by 群发, so not in the publishing records)}. The figures of a
piece come as two detail_list entries, the day of publication (half) and yesterday (all), as WeChat
counts them from publication to each stat_date. ``faults`` (from the shared ContractServer, one per
API call): "500", "timeout", "drop", "drop_after", "busy" (errcode -1), "rate" (45009), "expire"
(the current token expires now → 42001). ``refuse`` maps a path to an errcode it answers with.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from rongmei.distribution.tests.servers.contract import ContractServer, Request

APPID, SECRET = "wx00datacube0000ab", "datacube-secret-0123456789abcdef"  # noqa: S105
BIZ = "MzA5NjQ4ODk0Mg=="
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def article_url(msgid: str) -> str:
    mid, _sep, idx = msgid.partition("_")
    return f"https://mp.weixin.qq.com/s?__biz={BIZ}&mid={mid}&idx={idx}&sn=5a1b2c3d4e&chksm=abc#rd"


class DatacubeServer(ContractServer):
    TOKEN_PATHS = frozenset({"/cgi-bin/stable_token"})

    def __init__(self) -> None:
        super().__init__()
        self.articles: list[dict] = []
        self.valid_tokens: set[str] = set()
        self.current_token = ""
        self.max_span_days = 1
        self.refuse: dict[str, tuple[int, str]] = {}
        self.today = timezone.localdate()
        self.followers: dict[dt.date, int] = {}
        self.summary: dict[dt.date, dict] = {}
        self.delayed: set[dt.date] = set()  # getbizsummary answers is_delay true for these days

    def add(self, msgid: str, ref_date: dt.date, title: str, reads: int, *, published: bool = True) -> dict:
        article = {"msgid": msgid, "ref_date": ref_date, "title": title, "reads": reads, "published": published}
        with self.lock:
            self.articles.append(article)
        return article

    # --- shared faults ---------------------------------------------------------------------

    def fault_answer(self, fault: str) -> tuple[int, dict]:
        return 200, (
            {"errcode": -1, "errmsg": "system error"} if fault == "busy" else {"errcode": 45009, "errmsg": "api freq out of limit"}
        )

    def expire_access_token(self) -> None:
        self.valid_tokens.discard(self.current_token)

    # --- the API ---------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, dict]:
        if request.method != "POST":
            return 405, {}
        body = request.form() if request.body else {}
        if request.path == "/cgi-bin/stable_token":
            return 200, self.stable_token(body)
        token = request.query.get("access_token", "")
        if token not in self.valid_tokens:
            expired = token.startswith("token-")
            return 200, {"errcode": 42001, "errmsg": "access_token expired"} if expired else {
                "errcode": 40001,
                "errmsg": "invalid credential",
            }
        if request.path in self.refuse:
            code, message = self.refuse[request.path]
            return 200, {"errcode": code, "errmsg": message}
        if request.path == "/datacube/getarticletotaldetail":
            return 200, self.article_total_detail(body)
        if request.path == "/datacube/getusercumulate":
            return 200, self.user_cumulate(body)
        if request.path == "/datacube/getbizsummary":
            return 200, self.biz_summary(body)
        if request.path == "/cgi-bin/freepublish/batchget":
            return 200, self.batchget(body)
        return 404, {}

    def stable_token(self, body: dict) -> dict:
        if body.get("grant_type") != "client_credential" or body.get("appid") != APPID:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if body.get("secret") != SECRET:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if body.get("force_refresh") or self.current_token not in self.valid_tokens:
            self.valid_tokens.discard(self.current_token)
            self.current_token = f"token-{next(self.ids)}"
            self.valid_tokens.add(self.current_token)
        return {"access_token": self.current_token, "expires_in": 7200}

    def _span(self, body: dict, max_days: int) -> tuple[dt.date, dt.date] | dict:
        begin, end = str(body.get("begin_date", "")), str(body.get("end_date", ""))
        if not (_DATE_RE.match(begin) and _DATE_RE.match(end)):
            return {"errcode": 61500, "errmsg": "date format error"}
        begin_day, end_day = dt.date.fromisoformat(begin), dt.date.fromisoformat(end)
        yesterday = self.today - dt.timedelta(days=1)
        if end_day < begin_day or end_day > yesterday or (end_day - begin_day).days >= max_days:
            return {"errcode": 61501, "errmsg": "date range error"}
        return begin_day, end_day

    def user_cumulate(self, body: dict) -> dict:
        span = self._span(body, 7)
        if isinstance(span, dict):
            return span
        days = sorted(d for d in self.followers if span[0] <= d <= span[1])
        return {"list": [{"ref_date": d.isoformat(), "user_source": 0, "cumulate_user": self.followers[d]} for d in days]}

    def biz_summary(self, body: dict) -> dict:
        span = self._span(body, self.max_span_days)
        if isinstance(span, dict):
            return span
        days = sorted(d for d in self.summary if span[0] <= d <= span[1])
        delayed = any(span[0] <= d <= span[1] for d in self.delayed)
        return {"list": [{"ref_date": d.isoformat(), "detail": self.summary[d]} for d in days], "is_delay": delayed}

    def article_total_detail(self, body: dict) -> dict:
        span = self._span(body, self.max_span_days)
        if isinstance(span, dict):
            return span
        begin_day, end_day = span
        yesterday = self.today - dt.timedelta(days=1)
        listing = []
        for article in self.articles:
            if not begin_day <= article["ref_date"] <= end_day:
                continue
            details = [{"stat_date": article["ref_date"].isoformat(), "read_user": article["reads"] // 2, "share_user": 1}]
            if article["ref_date"] < yesterday:
                details.append({"stat_date": yesterday.isoformat(), "read_user": article["reads"], "share_user": 2})
            else:
                details[0]["read_user"] = article["reads"]
            listing.append(
                {"ref_date": article["ref_date"].isoformat(), "msgid": article["msgid"], "publish_type": 0, "detail_list": details}
            )
        return {"list": listing, "is_delay": False}

    def batchget(self, body: dict) -> dict:
        offset, count = int(body.get("offset", 0)), int(body.get("count", 20))
        if not 1 <= count <= 20:
            return {"errcode": 40097, "errmsg": "invalid args"}
        records = sorted((a for a in self.articles if a["published"]), key=lambda a: a["ref_date"], reverse=True)
        page = records[offset : offset + count]
        items = [
            {
                "article_id": f"article-{a['msgid']}",
                "content": {"news_item": [{"title": a["title"], "url": article_url(a["msgid"]), "is_deleted": False}]},
                "update_time": 0,
            }
            for a in page
        ]
        return {"total_count": len(records), "item_count": len(items), "item": items}
