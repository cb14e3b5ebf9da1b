"""inquiries_import: historical questions with their replies, row-level error reports, idempotent."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rongmei.core.models import AuditLog
from rongmei.inquiries.classify import training_csv_path
from rongmei.inquiries.models import Event, Inquiry, Rating, Reply, State, Unit

pytestmark = pytest.mark.django_db

REAL = training_csv_path().parent / "messages_with_replies.csv"
COLUMNS = ["msg_id", "subject", "msg_time", "detail", "reply", "reply_time", "category", "rating"]
GOOD_REPLY = "网友您好：经我局核实，幸福路下水道已安排疏通，泌阳县住房和城乡建设局将加强巡查。感谢您的监督。"
ROWS = [
    # row 2: good, the unit named in the reply (by its full name), a phone number to mask
    [
        "101",
        "幸福路下水道堵塞污水横流",
        "2019-04-25 09:32:09",
        "幸福路下水道堵了一个月，联系电话13912345678。",
        GOOD_REPLY,
        "2019-05-10 14:56:53",
        "城乡建设",
        "",
    ],
    # row 3: no subject
    ["102", "", "2019-04-25 09:32:09", "有内容", "答复内容", "2019-05-10 14:56:53", "", ""],
    # row 4: a bad date
    ["103", "学校门口交通拥堵", "2019-13-45 99:00", "上学高峰期拥堵", "答复内容", "2019-05-10 14:56:53", "", ""],
    # row 5: an empty reply
    ["104", "学校门口交通拥堵", "2019-04-25 09:32", "上学高峰期拥堵", "   ", "2019-05-10 14:56:53", "", ""],
    # row 6: good, unit by its short name, a Chinese rating
    [
        "105",
        "学校食堂饭菜质量差",
        "2019/04/26 10:00",
        "孩子说食堂饭菜很差。",
        "您好！教育局已责成学校整改。",
        "2019/05/02 08:00",
        "",
        "满意",
    ],
    # row 7: good, no unit recognised: the fallback unit
    ["106", "小区物业乱收费问题", "2019-04-27 11:00:00", "物业乱收停车费。", "您好，已转相关部门处理。", "2019-05-03 09:00:00", "", ""],
    # row 8: reply before the question
    ["107", "路灯不亮", "2019-05-01 10:00:00", "路灯坏了", "已修复", "2019-04-01 10:00:00", "", ""],
    # row 9: unknown category
    ["108", "路灯不亮", "2019-05-01 10:00:00", "路灯坏了", "已修复", "2019-05-04 10:00:00", "没有这个分类", ""],
    # row 10: the same msg_id as row 2
    ["101", "幸福路下水道堵塞污水横流", "2019-04-25 09:32:09", "重复", "重复的答复", "2019-05-10 14:56:53", "", ""],
    # row 11: an unknown rating
    ["109", "路灯不亮", "2019-05-01 10:00:00", "路灯坏了", "已修复", "2019-05-04 10:00:00", "", "还行"],
]


def _csv(path: Path, rows=ROWS, columns=COLUMNS, encoding="utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("inquiries_import", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_good_rows_are_kept_and_bad_rows_reported_with_their_number(tmp_path, county):
    errors = tmp_path / "errors.csv"
    out, err = _run(_csv(tmp_path / "in.csv"), "--errors", errors)
    assert "Imported 3 of 10 rows; 0 already imported, 7 refused; 1 without a known unit" in out
    assert Inquiry.objects.count() == 3
    with open(errors, encoding="utf-8-sig", newline="") as fh:
        refused = list(csv.DictReader(fh))
    by_row = {int(r["row"]): r["reason"] for r in refused}
    assert by_row == {
        3: "The subject is empty.",
        4: "msg_time is not a date and time: 2019-13-45 99:00 (write YYYY-MM-DD HH:MM:SS).",
        5: "The reply is empty.",
        8: "reply_time comes before msg_time.",
        9: "There is no category called 没有这个分类.",
        10: "msg_id 101 appears already in row 2.",
        11: "Unknown rating 还行 (满意, 基本满意 or 不满意).",
    }
    assert refused[0]["msg_id"] == "102" and refused[0]["detail"] == "有内容"  # the row as it was, to fix and import again
    assert "Row 3 (msg_id 102): The subject is empty." in err


def test_an_imported_row_is_a_closed_answered_public_question(tmp_path, county, unit, other_unit):
    _run(_csv(tmp_path / "in.csv"))
    first = Inquiry.objects.get(receipt="HIS-101")
    assert first.state == State.CLOSED and first.is_public and first.fan is None and first.phone == ""
    assert first.lead_unit == unit and first.category.name == "城乡建设"
    assert "13912345678" in first.body and "13912345678" not in first.public_body
    local = timezone.localtime(first.submitted_at)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2019, 4, 25, 9, 32)
    assert timezone.localtime(first.published_at).strftime("%Y-%m-%d %H:%M:%S") == "2019-05-10 14:56:53"
    assert first.closed_at == first.published_at and first.rating == ""
    [reply] = first.replies.all()
    assert reply.status == Reply.Status.PUBLISHED and reply.unit == unit and reply.body == GOOD_REPLY
    assert list(first.events.filter(public=True).values_list("action", flat=True)) == ["submit", "publish"]
    line = AuditLog.objects.get(action="inquiry.import", subject_id=str(first.pk))
    assert line.to_state == State.CLOSED and line.data["source_id"] == "101"

    rated = Inquiry.objects.get(receipt="HIS-105")
    assert rated.lead_unit == other_unit and rated.rating == Rating.SATISFIED and rated.rated_at is not None
    fallback = Inquiry.objects.get(receipt="HIS-106").lead_unit
    assert fallback.name == "历史导入" and not fallback.active
    assert first in Inquiry.objects.public()


def test_running_again_skips_what_was_imported(tmp_path, county):
    path = _csv(tmp_path / "in.csv")
    _run(path)
    audit_lines = AuditLog.objects.filter(action="inquiry.import").count()
    out, _err = _run(path)
    assert "Imported 0 of 10 rows; 4 already imported, 6 refused" in out  # row 10 repeats HIS-101, now in
    assert Inquiry.objects.count() == 3 and Unit.objects.filter(name="历史导入").count() == 1
    assert AuditLog.objects.filter(action="inquiry.import").count() == audit_lines


def test_a_dry_run_writes_nothing(tmp_path, county):
    out, _err = _run(_csv(tmp_path / "in.csv"), "--dry-run")
    assert "Dry run: 3 of 10 rows would be imported" in out
    assert Inquiry.objects.count() == 0 and Event.objects.count() == 0 and not Unit.objects.filter(name="历史导入").exists()


def test_a_gb18030_file_from_a_spreadsheet_is_read(tmp_path, county):
    out, _err = _run(_csv(tmp_path / "gbk.csv", rows=ROWS[:1], encoding="gb18030"))
    assert "Imported 1 of 1 rows" in out
    assert Inquiry.objects.get().title == "幸福路下水道堵塞污水横流"


def test_missing_columns_stop_before_anything_is_written(tmp_path, county):
    with pytest.raises(CommandError, match="lacks the column"):
        _run(_csv(tmp_path / "bad.csv", rows=[["1", "x"]], columns=["msg_id", "subject"]))
    assert Inquiry.objects.count() == 0


def test_an_errors_file_can_be_corrected_and_imported(tmp_path, county):
    errors = tmp_path / "errors.csv"
    _run(_csv(tmp_path / "in.csv"), "--errors", errors)
    with open(errors, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["subject"] = "补上的标题：下水道问题"
    fixed = tmp_path / "fixed.csv"
    with open(fixed, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:1])
    out, _err = _run(fixed)
    assert "Imported 1 of 1 rows" in out and Inquiry.objects.filter(receipt="HIS-102").exists()


@pytest.mark.skipif(not REAL.exists(), reason="the shared data set is not on this machine")
def test_the_first_200_rows_of_the_real_file(tmp_path, county):
    with open(REAL, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [next(reader) for _i in range(200)]
    out, err = _run(_csv(tmp_path / "real.csv", rows=rows, columns=header))
    assert "Imported 200 of 200 rows; 0 already imported, 0 refused" in out, err
    assert Inquiry.objects.filter(state=State.CLOSED, receipt__startswith="HIS-").count() == 200
    assert Reply.objects.filter(status=Reply.Status.PUBLISHED).count() == 200
    # Some replies name one of the demo county's bureaus (教育局, 交通运输局 …); the rest go to the fallback unit.
    assert Inquiry.objects.exclude(lead_unit__name="历史导入").exists()
