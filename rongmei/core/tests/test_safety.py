"""Sensitive-word matching (core.safety) on Chinese text, with lists changed through the services."""

import pytest

from rongmei.core import safety, services
from rongmei.core.models import AllowedPhrase, SensitiveWord, WordCategory

pytestmark = pytest.mark.django_db


def words(category: str, *entries: str, severity: str = "flag", active: bool = True) -> WordCategory:
    cat, _ = WordCategory.objects.get_or_create(name=category, defaults={"severity": severity, "active": active})
    SensitiveWord.objects.bulk_create([SensitiveWord(category=cat, word=w) for w in entries])
    safety.lists_changed()
    return cat


def found(text: str) -> list[str]:
    return [h.word for h in safety.scan(text)]


def test_a_word_inside_chinese_text_without_spaces_is_found():
    words("广告", "代开发票")
    text = "本店可代开发票欢迎咨询"
    hits = safety.scan(text)
    assert [(h.word, h.start, h.end) for h in hits] == [("代开发票", 3, 7)]
    assert text[hits[0].start : hits[0].end] == "代开发票"


def test_a_word_boundary_filter_would_miss_the_same_hit():
    # What Coral-style filters do: a match needs non-word characters around it. In Chinese there are none.
    import re

    assert not re.search(r"\b代开发票\b", "本店可代开发票欢迎咨询")
    words("广告", "代开发票")
    assert found("本店可代开发票欢迎咨询") == ["代开发票"]


def test_overlapping_words_are_all_reported_in_order():
    words("广告", "代开", "开发票", "发票")
    hits = safety.scan("可代开发票")
    assert [(h.word, h.start, h.end) for h in hits] == [("代开", 1, 3), ("开发票", 2, 5), ("发票", 3, 5)]


def test_every_occurrence_is_a_hit():
    words("民生", "拆迁")
    assert [h.start for h in safety.scan("拆迁了，又拆迁")] == [0, 5]


def test_the_stricter_severity_wins_for_a_word_in_two_lists():
    words("民生", "强拆", severity="flag")
    words("政治", "强拆", severity="block")
    words("其他", "强拆", severity="flag")
    [hit] = safety.scan("村里发生强拆事件")
    assert hit.severity == "block"
    assert hit.category == "政治"
    assert safety.blocking([hit]) == [hit]


def test_a_word_severity_overrides_its_category():
    cat = words("广告", "加微信")
    SensitiveWord.objects.create(category=cat, word="刷单", severity="block")
    hits = {h.word: h.severity for h in safety.scan("刷单请加微信")}
    assert hits == {"刷单": "block", "加微信": "flag"}


def test_an_allowed_phrase_suppresses_hits_inside_it_but_not_elsewhere():
    words("民生", "拆迁", severity="block")
    AllowedPhrase.objects.create(phrase="拆迁安置")
    text = "拆迁安置小区已交付，但仍有违规拆迁"
    hits = safety.scan(text)
    assert [(h.word, h.start) for h in hits] == [("拆迁", text.rindex("拆迁"))]


def test_an_allowed_phrase_does_not_hide_a_word_that_sticks_out_of_it():
    words("广告", "安置房出售")
    AllowedPhrase.objects.create(phrase="拆迁安置")
    assert found("拆迁安置房出售") == ["安置房出售"]


def test_inactive_words_and_inactive_categories_do_not_match():
    cat = words("贪腐", "回扣", "红包")
    SensitiveWord.objects.filter(word="回扣").update(active=False)
    safety.lists_changed()
    assert found("收回扣和红包") == ["红包"]
    words("暂停", "吃空饷", active=False)
    assert found("吃空饷") == []
    cat.active = False
    cat.save()
    assert found("收回扣和红包") == []


def test_a_list_change_is_seen_by_scan_right_away(admin_user):
    assert found("网络刷单兼职") == []
    cat = services.create_category(actor=admin_user, name="广告", severity="flag")
    services.add_word(actor=admin_user, category=cat, word="刷单")
    assert found("网络刷单兼职") == ["刷单"]
    word = SensitiveWord.objects.get(word="刷单")
    services.deactivate_word(actor=admin_user, word=word)
    assert found("网络刷单兼职") == []
    services.import_wordlist(actor=admin_user, data="兼职\n", category="广告")
    assert found("网络刷单兼职") == ["兼职"]
    services.add_allowed_phrase(actor=admin_user, phrase="单兼职")
    assert found("网络刷单兼职") == []


def test_a_change_made_through_the_orm_is_seen_right_away():
    cat = words("广告", "刷单")
    assert found("刷单") == ["刷单"]
    SensitiveWord.objects.create(category=cat, word="返利")
    assert found("刷单返利") == ["刷单", "返利"]


def test_a_cleared_cache_does_not_leave_a_process_with_a_stale_automaton():
    from django.core.cache import cache

    words("广告", "刷单")
    assert found("刷单返利") == ["刷单"]
    cache.clear()  # a Redis restart, or eviction: the version restarts from nothing
    SensitiveWord.objects.create(category=WordCategory.objects.get(name="广告"), word="返利")
    assert found("刷单返利") == ["刷单", "返利"]


def test_latin_words_match_whatever_their_case_or_width():
    words("广告", "QQ", "vx")
    text = "加qq或ＶＸ详谈"
    hits = safety.scan(text)
    assert [(h.word, text[h.start : h.end]) for h in hits] == [("QQ", "qq"), ("vx", "ＶＸ")]


def test_empty_text_and_empty_lists_have_no_hits():
    assert safety.scan("") == []
    assert found("代开发票") == []


def test_highlight_marks_every_hit_and_keeps_the_text():
    words("广告", "代开", "开发票", "咨询")
    text = "本店可代开发票，欢迎咨询。"
    hits = safety.scan(text)
    runs = safety.highlight(text, hits)
    assert "".join(segment for segment, _ in runs) == text
    marked = [(segment, hit.word) for segment, hit in runs if hit is not None]
    # The overlapping 代开 and 开发票 merge into one marked run: no hit character is left plain.
    assert marked == [("代开发票", "代开"), ("咨询", "咨询")]


def test_highlight_carries_the_blocking_hit_of_a_merged_run():
    words("广告", "代开", severity="flag")
    words("违法", "开发票", severity="block")
    runs = safety.highlight("代开发票", safety.scan("代开发票"))
    assert [(segment, hit.severity) for segment, hit in runs] == [("代开发票", "block")]


def test_highlight_without_hits_is_the_plain_text():
    assert safety.highlight("铜山湖", []) == [("铜山湖", None)]


def test_a_hit_serializes_to_a_dict():
    words("广告", "代开发票")
    [hit] = safety.scan("代开发票")
    assert hit.as_dict() == {"word": "代开发票", "category": "广告", "severity": "flag", "start": 0, "end": 4}
