"""Chinese text helpers (core.text)."""

from collections import Counter

from rongmei.core import text

BIYANG_STORY = (
    "第十五届中国牛业发展大会在泌阳召开。来自全国的养牛企业参观了夏南牛养殖基地，夏南牛是我国第一个具有自主知识产权的"
    "肉牛品种。泌阳花菇和夏南牛一起走向全国市场，铜山湖景区接待游客同比增长。养殖户表示，夏南牛产业带动了农民增收。"
)


def test_count_chars_counts_each_han_character():
    assert text.count_chars("铜山湖") == 3
    assert text.count_chars("铜山湖，盘古山。") == 6  # punctuation is not counted


def test_count_chars_counts_latin_words_and_numbers_as_one_each():
    assert text.count_chars("泌阳县2024年GDP增长5.2%") == 6 + 3
    assert text.count_chars("hello world") == 2
    assert text.count_chars("") == 0


def test_reading_minutes_rounds_up():
    assert text.reading_minutes(0) == 0
    assert text.reading_minutes(1) == 1
    assert text.reading_minutes(401) == 2


def test_keywords_of_a_biyang_story_name_its_subject():
    words = text.keywords(BIYANG_STORY)
    assert words[0] == "夏南牛"
    assert "花菇" in words
    assert len(words) <= 8


def test_keywords_leave_out_newsroom_stop_words():
    words = text.keywords("泌阳县记者今天报道：泌阳县夏南牛养殖户增收，泌阳县记者近日走访。", top=20)
    assert not {"泌阳县", "泌阳", "记者", "今天", "近日"} & set(words)
    assert all(len(w) > 1 for w in words)


def test_plain_text_turns_paragraphs_into_lines():
    html = "<p>铜山湖&nbsp;景区</p><p>夏南牛 &amp; 花菇<br>第二行</p><ul><li>一</li><li>二</li></ul>"
    assert text.plain_text(html) == "铜山湖 景区\n夏南牛 & 花菇\n第二行\n一\n二"


def test_plain_text_of_nothing_is_empty():
    assert text.plain_text("") == ""
    assert text.plain_text(None) == ""


def test_similar_texts_score_higher_than_unrelated_ones():
    a = text.tokens("夏南牛养殖基地扩建，养殖户增收")
    b = text.tokens("夏南牛养殖户增收，基地扩建完成")
    c = text.tokens("盘古山景区开展春季登山活动")
    assert text.similarity(a, b) > text.similarity(a, c)
    assert abs(text.similarity(a, a) - 1.0) < 1e-9
    assert text.similarity(Counter(), a) == 0.0
