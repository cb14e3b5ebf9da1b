"""Word-list services (core.services) and the import_wordlist command."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from rongmei.core import audit, safety, services
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AllowedPhrase, AuditLog, SensitiveWord, WordCategory
from rongmei.core.tests.conftest import WORDLISTS

pytestmark = pytest.mark.django_db

DATA_DIR = settings.BASE_DIR.parent / "shared" / "data"


def wordlist(name: str) -> Path:
    path = DATA_DIR / WORDLISTS / name
    if not path.is_file():
        pytest.skip(f"shared data not found at {path}")
    return path


# --- importing the real lists ------------------------------------------------------------------


def test_a_real_list_imports_into_a_category_named_after_the_file(admin_user):
    # 广告类型.txt: UTF-8 without BOM, LF line ends, 123 entries of which 3 repeat an earlier one.
    path = wordlist("广告类型.txt")
    report = services.import_wordlist(actor=admin_user, data=path.read_bytes(), category=path.stem, severity="flag", source=path.name)
    assert (report.created, report.duplicates, report.refused) == (120, 3, [])
    category = WordCategory.objects.get(name="广告类型")
    assert report.category == category and report.category_created
    assert category.severity == "flag"
    assert category.words.count() == 120
    assert set(category.words.values_list("word", flat=True)) == {
        line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()
    }


def test_the_command_imports_several_real_lists_each_into_its_own_category(admin_user):
    # COVID-19词库.txt has no newline after its last line; 新思想启蒙.txt has one.
    covid, enlightenment = wordlist("COVID-19词库.txt"), wordlist("新思想启蒙.txt")
    out = StringIO()
    call_command("import_wordlist", str(covid), str(enlightenment), "--severity", "block", "--actor", admin_user.username, stdout=out)
    assert WordCategory.objects.get(name="COVID-19词库").words.count() == 72
    assert WordCategory.objects.get(name="新思想启蒙").words.count() == 16
    assert set(WordCategory.objects.values_list("severity", flat=True)) == {"block"}
    assert "88" in out.getvalue()
    lines = AuditLog.objects.filter(action="wordlist.import")
    assert lines.count() == 2
    assert {line.actor for line in lines} == {admin_user}
    last_covid_word = covid.read_text(encoding="utf-8").split("\n")[-1].strip()
    assert [h.severity for h in safety.scan(f"网传{last_covid_word}的消息")][:1] == ["block"]


def test_importing_the_same_list_twice_adds_nothing_the_second_time(admin_user):
    path = wordlist("新思想启蒙.txt")
    services.import_wordlist(actor=admin_user, data=path.read_bytes(), category="启蒙")
    again = services.import_wordlist(actor=admin_user, data=path.read_bytes(), category="启蒙")
    assert (again.created, again.duplicates, again.category_created) == (0, 16, False)
    assert SensitiveWord.objects.count() == 16


# --- the format -------------------------------------------------------------------------------


def test_bad_lines_are_reported_by_line_number_and_the_good_lines_kept(admin_user):
    too_long = "长" * 101
    data = "\n".join(
        [
            "# 广告词，2025年整理",  # 1 comment
            "代开发票",  # 2
            "",  # 3 blank
            "  刷单返利  ",  # 4 stripped
            too_long,  # 5 refused
            "代开发票",  # 6 duplicate
            "加微\x00信",  # 7 refused: control character
            "长" * 100,  # 8 exactly the limit: kept
        ]
    ).encode("utf-8")
    report = services.import_wordlist(actor=admin_user, data=data, category="广告")
    assert report.created == 3
    assert report.duplicates == 1
    assert [r.line for r in report.refused] == [5, 7]
    assert "100" in report.refused[0].reason
    assert set(SensitiveWord.objects.values_list("word", flat=True)) == {"代开发票", "刷单返利", "长" * 100}
    text = "\n".join(report.lines())
    assert "5" in text and "7" in text


def test_a_bom_and_windows_line_ends_are_accepted(admin_user):
    data = "\ufeff代开发票\r\n刷单\r\n".encode()
    report = services.import_wordlist(actor=admin_user, data=data, category="广告")
    assert report.created == 2
    assert set(SensitiveWord.objects.values_list("word", flat=True)) == {"代开发票", "刷单"}


def test_duplicates_differing_only_in_latin_case_are_skipped(admin_user):
    report = services.import_wordlist(actor=admin_user, data="QQ\nqq\nＱＱ\n", category="广告")
    assert (report.created, report.duplicates) == (1, 2)


def test_a_file_that_is_not_utf8_is_refused_with_its_line(admin_user):
    data = "代开发票\n刷单\n".encode() + "加微信\n".encode("gbk")
    with pytest.raises(DomainError) as caught:
        services.import_wordlist(actor=admin_user, data=data, category="广告", source="gbk.txt")
    assert caught.value.code == "encoding"
    assert "gbk.txt" in caught.value.message and "3" in caught.value.message
    assert not WordCategory.objects.exists()


def test_an_existing_category_keeps_its_severity(admin_user):
    WordCategory.objects.create(name="政治", severity="block")
    report = services.import_wordlist(actor=admin_user, data="某词\n", category="政治", severity="flag")
    assert not report.category_created
    assert WordCategory.objects.get(name="政治").severity == "block"


def test_an_unknown_severity_is_refused(admin_user):
    with pytest.raises(DomainError):
        services.import_wordlist(actor=admin_user, data="某词\n", category="政治", severity="warn")


# --- the command --------------------------------------------------------------------------------


def test_the_command_uses_the_category_option_for_every_file(admin_user, tmp_path):
    (tmp_path / "a.txt").write_text("甲词\n乙词\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙词\n丙词\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "import_wordlist", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--category", "合并", "--severity", "flag", stdout=out
    )
    assert WordCategory.objects.get().name == "合并"
    assert SensitiveWord.objects.count() == 3
    assert AuditLog.objects.filter(action="wordlist.import", actor=None).count() == 2


def test_the_command_reports_refused_lines(tmp_path, db):
    (tmp_path / "words.txt").write_text("好词\n" + "长" * 101 + "\n", encoding="utf-8")
    out = StringIO()
    call_command("import_wordlist", str(tmp_path / "words.txt"), "--severity", "flag", stdout=out)
    assert "2" in out.getvalue().splitlines()[-1]
    assert WordCategory.objects.get().name == "words"


def test_the_command_refuses_a_missing_file_before_importing_any(tmp_path, db):
    (tmp_path / "a.txt").write_text("甲词\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing.txt"):
        call_command("import_wordlist", str(tmp_path / "a.txt"), str(tmp_path / "missing.txt"), "--severity", "flag")
    assert not SensitiveWord.objects.exists()


def test_the_command_refuses_a_file_in_another_encoding(tmp_path, db):
    (tmp_path / "gbk.txt").write_bytes("代开发票\n".encode("gbk"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_wordlist", str(tmp_path / "gbk.txt"), "--severity", "flag")


def test_the_command_refuses_an_unknown_actor(tmp_path, db):
    (tmp_path / "a.txt").write_text("甲词\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_wordlist", str(tmp_path / "a.txt"), "--severity", "flag", "--actor", "nobody")


def test_the_command_refuses_an_actor_who_is_not_an_admin(tmp_path, reporter):
    (tmp_path / "a.txt").write_text("甲词\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_wordlist", str(tmp_path / "a.txt"), "--severity", "flag", "--actor", reporter.username)
    assert not SensitiveWord.objects.exists()


# --- single changes and who may make them ----------------------------------------------------


def test_an_admin_adds_and_deactivates_a_word_with_audit_lines(admin_user):
    category = services.create_category(actor=admin_user, name="广告", severity="flag")
    word = services.add_word(actor=admin_user, category=category, word="刷单", severity="block")
    assert word.active and word.severity == "block"
    services.deactivate_word(actor=admin_user, word=word)
    word.refresh_from_db()
    assert not word.active
    again = services.add_word(actor=admin_user, category=category, word="刷单")
    assert again.pk == word.pk and again.active and again.severity == ""
    actions = list(audit.history(category).values_list("action", flat=True))
    assert actions == ["wordlist.category_create", "wordlist.word_add", "wordlist.word_deactivate", "wordlist.word_add"]
    assert set(audit.history(category).values_list("actor", flat=True)) == {admin_user.pk}


def test_an_admin_changes_a_word_and_a_category(admin_user):
    category = services.create_category(actor=admin_user, name="广告", severity="flag")
    word = services.add_word(actor=admin_user, category=category, word="刷单")
    services.update_word(actor=admin_user, word=word, severity="block")
    services.update_category(actor=admin_user, category=category, active=False)
    word.refresh_from_db()
    category.refresh_from_db()
    assert word.severity == "block" and not category.active
    change = audit.history(category).get(action="wordlist.word_change")
    assert change.data["changes"] == {"severity": ["", "block"]}
    assert audit.history(category).get(action="wordlist.category_change").to_state == "inactive"


def test_many_words_are_switched_off_at_once(admin_user):
    services.import_wordlist(actor=admin_user, data="甲\n乙\n丙\n", category="测试")
    assert services.set_words_active(actor=admin_user, words=SensitiveWord.objects.exclude(word="丙"), active=False) == 2
    assert [h.word for h in safety.scan("甲乙丙")] == ["丙"]


def test_an_admin_adds_and_removes_an_allowed_phrase(admin_user):
    services.import_wordlist(actor=admin_user, data="拆迁\n", category="民生")
    phrase = services.add_allowed_phrase(actor=admin_user, phrase="拆迁安置")
    assert safety.scan("拆迁安置") == []
    with pytest.raises(DomainError):
        services.add_allowed_phrase(actor=admin_user, phrase="拆迁安置")
    services.remove_allowed_phrase(actor=admin_user, phrase=phrase)
    assert [h.word for h in safety.scan("拆迁安置")] == ["拆迁"]
    assert not AllowedPhrase.objects.exists()
    assert list(AuditLog.objects.filter(subject_type="core.allowedphrase").values_list("action", flat=True)) == [
        "wordlist.allow_add",
        "wordlist.allow_remove",
    ]


def test_a_superuser_may_change_the_lists(db):
    from rongmei.accounts.models import User

    root = User.objects.create_superuser(username="root", password="x-Rongmei-2026", role="reporter")
    assert services.import_wordlist(actor=root, data="甲\n", category="测试").created == 1


@pytest.mark.parametrize("persona", ["reporter", "editor", "column_lead", "chief", "operator"])
def test_nobody_but_an_admin_may_change_the_lists(persona, people, admin_user):
    actor = people[persona]
    category = services.create_category(actor=admin_user, name="广告")
    word = services.add_word(actor=admin_user, category=category, word="刷单")
    phrase = services.add_allowed_phrase(actor=admin_user, phrase="刷单者")
    before = AuditLog.objects.count()
    attempts = [
        lambda: services.import_wordlist(actor=actor, data="甲\n", category="广告"),
        lambda: services.create_category(actor=actor, name="新类"),
        lambda: services.add_word(actor=actor, category=category, word="返利"),
        lambda: services.update_word(actor=actor, word=word, severity="block"),
        lambda: services.deactivate_word(actor=actor, word=word),
        lambda: services.set_words_active(actor=actor, words=SensitiveWord.objects.all(), active=False),
        lambda: services.update_category(actor=actor, category=category, active=False),
        lambda: services.add_allowed_phrase(actor=actor, phrase="返利券"),
        lambda: services.remove_allowed_phrase(actor=actor, phrase=phrase),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert SensitiveWord.objects.filter(active=True).count() == 1
    assert AllowedPhrase.objects.count() == 1
    assert WordCategory.objects.count() == 1
    assert AuditLog.objects.count() == before


def test_an_inactive_admin_may_not_change_the_lists(admin_user):
    admin_user.is_active = False
    admin_user.save()
    with pytest.raises(NotAllowed):
        services.import_wordlist(actor=admin_user, data="甲\n", category="测试")
