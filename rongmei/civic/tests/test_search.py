"""Chinese search over the service directory (jieba words, every word required, name first)."""

import pytest

from rongmei.civic import selectors
from rongmei.civic.demo import seed_demo
from rongmei.civic.models import ServiceCategory, ServiceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db):
    seed_demo()


def names(q, **kw):
    return [i.name for i in selectors.search_services(q, **kw).items]


@pytest.mark.parametrize("q", ["身份证补办", "补办身份证", "身份证怎么补办", "我想补办身份证", "身份证丢了"])
def test_the_id_card_item_comes_first_however_the_question_is_put(directory, q):
    found = names(q)
    assert found and found[0] == "居民身份证补领（补办）"


def test_question_words_and_lone_characters_are_dropped():
    assert selectors.query_words("身份证怎么补办") == ["身份证", "补办"]
    assert selectors.query_words("我要办 结婚登记！") == ["结婚登记"]
    assert selectors.query_words("办") == ["办"]
    assert selectors.query_words("") == []


def test_a_word_is_found_by_its_parts_in_another_order(directory):
    # 结婚登记 is one dictionary word; the item may say 登记…结婚 elsewhere in its text.
    assert names("结婚登记")[0] == "结婚登记"
    assert "婚姻登记记录证明（补领结婚证）" not in names("结婚登记")[:1]


def test_materials_units_and_categories_are_searched_too(directory):
    assert "不动产转移登记（二手房买卖）" in names("完税凭证")  # a material
    assert set(names("车辆管理所")) == {"机动车驾驶证有效期满换证", "机动车检验合格标志核发（年检）"}  # the unit
    # Those with the words in name or search words first, then the rest of the category, then one
    # that asks for a 婚姻状况证明 and has 登记 in its name.
    assert names("婚姻登记") == ["结婚登记", "婚姻登记记录证明（补领结婚证）", "离婚登记", "不动产转移登记（二手房买卖）"]


def test_every_word_must_match_unless_none_does_all(directory):
    result = selectors.search_services("社保卡 挂失")
    assert [i.name for i in result.items] == ["社会保障卡挂失与补办"] and not result.partial
    partial = selectors.search_services("社保卡 火星")
    # 社保卡 is in the item's search words, and in the notes of 新生儿出生登记 (联办 with 社保卡申领).
    assert partial.partial and [i.name for i in partial.items] == ["社会保障卡挂失与补办", "新生儿出生登记（落户）"]
    assert selectors.search_services("火星移民").items == []


def test_name_matches_rank_before_matches_in_the_materials(db):
    cat = ServiceCategory.objects.create(name="户籍办理")
    ServiceItem.objects.create(category=cat, name="户口迁移", unit="公安局", materials="居民身份证\n户口簿", sort_order=1)
    ServiceItem.objects.create(category=cat, name="居民身份证首次申领", unit="公安局", sort_order=2)
    assert names("身份证") == ["居民身份证首次申领", "户口迁移"]


def test_hidden_items_and_hidden_categories_are_not_found(directory):
    ServiceItem.objects.filter(name="居民身份证补领（补办）").update(active=False)
    assert "居民身份证补领（补办）" not in names("身份证")
    ServiceCategory.objects.filter(name="婚姻登记").update(active=False)
    assert names("结婚") == ["新生儿出生登记（落户）", "不动产转移登记（二手房买卖）"]  # 结婚证 among their materials


def test_a_category_filter_narrows_the_search(directory):
    education = ServiceCategory.objects.get(name="教育")
    assert names("", category_id=education.pk) == ["义务教育阶段新生入学报名", "家庭经济困难学生认定与资助申请"]
    assert names("户口簿", category_id=education.pk) == ["义务教育阶段新生入学报名", "家庭经济困难学生认定与资助申请"]


@pytest.mark.parametrize("q", ["%", "_", "'; DROP TABLE civic_serviceitem; --", "\x00", "🙂" * 100, "a" * 5000, "ＡＢＣ", "   "])
def test_odd_input_never_fails(directory, q):
    selectors.search_services(q)
