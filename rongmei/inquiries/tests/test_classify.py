import csv
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from rongmei.inquiries import classify
from rongmei.inquiries.classify import DEFAULT_UNITS, Model, Prediction, read_labeled_csv, train

LABELED = Path(settings.BASE_DIR).parent / "shared" / "data" / "wenzheng" / "labeled_train.csv"

SYNTHETIC = {
    "交通运输": [
        ("公交线路调整", "希望增加公交车班次，公交站台太远"),
        ("道路拥堵", "早高峰道路拥堵严重，红绿灯时间不合理，交通混乱"),
        ("出租车拒载", "出租车司机拒载乘客，还乱收费，交通管理部门应该管"),
        ("客运班车", "长途客运班车超载，汽车站管理混乱"),
    ],
    "教育文体": [
        ("学校乱收费", "学校向学生收取补课费，老师强制学生补课"),
        ("入学难", "孩子上小学入学报名难，学区划分不合理，学校太远"),
        ("幼儿园收费", "幼儿园收费太高，教育局是否有收费标准，孩子入园"),
        ("教师待遇", "乡村教师工资长期拖欠，老师生活困难，学校不管"),
    ],
    "卫生计生": [
        ("医院收费", "医院看病乱收费，医生开大处方，病人负担重"),
        ("医保报销", "住院看病报销比例太低，医院医生态度差"),
        ("疫苗接种", "孩子接种疫苗要排队很久，卫生院医生太少"),
        ("计划生育", "二胎生育登记手续复杂，卫生计生部门办理太慢，医院"),
    ],
}


def synthetic_rows(copies=2):
    return [(s, d, cat) for cat, items in SYNTHETIC.items() for s, d in items] * copies


@pytest.fixture(scope="module")
def small_model():
    return train(synthetic_rows(), corpus=[])


def test_synthetic_model_predicts_obvious_cases(small_model):
    cases = {
        "交通运输": ("公交车太少", "公交站台离小区太远，希望增加公交线路和班次"),
        "教育文体": ("学校补课", "老师让学生周末到学校补课，收取补课费"),
        "卫生计生": ("看病贵", "医院医生乱开药，住院看病费用太高"),
    }
    for want, (subject, detail) in cases.items():
        got = small_model.predict(subject, detail)
        assert isinstance(got, Prediction)
        assert got.category == want, (want, got)
        assert 0.0 <= got.confidence <= 1.0
        assert [c for c, _ in got.ranked][0] == want
        assert sorted(c for c, _ in got.ranked) == sorted(SYNTHETIC)
        assert sum(p for _, p in got.ranked) == pytest.approx(1.0, abs=1e-6)
        assert got.ranked[0][1] == got.confidence


def test_train_rejects_unusable_rows():
    with pytest.raises(ValueError):
        train([("道路", "拥堵", "交通运输")] * 5)
    with pytest.raises(ValueError):
        train([("道路", "拥堵", "交通运输")] * 5 + [("学校", "收费", "教育文体")])


def test_save_load_round_trip(small_model, tmp_path):
    path = tmp_path / "models" / "m.joblib"
    small_model.save(path)
    loaded = Model.load(path)
    for subject, detail, _ in synthetic_rows(1):
        a, b = small_model.predict(subject, detail), loaded.predict(subject, detail)
        assert a.category == b.category
        assert a.confidence == pytest.approx(b.confidence)


def test_default_model_trains_once_and_caches_on_disk(tmp_path, settings, monkeypatch):
    data = tmp_path / "labeled.csv"
    with open(data, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["msg_id", "subject", "detail", "category"])
        writer.writerows([i, s, d, c] for i, (s, d, c) in enumerate(synthetic_rows()))
    settings.INQUIRIES_TRAINING_CSV = data
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(classify, "_default", None)
    calls = []
    real_train = classify.train
    monkeypatch.setattr(classify, "train", lambda rows, **kw: calls.append(1) or real_train(rows, **kw))

    first = classify.default_model()
    assert classify.default_model() is first
    assert (tmp_path / "var" / "models" / classify.MODEL_FILENAME).exists()
    monkeypatch.setattr(classify, "_default", None)
    second = classify.default_model()  # from the disk cache, not retrained
    assert calls == [1]
    assert second.predict("医院收费", "看病太贵").category == "卫生计生"


@pytest.mark.skipif(not LABELED.exists(), reason=f"labeled data not found at {LABELED}")
def test_real_data_three_fold_cv():
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    rows = read_labeled_csv(LABELED)
    labels = [r[2] for r in rows]
    assert set(labels) == set(classify.CATEGORIES) == set(DEFAULT_UNITS)
    scores = []
    for tr, te in StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(rows, labels):
        model = train([rows[i] for i in tr])
        got = [p.category for p in model.predict_many([rows[i][:2] for i in te])]
        scores.append(f1_score([labels[i] for i in te], got, average="macro"))
    # A regression guard with room for fold noise; the measured figure (5-fold, with the neighbour
    # corpus beside the file) is in bench/inquiries_classify.py.
    assert sum(scores) / len(scores) >= 0.78, scores


def write_csv(path, header, rows, bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_command_adds_columns_and_keeps_extra_ones(tmp_path, small_model, monkeypatch):
    from rongmei.inquiries.management.commands import inquiries_classify

    monkeypatch.setattr(inquiries_classify, "current_model", lambda: small_model)
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    write_csv(
        src,
        ["msg_id", "subject", "detail", "likes"],
        [
            ["1", "医院乱收费", "医生开大处方，看病太贵", "7"],
            ["2", "", "", "0"],
            ["3", "公交班次少", "希望增加公交车班次", "3"],
        ],
        bom=True,
    )
    call_command("inquiries_classify", str(src), str(dst))
    raw = dst.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with open(dst, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["msg_id", "subject", "detail", "likes", "category", "unit", "confidence"]
        out = list(reader)
    assert [r["msg_id"] for r in out] == ["1", "2", "3"]
    assert [r["likes"] for r in out] == ["7", "0", "3"]
    assert out[0]["category"] == "卫生计生" and out[0]["unit"] == DEFAULT_UNITS["卫生计生"]
    assert out[2]["category"] == "交通运输" and out[2]["unit"] == DEFAULT_UNITS["交通运输"]
    assert 0 < float(out[0]["confidence"]) <= 1
    assert out[1]["category"] == out[1]["unit"] == out[1]["confidence"] == ""


def test_command_missing_column_is_an_error(tmp_path):
    src = tmp_path / "in.csv"
    write_csv(src, ["msg_id", "title", "detail"], [["1", "x", "y"]])
    with pytest.raises(CommandError, match="subject"):
        call_command("inquiries_classify", str(src), str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()


def test_without_any_training_data_the_seed_words_decide(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.INQUIRIES_TRAINING_CSV = tmp_path / "absent.csv"
    monkeypatch.setattr(classify, "_default", None)
    monkeypatch.setattr(classify, "_routed", None)
    model = classify.current_model()
    assert isinstance(model, classify.SeedWordModel)
    prediction = model.predict("县医院挂号排队太久", "晚上带孩子看急诊，挂号窗口只开一个，医生也少。")
    assert prediction.category == "卫生计生" and 0 < prediction.confidence <= 1
    assert model.predict("你好", "谢谢").confidence == 0.0


def test_a_request_never_waits_for_training(tmp_path, settings, monkeypatch):
    """Until the bootstrap model is trained, the seed words answer and the worker is asked to train it once."""
    from rongmei.inquiries import tasks

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(classify, "_default", None)
    monkeypatch.setattr(classify, "_routed", None)
    monkeypatch.setattr(classify, "_training_asked", False)
    monkeypatch.setattr(classify, "training_csv_path", lambda: tmp_path / "labeled.csv")
    (tmp_path / "labeled.csv").write_text("subject,detail,category\n", encoding="utf-8")
    asked = []
    monkeypatch.setattr(tasks, "train_classifier", SimpleNamespace(enqueue=lambda *a, **k: asked.append(1)))
    monkeypatch.setattr(classify, "train", lambda *a, **k: pytest.fail("trained inside the request"))
    assert isinstance(classify.available_model(), classify.SeedWordModel)
    assert isinstance(classify.available_model(), classify.SeedWordModel)
    assert asked == [1]


def test_neighbours_smooth_a_message_without_labels(small_model):
    from rongmei.inquiries.classify import NeighborFeatures

    texts = ["公交车线路和站点", "学校向学生收费"] * 2
    corpus = ["公交车线路的司机和站点的乘客", "学校老师向学生收学费", "医院看病挂号"]
    plain = NeighborFeatures(corpus=[], k=1).fit(texts).transform(texts)
    smoothed = NeighborFeatures(corpus=corpus, k=1, alpha=1.0).fit(texts).transform(texts)
    assert plain.shape[0] == smoothed.shape[0] == 4
    assert (smoothed != plain).nnz > 0
