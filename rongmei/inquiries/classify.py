"""Category classifier for 问政 messages: which first-level category (and so which unit) a message goes to.

Features: TF-IDF over jieba words (``rongmei.core.text.tokens``) plus TF-IDF over character 1–2-grams,
the subject repeated three times so that it weighs more than a long detail, plus one feature per
category counting its seed words (``lexicon.py``, written from the departments' remits). Model: a linear SVM
(class-balanced) calibrated with Platt scaling (``CalibratedClassifierCV``, sigmoid, 3 folds), so
``Prediction.confidence`` is a calibrated probability in 0..1 and ``ranked`` lists every category
with its probability, best first. Chosen by 5-fold stratified cross-validation on labeled_train.csv
against logistic regression, complement naive Bayes, word-only and character-only features
(see bench/inquiries_classify.py for the figures).

Bootstrapped from the labeled Teddy Cup messages; ``train`` takes any ``(subject, detail, category)``
rows, so the platform can retrain on its own routed questions later.
"""

from __future__ import annotations

import csv
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from rongmei.core.text import tokens

CATEGORIES = ("城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生")

# Demo routing: category -> the county unit that answers it. 教育文体 goes to the education bureau,
# which receives most of these messages (schools, fees, teachers); culture and sports questions can be
# forwarded to 泌阳县文化广电和旅游局 by hand. The app may override this mapping later.
DEFAULT_UNITS = {
    "城乡建设": "泌阳县住房和城乡建设局",
    "环境保护": "驻马店市生态环境局泌阳分局",
    "交通运输": "泌阳县交通运输局",
    "教育文体": "泌阳县教育局",
    "劳动和社会保障": "泌阳县人力资源和社会保障局",
    "商贸旅游": "泌阳县商务局",
    "卫生计生": "泌阳县卫生健康委员会",
}

MODEL_VERSION = 2
SUBJECT_WEIGHT = 3
MODEL_FILENAME = "inquiries_classifier.joblib"


def training_csv_path() -> Path:
    """Where the bootstrap training data lives (``settings.INQUIRIES_TRAINING_CSV`` if set)."""
    default = settings.BASE_DIR.parent / "shared" / "data" / "wenzheng" / "labeled_train.csv"
    return Path(getattr(settings, "INQUIRIES_TRAINING_CSV", default))


def message_text(subject: str, detail: str) -> str:
    subject = (subject or "").strip()
    return "\n".join([subject] * SUBJECT_WEIGHT + [(detail or "").strip()])


def words(text: str) -> list[str]:
    """jieba words of a text (module-level so that fitted models pickle)."""
    return list(tokens(text).elements())


class SeedWords(BaseEstimator, TransformerMixin):
    """One feature per category: log(1 + how many of its seed words the text contains), times ``weight``."""

    def __init__(self, lexicon: dict | None = None, weight: float = 0.2):
        self.lexicon = lexicon
        self.weight = weight

    def fit(self, texts, y=None):
        from rongmei.inquiries.lexicon import LEXICON

        self.words_ = [tuple(words) for words in (self.lexicon or LEXICON).values()]
        return self

    def transform(self, texts):
        counts = np.array([[sum(1 for w in words if w in text) for words in self.words_] for text in texts], dtype=np.float64)
        return sparse.csr_matrix(np.log1p(counts) * self.weight)


def build_pipeline(c: float = 0.1) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
            ("seed_words", SeedWords()),
        ]
    )
    svm = LinearSVC(C=c, class_weight="balanced")
    return Pipeline([("features", features), ("clf", CalibratedClassifierCV(svm, method="sigmoid", cv=3))])


@dataclass(frozen=True)
class Prediction:
    category: str
    confidence: float  # calibrated probability of ``category`` (0..1)
    ranked: list[tuple[str, float]] = field(default_factory=list)  # every category, best first


class Model:
    def __init__(self, pipeline: Pipeline, *, source: str = ""):
        self.pipeline = pipeline
        self.source = source  # fingerprint of the training data, for the disk cache
        self.version = MODEL_VERSION

    @property
    def categories(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict(self, subject: str, detail: str) -> Prediction:
        return self.predict_many([(subject, detail)])[0]

    def predict_many(self, messages: Iterable[tuple[str, str]]) -> list[Prediction]:
        texts = [message_text(s, d) for s, d in messages]
        if not texts:
            return []
        classes = self.categories
        out = []
        for probs in self.pipeline.predict_proba(texts):
            ranked = sorted(zip(classes, (float(p) for p in probs), strict=True), key=lambda cp: -cp[1])
            out.append(Prediction(ranked[0][0], ranked[0][1], ranked))
        return out

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(self, tmp)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> Model:
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} does not hold a {cls.__name__}")
        return model


def train(rows: Iterable[tuple[str, str, str]], *, c: float = 0.1, source: str = "") -> Model:
    """Fit a model on ``(subject, detail, category)`` rows (rows without a category are skipped)."""
    texts, labels = [], []
    for subject, detail, category in rows:
        category = (category or "").strip()
        if category and ((subject or "").strip() or (detail or "").strip()):
            texts.append(message_text(subject, detail))
            labels.append(category)
    if len(set(labels)) < 2:
        raise ValueError("need labeled messages of at least two categories")
    smallest = min(labels.count(cat) for cat in set(labels))
    if smallest < 2:
        raise ValueError("every category needs at least two labeled messages")
    pipeline = build_pipeline(c)
    # Calibration fits on internal folds: each needs every class, so tiny sets get fewer folds.
    pipeline.set_params(clf__cv=min(3, smallest))
    pipeline.fit(texts, labels)
    return Model(pipeline, source=source)


def read_labeled_csv(path: str | Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [(r.get("subject", ""), r.get("detail", ""), r.get("category", "")) for r in csv.DictReader(fh)]


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] + f"-v{MODEL_VERSION}"


_default: Model | None = None
_default_lock = threading.Lock()


def default_model() -> Model:
    """The model trained on labeled_train.csv: cached in the process and under VAR_DIR/models."""
    global _default
    if _default is not None:
        return _default
    with _default_lock:
        if _default is None:
            data = training_csv_path()
            if not data.exists():
                raise FileNotFoundError(f"training data not found: {data}")
            source = _fingerprint(data)
            cached = Path(settings.VAR_DIR) / "models" / MODEL_FILENAME
            model = None
            if cached.exists():
                try:
                    model = Model.load(cached)
                except Exception:  # unreadable or from another sklearn: retrain
                    model = None
                if model is not None and (model.source != source or getattr(model, "version", 0) != MODEL_VERSION):
                    model = None
            if model is None:
                model = train(read_labeled_csv(data), source=source)
                try:
                    model.save(cached)
                except OSError:
                    pass
            _default = model
    return _default


# --- retrained as the desk routes ----------------------------------------------------------------

ROUTED_FILENAME = "inquiries_classifier_routed.joblib"
RETRAIN_EVERY = 20
"""Retrain after this many questions routed by the desk since the last training."""

_routed: tuple[float, Model] | None = None
_routed_since = 0


def _routed_path() -> Path:
    return Path(settings.VAR_DIR) / "models" / ROUTED_FILENAME


def desk_rows() -> list[tuple[str, str, str]]:
    """The platform's own labeled history: questions the desk forwarded with a category."""
    from rongmei.inquiries.models import Inquiry

    return [
        (title, body, name)
        for title, body, name in Inquiry.objects.filter(forwarded_at__isnull=False, category__isnull=False).values_list(
            "title", "body", "category__name"
        )
    ]


def retrain() -> Model | None:
    """Train on labeled_train.csv (when present) plus the desk's routing, and keep the model on disk for every process."""
    global _routed, _routed_since
    path = training_csv_path()
    rows = (read_labeled_csv(path) if path.exists() else []) + desk_rows()
    try:
        model = train(rows, source=f"routed-{len(rows)}")
    except ValueError:
        return None
    model.n_rows = len(rows)
    target = _routed_path()
    try:
        model.save(target)
        _routed = (target.stat().st_mtime, model)
    except OSError:
        _routed = (0.0, model)
    _routed_since = 0
    return model


class SeedWordModel:
    """The model of last resort, with nothing to learn from (no labeled_train.csv, too little routing):
    the category whose seed words (``lexicon.py``) the message contains most. Macro-F1 0.78 on
    labeled_train.csv; the confidence is that category's share of the seed words found (0 when none is)."""

    version = MODEL_VERSION
    source = "seed-words"

    def __init__(self, lexicon: dict | None = None) -> None:
        from rongmei.inquiries.lexicon import LEXICON

        self.lexicon = lexicon or LEXICON

    @property
    def categories(self) -> list[str]:
        return list(self.lexicon)

    def predict(self, subject: str, detail: str) -> Prediction:
        return self.predict_many([(subject, detail)])[0]

    def predict_many(self, messages: Iterable[tuple[str, str]]) -> list[Prediction]:
        out = []
        for subject, detail in messages:
            text = message_text(subject, detail)
            counts = {name: sum(1 for w in words if w in text) for name, words in self.lexicon.items()}
            total = sum(counts.values())
            ranked = sorted(((name, n / total if total else 0.0) for name, n in counts.items()), key=lambda cp: -cp[1])
            out.append(Prediction(ranked[0][0], ranked[0][1], ranked))
        return out


def current_model() -> Model | SeedWordModel:
    """The newest model: retrained on the desk's routing if one exists, else the bootstrap from
    labeled_train.csv, else (a site without that file) the seed words alone."""
    global _routed
    target = _routed_path()
    try:
        mtime = target.stat().st_mtime
    except OSError:
        mtime = None
    if mtime is not None and (_routed is None or _routed[0] < mtime):
        try:
            _routed = (mtime, Model.load(target))
        except Exception:
            _routed = None
    if _routed is not None:
        return _routed[1]
    try:
        return default_model()
    except FileNotFoundError:
        return SeedWordModel()


def routing_changed() -> None:
    """Called after the desk routes a question with a category: retrain now and then, in the task worker."""
    global _routed_since
    _routed_since += 1
    if _routed_since >= RETRAIN_EVERY:
        _routed_since = 0
        from rongmei.inquiries.tasks import retrain_classifier

        retrain_classifier.enqueue()
