# ruff: noqa: F811, S314  (fixtures imported from test_versions_support; XML we made ourselves)
import json
import re
import xml.etree.ElementTree as ET

import pytest

from rongmei.distribution import formatters
from rongmei.distribution.formatters import gov_site, newspaper, short_video, wechat_oa
from rongmei.distribution.formatters._common import cut_at_sentence, story_media
from rongmei.distribution.formatters.speech import for_speech, integer, reading_seconds
from rongmei.distribution.tests.test_versions_support import rich_media, rich_story  # noqa: F401


@pytest.mark.parametrize(
    "written,spoken",
    [
        ("2026年", "二〇二六年"),
        ("1990年代", "一九九〇年代"),
        ("增长15%", "增长百分之十五"),
        ("下降0.5%", "下降百分之零点五"),
        ("3.5亿元", "三点五亿元"),
        ("2.05米", "二点零五米"),
        ("1200名", "一千二百名"),
        ("1,200,000元", "一百二十万元"),
        ("第15届", "第十五届"),
        ("10", "十"),
        ("101", "一百零一"),
        ("110", "一百一十"),
        ("1010", "一千零一十"),
        ("10005", "一万零五"),
        ("100000", "十万"),
        ("120000000", "一亿二千万"),
        ("2000人", "两千人"),
        ("2万户", "两万户"),
        ("2个", "两个"),
        ("第2名", "第二名"),
        ("200", "二百"),
        ("8:30", "八点三十分"),
        ("17:00", "十七点整"),
        ("13:05", "十三点零五分"),
        ("电话0396-7921234", "电话零三九六七九二幺二三四"),
        ("手机13812345678", "手机幺三八幺二三四五六七八"),
        ("热线12345", "热线幺二三四五"),
        ("3-5天", "三到五天"),
        ("气温-3℃", "气温零下三摄氏度"),
        ("面积120km²", "面积一百二十平方公里"),
        ("２０２６年", "二〇二六年"),
        ("没有数字。", "没有数字。"),
    ],
)
def test_numbers_are_written_for_speech(written, spoken):
    assert for_speech(written) == spoken


def test_integers_read_like_an_announcer_for_every_shape_of_zero():
    assert [integer(n) for n in (0, 7, 20, 305, 3050, 30005, 300500, 100000000)] == [
        "零",
        "七",
        "二十",
        "三百零五",
        "三千零五十",
        "三万零五",
        "三十万零五百",
        "一亿",
    ]


def test_reading_time_is_about_four_characters_a_second():
    assert reading_seconds("一" * 400) == 100
    assert reading_seconds("  ") == 0


def test_cutting_at_a_sentence_end_keeps_whole_sentences():
    text = "第一句话。" * 30  # 150 characters
    cut = cut_at_sentence(text, 120)
    assert cut.endswith("。") and len(cut) == 120
    assert cut_at_sentence("短句。", 120) == "短句。"
    long_one = "这是一个很长的句子，" + "没有句号的部分" * 30
    cut = cut_at_sentence(long_one, 120)
    assert len(cut) <= 120 and cut.endswith("…")


def test_the_website_version_is_sanitized_with_its_gallery(rich_story, rich_media):
    content = formatters.generate("website", rich_story.current_version)
    assert "<script" not in content["body_html"] and "<iframe" not in content["body_html"]
    assert content["headline"] == rich_story.headline and content["intro"].startswith("11月26日")
    (photo,) = content["gallery"]
    assert photo["rendition"] == "web_1280_jpg" and photo["caption"] == "大会开幕式现场"
    assert content["video"]["mp4"]["rendition"] == "mp4"
    json.dumps(content)  # stored as JSON


def test_wechat_html_has_only_inline_styles_and_no_script_or_iframe(rich_story, rich_media):
    content = formatters.generate("wechat_oa", rich_story.current_version)
    html = content["content_html"]
    assert "<script" not in html and "<iframe" not in html and "<style" not in html
    assert "class=" not in html and "id=" not in html
    for tag in re.findall(r"<(p|h2|h3|blockquote|img)\b([^>]*)>", html):
        assert 'style="' in tag[1], tag
    assert content["images"] and content["images"][0].endswith("web_1280.jpg")
    assert content["cover"]["rendition"] == "wechat_cover_235"
    assert len(content["title"]) <= wechat_oa.TITLE_MAX
    assert content["need_open_comment"] is False and content["original"] is True


def test_wechat_digest_is_cut_at_a_sentence_end_within_120(reporter, team, editor, column_lead, chief):
    from rongmei.distribution.tests.test_versions_support import make_story

    sentence = "泌阳县举办夏南牛产业发展推进会，全县养殖户代表参加会议并交流经验做法。"
    intro = sentence * 4
    assert len(sentence) * 3 <= 120 < len(intro)
    story = make_story(reporter, team, [editor, column_lead, chief], intro=intro)
    digest = formatters.generate("wechat_oa", story.current_version)["digest"]
    assert len(digest) <= 120 and digest.endswith("。")
    assert digest == sentence * 3


def test_wechat_digest_falls_back_to_the_first_paragraph(reporter, team, editor, column_lead, chief):
    from rongmei.distribution.tests.test_versions_support import make_story

    story = make_story(reporter, team, [editor, column_lead, chief], intro="")
    digest = formatters.generate("wechat_oa", story.current_version)["digest"]
    assert digest.startswith("大会为期3天") and len(digest) <= 120


def test_print_fit_removes_whole_paragraphs_from_the_end_and_says_so():
    paras = ["甲" * 500 + "。", "乙" * 400 + "。", "丙" * 300 + "。", "丁" * 200 + "。"]
    kept, cut = newspaper.fit(paras, 1000)
    assert kept == paras[:2] and [c["kind"] for c in cut] == ["paragraph", "paragraph"]
    assert [c["text"] for c in cut] == paras[2:]
    assert "2" in newspaper.cut_note(cut)


def test_print_fit_cuts_whole_sentences_when_a_paragraph_is_longer_than_the_excess():
    paras = ["甲" * 99 + "。", "第一句。" * 50]  # 100 + 200
    kept, cut = newspaper.fit(paras, 200)
    assert sum(map(len, kept)) <= 200 and kept[-1].endswith("。") and len(kept) == 2
    assert cut == [{"kind": "sentence", "text": "第一句。" * 25}]


def test_print_fit_keeps_a_story_already_short_enough():
    assert newspaper.fit(["短。"], 1200) == (["短。"], [])


def test_the_newspaper_version_has_the_headline_hierarchy_and_a_target(rich_story):
    content = formatters.generate("newspaper", rich_story.current_version, target_chars=150)
    assert {"kicker", "headline", "subtitle"} <= set(content)
    assert content["characters"] <= 150 and content["cut"] and content["cut_note"]
    assert content["original_characters"] > 150
    full = formatters.generate("newspaper", rich_story.current_version)
    assert full["target_chars"] == 1200 and full["cut"] == []


def test_the_newspaper_proof_is_a_pdf_with_the_chinese_text(rich_story):
    content = formatters.generate("newspaper", rich_story.current_version)
    assert "夏南牛" in newspaper.proof_html(content)
    pdf = newspaper.proof_pdf(content)
    if pdf is not None:
        assert pdf.startswith(b"%PDF") and b"OpenType" in pdf  # the CJK font is embedded


def test_the_radio_script_is_plain_text_for_speech_with_a_reading_time(rich_story):
    content = formatters.generate("radio", rich_story.current_version)
    text = content["text"]
    assert "<" not in text and "二〇二六年" in text and "百分之十五" in text and "三十五点五万头" in text
    assert "零三九六七九二幺二三四" in text and "八点三十分" in text
    assert not re.search(r"\d", text)
    assert content["reading_seconds"] == round(content["characters"] / 4)


def test_the_tv_rundown_has_pictures_and_narration_with_the_video(rich_story, rich_media):
    content = formatters.generate("tv", rich_story.current_version)
    rows = content["rows"]
    assert rows[0]["picture"] == "图片：大会开幕式现场" and rows[1]["picture"] == "视频：大会视频"
    assert rows[-1]["picture"] == "[待补画面]"
    assert all(r["narration"] for r in rows)
    assert content["video"]["rendition"] == "mp4"


def test_the_tv_rundown_without_media_asks_for_pictures(rich_story):
    content = formatters.generate("tv", rich_story.current_version)
    assert {r["picture"] for r in content["rows"]} == {"[待补画面]"} and content["video"] is None


@pytest.mark.parametrize("code", ["douyin", "kuaishou", "wechat_channels"])
def test_short_video_posts_fit_the_platform_with_hashtags_and_the_vertical_cut(rich_story, rich_media, code):
    content = formatters.generate(code, rich_story.current_version)
    lim = short_video.LIMITS[code]
    assert len(content["title"]) <= lim["title"] and len(content["text"]) <= lim["caption"]
    assert content["hashtags"] == ["泌阳", "夏南牛", "牛业大会"]
    assert content["text"].endswith("#泌阳 #夏南牛 #牛业大会")
    assert content["video"]["rendition"] == "vertical_916"


def test_the_gov_site_version_has_the_fields_as_json_and_xml(rich_story, rich_media):
    content = formatters.generate("gov_site", rich_story.current_version)
    year = rich_story.signed_off_at.year
    assert content["index_number"] == f"411726-{year}-{rich_story.pk:05d}"
    assert content["publisher"] == "泌阳县融媒体中心" and content["title"] == rich_story.headline
    assert content["attachments"][0]["name"] == "大会议程"
    xml = gov_site.to_xml(content)
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(xml)
    assert root.findtext("title") == rich_story.headline
    assert root.find("index_number").get("label") == "索引号"
    assert root.findtext("date") == content["date"]
    assert len(root.find("body").findall("p")) == len(content["body"].split("\n"))
    assert root.find("attachments/attachment").get("name") == "大会议程"
    again = formatters.generate("gov_site", rich_story.current_version)
    assert again["index_number"] == content["index_number"]  # stable


def test_the_weibo_post_stays_within_2000_characters_with_a_link_back(reporter, team, editor, column_lead, chief):
    from rongmei.distribution.tests.test_versions_support import make_story

    body = "".join(f"<p>{'泌阳县夏南牛产业发展势头良好。' * 20}</p>" for _ in range(10))
    story = make_story(reporter, team, [editor, column_lead, chief], body=body)
    content = formatters.generate("weibo", story.current_version)
    assert len(content["text"]) <= 2000
    assert content["text"].startswith("【") and content["text"].endswith(f"/news/{story.pk}/")
    assert "#泌阳#" in content["text"]


def test_media_only_count_finished_renditions(rich_story, rich_media):
    media = story_media(rich_story.current_version)
    assert [m.kind for m in media] == ["image", "video", "document"]
    assert "thumb_320" not in media[0].renditions
