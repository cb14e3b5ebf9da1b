"""Similar-question detection: paraphrase generator, recall / false merges on real messages, places."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest
from django.conf import settings

from rongmei.inquiries.similar import MERGE_THRESHOLD, Index, extract_places, fingerprint

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "wenzheng" / "messages_with_votes.csv"
BENCH = Path(settings.BASE_DIR) / "bench" / "inquiries_similar.py"

SUBJECT = "A3区联丰路米兰春天小区门口垃圾堆积无人清理"
DETAIL = (
    "A市A3区联丰路米兰春天小区门口的垃圾已经堆了一个多星期，没有人清理。"
    "天气炎热，臭味很大，蚊蝇乱飞，严重影响居民生活。"
    "希望环卫部门尽快处理，谢谢！"
)


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("inquiries_similar_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def messages(bench):
    if not DATA.exists():
        pytest.skip(f"real 问政 messages not found at {DATA}")
    return bench.load_messages(DATA)


def test_paraphrase_rewrites_but_keeps_places(bench):
    rng = random.Random(1)
    for _ in range(10):
        subject, detail = bench.paraphrase(SUBJECT, DETAIL, rng)
        assert detail != DETAIL and subject != SUBJECT
        assert "A3区" in detail and "联丰路" in detail
        assert bench.trigram_cosine(DETAIL, detail) < 0.95


def test_recall_and_false_merges_on_real_messages(bench, messages):
    result = bench.evaluate(messages[:900], n=60, holdout=250, seed=3, sweep=(MERGE_THRESHOLD,))
    (_, recall, false_merges) = result["rows"][0]
    assert recall >= 0.90
    assert false_merges <= 0.05


def _index(*docs):
    index = Index().fit([(s, d) for _, s, d in docs])
    for qid, s, d in docs:
        index.add(qid, s, d)
    return index


OTHERS = [
    (2, "A5区公交站台破损", "A市A5区人民路公交站台的顶棚被风吹坏了，下雨天乘客没处躲雨，请修一下。"),
    (3, "A7县黄花镇小学收费问题", "A7县黄花镇中心小学今年额外收取资料费，请问合理吗？"),
    (4, "A2区房屋漏水", "A2区东风路幸福家园3栋楼顶漏水，物业不管，怎么办？"),
]


def test_paraphrase_found_and_same_problem_elsewhere_not():
    index = _index((1, SUBJECT, DETAIL), *OTHERS)
    found = index.best_match(
        "关于联丰路米兰春天小区垃圾的问题",
        "您好，A3区联丰路米兰春天小区门口垃圾堆积一周多了，无人清理。蚊蝇乱飞，臭味很大，严重干扰居民生活。请尽快处理。",
    )
    assert found is not None and found[0] == 1 and found[1] >= MERGE_THRESHOLD
    elsewhere = index.similar(
        "A6区洞井路锦绣花园门口垃圾堆积无人清理",
        DETAIL.replace("A3区", "A6区").replace("联丰路米兰春天", "洞井路锦绣花园"),
    )
    assert [qid for qid, _ in elsewhere] == []


def test_places_extracted():
    districts, places = extract_places(DETAIL)
    assert districts == {"A3区"}
    assert "联丰路" in places
    assert "A市" not in districts


def test_add_remove():
    index = _index((1, SUBJECT, DETAIL), *OTHERS)
    assert len(index) == 4 and 1 in index
    assert index.best_match(SUBJECT, DETAIL) == (1, pytest.approx(1.0))
    index.remove(1)
    index.remove(99)  # unknown ids are ignored
    assert 1 not in index and len(index) == 3
    assert index.best_match(SUBJECT, DETAIL) is None
    index.add(1, SUBJECT, DETAIL)
    assert index.best_match(SUBJECT, DETAIL)[0] == 1
    assert index.best_match(SUBJECT, DETAIL, exclude=1) is None


@pytest.mark.parametrize("subject,detail", [("", ""), ("", None), ("？", "。。"), ("水", ""), ("您好", "谢谢")])
def test_empty_and_very_short_texts(subject, detail):
    assert not fingerprint(subject, detail) or len(fingerprint(subject, detail).terms) < 3
    empty = Index()
    assert empty.similar(subject, detail) == []
    index = _index((1, SUBJECT, DETAIL), *OTHERS)
    index.add(9, subject, detail)
    assert index.similar(subject, detail) in ([], [(9, pytest.approx(1.0))])
    assert index.best_match(SUBJECT, DETAIL)[0] == 1
