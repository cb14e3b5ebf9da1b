"""Readership uploaded as Excel or CSV: each bad row refused with its row number and reason, the
good rows kept; a file that cannot be used at all imports nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.partners import imports, services
from rongmei.partners.imports import MAX_ROWS, import_posts, parse_reads
from rongmei.partners.models import Platform, Post, Quarter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["平台", "账号", "标题", "链接", "发布日期", "类型", "阅读量"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows, name="阅读量.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def csv_file(rows, *, encoding="utf-8", name="阅读量.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(str(cell) for cell in row) for row in rows) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def wechat(operator, partner):
    return services.save_account(actor=operator, partner=partner, platform=Platform.WECHAT, name="泌阳微帮公众号")


@pytest.fixture
def douyin(operator, partner):
    return services.save_account(actor=operator, partner=partner, platform=Platform.DOUYIN, name="泌阳微帮抖音")


def test_a_bad_row_is_refused_by_its_row_number_and_the_good_rows_are_kept(partner_login, partner, wechat, douyin, today):
    upload = xlsx(
        [
            HEADER,
            ["微信公众号", "泌阳微帮公众号", "铜山湖秋色", "https://mp.weixin.qq.com/s/a1", today, "原创", 1200],
            ["抖音", "泌阳微帮抖音", "夏南牛节开幕", "https://v.douyin.com/b2", today.strftime("%Y/%m/%d"), "转发", "1.2万"],
            ["微信公众号", "泌阳微帮公众号", "花园街道夜市", "https://mp.weixin.qq.com/s/c3", today, "原创", "很多"],
            ["", "", "盘古山庙会", "https://mp.weixin.qq.com/s/d4", today.isoformat(), "", 35],
        ]
    )

    result = import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert (result.created, result.updated, result.total) == (3, 0, 4)
    assert len(result.errors) == 1
    row, reason = result.errors[0]
    assert row == 4
    assert "很多" in reason and "Reads" in reason
    posts = {p.title: p for p in Post.objects.filter(partner=partner)}
    assert set(posts) == {"铜山湖秋色", "夏南牛节开幕", "盘古山庙会"}
    assert posts["铜山湖秋色"].account == wechat and posts["铜山湖秋色"].reads == 1200
    assert posts["夏南牛节开幕"].account == douyin and posts["夏南牛节开幕"].kind == Post.Kind.REPOST
    assert posts["夏南牛节开幕"].reads == 12000
    assert posts["盘古山庙会"].kind == Post.Kind.ORIGINAL and posts["盘古山庙会"].account is None
    assert all(p.source == Post.Source.UPLOAD and p.published_on == today and p.recorded_by == partner_login for p in posts.values())
    line = AuditLog.objects.get(action="partner.import")
    assert line.actor == partner_login
    assert (line.data["created"], line.data["updated"], line.data["refused"], line.data["total"]) == (3, 0, 1, 4)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_a_csv_file_in_gb18030_or_utf8_is_read(partner_login, partner, wechat, today, encoding):
    upload = csv_file(
        [
            ["平台", "账号", "标题", "链接", "发布日期", "类型", "阅读量"],
            ["微信公众号", "泌阳微帮公众号", "泌阳花菇丰收", "https://mp.weixin.qq.com/s/x1", today.strftime("%Y/%m/%d"), "原创", "3.5万"],
            ["", "", "", "", "", "", ""],
            ["微信公众号", "泌阳微帮公众号", "象河乡的秋天", "https://mp.weixin.qq.com/s/x2", today.isoformat(), "转发", "800"],
        ],
        encoding=encoding,
    )

    result = import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert (result.created, result.errors, result.total) == (2, [], 2)
    first = Post.objects.get(url="https://mp.weixin.qq.com/s/x1")
    assert (first.title, first.reads, first.account) == ("泌阳花菇丰收", 35000, wechat)
    assert Post.objects.get(url="https://mp.weixin.qq.com/s/x2").kind == Post.Kind.REPOST


def test_english_headers_and_an_excel_date_cell_are_accepted(operator, partner, today):
    upload = xlsx(
        [
            ["Partner", "Title", "URL", "Date", "Kind", "Reads"],
            [partner.name, "Autumn at Tongshan Lake", "https://example.com/p/1", dt.datetime.combine(today, dt.time(9)), "repost", 5],
        ]
    )

    result = import_posts(actor=operator, uploaded=upload)

    assert result.created == 1 and result.errors == []
    post = Post.objects.get()
    assert (post.published_on, post.kind, post.reads) == (today, Post.Kind.REPOST, 5)


def test_an_operator_uploads_for_several_partners_at_once(operator, partner, other_partner, today):
    upload = xlsx(
        [
            ["合作方", "标题", "链接", "发布日期", "阅读量"],
            [partner.name, "泌阳微帮的一篇", "https://example.com/a", today, 100],
            [other_partner.name, "泌阳在线的一篇", "https://example.com/b", today, 200],
            ["不存在的自媒体", "谁的？", "https://example.com/c", today, 300],
            ["", "没有合作方", "https://example.com/d", today, 400],
        ]
    )

    result = import_posts(actor=operator, uploaded=upload)

    assert result.created == 2
    assert [row for row, _reason in result.errors] == [4, 5]
    assert "不存在的自媒体" in result.errors[0][1]
    assert Post.objects.get(partner=partner).reads == 100
    assert Post.objects.get(partner=other_partner).reads == 200
    assert Post.objects.count() == 2


def test_an_operators_file_for_all_partners_needs_the_partner_column(operator, partner, today):
    upload = xlsx([["标题", "链接", "发布日期", "阅读量"], ["一篇", "https://example.com/a", today, 1]])

    with pytest.raises(DomainError) as refused:
        import_posts(actor=operator, uploaded=upload)

    assert "合作方" in refused.value.message
    # The same file uploaded for one partner needs no partner column.
    assert import_posts(actor=operator, uploaded=upload, partner=partner).created == 1


def test_a_partner_upload_refuses_a_row_of_another_partner(partner_login, partner, other_partner, today):
    upload = xlsx(
        [
            ["合作方", "标题", "链接", "发布日期", "阅读量"],
            [partner.name, "自己的", "https://example.com/own", today, 10],
            [other_partner.name, "别人的", "https://example.com/theirs", today, 99999],
            ["", "没写合作方", "https://example.com/own2", today, 20],
        ]
    )

    result = import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert result.created == 2
    assert len(result.errors) == 1 and result.errors[0][0] == 3
    assert other_partner.name in result.errors[0][1]
    assert not Post.objects.filter(partner=other_partner).exists()
    assert set(Post.objects.values_list("partner_id", flat=True)) == {partner.pk}


def test_an_account_of_another_partner_is_refused(operator, partner_login, partner, other_partner, today):
    services.save_account(actor=operator, partner=other_partner, platform=Platform.WEIBO, name="泌阳在线微博")
    upload = xlsx([HEADER, ["微博", "泌阳在线微博", "借用别人的账号", "https://weibo.com/1", today, "原创", 5]])

    result = import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert result.created == 0 and result.errors[0][0] == 2
    assert "another partner" in result.errors[0][1]


def test_only_managers_and_the_partner_itself_may_upload(partner_login, other_partner_login, reporter, partner, today):
    rows = [["标题", "链接", "发布日期", "阅读量"], ["一篇", "https://example.com/a", today, 1]]
    for actor, target in ((other_partner_login, partner), (reporter, partner), (partner_login, None)):
        with pytest.raises(NotAllowed):
            import_posts(actor=actor, uploaded=xlsx(rows), partner=target)
    assert not Post.objects.exists()
    assert not AuditLog.objects.filter(action="partner.import").exists()


def test_uploading_again_updates_the_reads_without_duplicating(partner_login, partner, today):
    rows = [
        ["标题", "链接", "发布日期", "阅读量"],
        ["第一篇", "https://example.com/1", today, 100],
        ["第二篇", "https://example.com/2", today, 200],
    ]
    assert import_posts(actor=partner_login, uploaded=xlsx(rows), partner=partner).created == 2

    rows[1][3], rows[2][3] = 150, "1万"
    rows.append(["第三篇", "https://example.com/3", today, 7])
    result = import_posts(actor=partner_login, uploaded=xlsx(rows), partner=partner)

    assert (result.created, result.updated, result.errors) == (1, 2, [])
    assert Post.objects.count() == 3
    assert dict(Post.objects.values_list("url", "reads")) == {
        "https://example.com/1": 150,
        "https://example.com/2": 10000,
        "https://example.com/3": 7,
    }
    assert AuditLog.objects.filter(action="partner.import").count() == 2


def test_the_same_link_twice_in_one_file_is_refused_on_its_second_row(partner_login, partner, today):
    rows = [
        ["标题", "链接", "发布日期", "阅读量"],
        ["一篇", "https://example.com/1", today, 100],
        ["又一篇", "https://example.com/1", today, 999],
    ]
    result = import_posts(actor=partner_login, uploaded=xlsx(rows), partner=partner)

    assert result.created == 1 and result.updated == 0
    assert result.errors[0][0] == 3 and "row 2" in result.errors[0][1]
    assert Post.objects.get().reads == 100


def test_a_missing_column_imports_nothing_and_names_the_columns(partner_login, partner, today):
    upload = xlsx([["标题", "发布日期"], ["一篇", today]])

    with pytest.raises(DomainError) as refused:
        import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert "链接" in refused.value.message and "阅读量" in refused.value.message
    assert "标题" not in refused.value.message
    assert not Post.objects.exists()


def test_a_row_of_a_closed_quarter_is_refused_and_the_others_kept(operator, partner_login, partner, today):
    last_year = Quarter.objects.create(year=today.year - 1, number=4)
    services.close_quarter(actor=operator, quarter=last_year)
    upload = xlsx(
        [
            ["标题", "链接", "发布日期", "阅读量"],
            ["去年的", "https://example.com/old", dt.date(today.year - 1, 12, 20), 100],
            ["今天的", "https://example.com/new", today, 100],
            ["明天的", "https://example.com/future", today + dt.timedelta(days=1), 100],
            ["坏链接", "mp.weixin.qq.com/s/zz", today, 100],
            ["坏日期", "https://example.com/date", "昨天", 100],
        ]
    )

    result = import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert result.created == 1
    reasons = dict(result.errors)
    assert sorted(reasons) == [2, 4, 5, 6]
    assert "closed" in reasons[2]
    assert "future" in reasons[4]
    assert "http" in reasons[5]
    assert "昨天" in reasons[6]
    assert list(Post.objects.values_list("title", flat=True)) == ["今天的"]


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(partner_login, partner, today):
    upload = xlsx(
        [
            ["标题", "链接", "发布日期", "阅读量"],
            [None, None, None, None],
            ["一篇", "https://example.com/1", today, 1],
            [None, None, None, None],
            ["", "https://example.com/2", today, 2],
        ]
    )
    result = import_posts(actor=partner_login, uploaded=upload, partner=partner)

    assert (result.created, result.total) == (1, 2)
    assert result.errors[0][0] == 5 and "Title" in result.errors[0][1]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("阅读量.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n"),
        ("阅读量.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ("阅读量.xlsx", b"not a workbook at all"),
        ("阅读量.csv", b"\x00\x01\x02binary"),
        ("阅读量.xlsx", b"PK\x03\x04 a broken zip"),
    ],
)
def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_whole(partner_login, partner, name, content):
    with pytest.raises(DomainError):
        import_posts(actor=partner_login, uploaded=SimpleUploadedFile(name, content), partner=partner)
    assert not Post.objects.exists()
    assert not AuditLog.objects.filter(action="partner.import").exists()


def test_a_file_with_too_many_rows_is_refused_whole(partner_login, partner, today):
    rows = [["标题", "链接", "发布日期", "阅读量"]]
    rows += [[f"第{i}篇", f"https://example.com/{i}", today.isoformat(), i] for i in range(MAX_ROWS + 1)]

    with pytest.raises(DomainError) as refused:
        import_posts(actor=partner_login, uploaded=csv_file(rows), partner=partner)

    assert str(MAX_ROWS) in refused.value.message
    assert not Post.objects.exists()


def test_a_file_larger_than_5_mb_is_refused(partner_login, partner):
    upload = SimpleUploadedFile("big.csv", b"a," * (3 * 1024 * 1024), content_type="text/csv")
    with pytest.raises(DomainError) as refused:
        import_posts(actor=partner_login, uploaded=upload, partner=partner)
    assert "5 MB" in refused.value.message


@pytest.mark.parametrize(
    ("text", "reads"),
    [(1200, 1200), (1200.0, 1200), ("1,200", 1200), ("1.2万", 12000), ("3w", 30000), ("0", 0), ("1.23456万", 12346)],
)
def test_reads_accept_plain_numbers_and_the_wan_style(text, reads):
    assert parse_reads(text) == reads


@pytest.mark.parametrize("text", ["很多", "-5", "1.5", "12 万次", "", True])
def test_reads_refuse_what_is_not_a_count(text):
    with pytest.raises(ValueError):
        parse_reads(text)


def _rezipped(data: bytes, change) -> bytes:
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_a_workbook_damaged_inside_its_sheet_is_refused_whole(partner_login, partner, today):
    good = xlsx([["标题", "链接", "发布日期", "阅读量"], ["甲", "https://example.org/d/1", today, 5]]).read()
    cut = _rezipped(good, lambda name, blob: blob[: len(blob) // 2] if name.endswith("sheet1.xml") else blob)
    with pytest.raises(DomainError, match="could not be read as an Excel workbook"):
        imports.import_posts(actor=partner_login, uploaded=SimpleUploadedFile("坏.xlsx", cut), partner=partner)
    assert not Post.objects.exists()


def test_a_workbook_that_unpacks_to_a_flood_is_refused_before_it_is_read(partner_login, partner, today):
    good = xlsx([["标题", "链接", "发布日期", "阅读量"], ["甲", "https://example.org/d/1", today, 5]]).read()
    flood = _rezipped(good, lambda name, blob: blob + b" " * (120 * 2**20) if name.endswith("sheet1.xml") else blob)
    assert len(flood) < imports.MAX_BYTES
    with pytest.raises(DomainError, match="unpacks to more than"):
        imports.import_posts(actor=partner_login, uploaded=SimpleUploadedFile("大.xlsx", flood), partner=partner)
