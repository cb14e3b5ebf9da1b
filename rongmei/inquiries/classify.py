"""Category classifier for 问政 messages: which first-level category (and so which unit) a message goes to.

Features (:class:`NeighborFeatures`): TF-IDF over jieba words (``rongmei.core.text.tokens``) and over
character 1–2-grams, the subject repeated three times so that it weighs more than a long detail,
plus one feature per category counting its seed words (``lexicon.py``, written from the
departments' remits); each message is then smoothed by its five nearest unlabeled neighbours (real
questions beside the training file and the platform's own questions). Model: a class-balanced
linear SVM decides; a sigmoid calibration (``CalibratedClassifierCV``, 3 folds, one SVM on all the
data) gives ``Prediction.confidence``, a probability in 0..1; ``ranked`` lists every category in
the SVM's order with its probability. Chosen by 5-fold stratified cross-validation on
labeled_train.csv (bench/inquiries_classify.py: 0.80 with words and characters alone, 0.83 with
the seed words, 0.87 with the neighbours); tried and not kept: logistic regression, complement
naive Bayes and their ensembles, LSA topics, self-training, distant labels from the replies.

Bootstrapped from the labeled Teddy Cup messages; ``train`` takes any ``(subject, detail, category)``
rows, so the platform retrains on its own routed questions (:func:`retrain`).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
import os
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
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from rongmei.core.text import tokens

log = logging.getLogger(__name__)

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

MODEL_VERSION = 3
SUBJECT_WEIGHT = 3
MODEL_FILENAME = "inquiries_classifier.joblib"


def training_csv_path() -> Path:
    """Where the bootstrap training data lives (``settings.INQUIRIES_TRAINING_CSV`` if set)."""
    default = settings.BASE_DIR.parent / "shared" / "data" / "wenzheng" / "labeled_train.csv"
    return Path(getattr(settings, "INQUIRIES_TRAINING_CSV", default))


def message_text(subject: str, detail: str) -> str:
    subject = (subject or "").strip()
    return "\n".join([subject] * SUBJECT_WEIGHT + [(detail or "").strip()])


@functools.lru_cache(maxsize=50000)
def words(text: str) -> tuple[str, ...]:
    """jieba words of a text (module-level so that fitted models pickle). Remembered: retraining
    segments the same neighbour corpus again."""
    return tuple(tokens(text).elements())


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


class NeighborFeatures(BaseEstimator, TransformerMixin):
    """TF-IDF of words and characters plus seed words, each message smoothed by its nearest
    unlabeled neighbours.

    Short messages share few words with the 298 labeled ones; real questions around them (the
    ``corpus``: unlabeled messages of the same kind, and the platform's own questions) say more.
    Each message's L2-normalised TF-IDF row gets ``alpha`` times the normalised mean of its ``k``
    most similar corpus rows added (neighbours at cosine ≥ ``duplicate`` are the message itself or
    a copy and are skipped), and its seed-word counts likewise. No label comes from the corpus.
    Measured with bench/inquiries_classify.py (5-fold CV macro-F1 0.83 → 0.87 at k 5, alpha 0.6).
    """

    def __init__(self, corpus=(), k: int = 5, alpha: float = 0.6, seed_weight: float = 0.2, duplicate: float = 0.98):
        self.corpus = corpus
        self.k = k
        self.alpha = alpha
        self.seed_weight = seed_weight
        self.duplicate = duplicate

    def fit(self, texts, y=None):
        texts, corpus = list(texts), list(self.corpus)
        everything = texts + corpus
        self.words_ = TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2)
        self.chars_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        base = normalize(sparse.hstack([self.words_.fit_transform(everything), self.chars_.fit_transform(everything)]).tocsr())
        self.seeds_ = SeedWords(weight=1.0).fit(everything)
        self.corpus_ = base[len(texts) :] if corpus else None
        # Transposed once here (CSC → CSR), so a prediction is one sparse product.
        self.corpus_t_ = self.corpus_.T.tocsr() if corpus else None
        self.corpus_seeds_ = self.seeds_.transform(corpus).toarray() if corpus else None
        # The corpus texts are not kept: only their vectors are needed, and the model stays smaller.
        self.corpus = ()
        return self

    def _base(self, texts) -> sparse.csr_matrix:
        return normalize(sparse.hstack([self.words_.transform(texts), self.chars_.transform(texts)]).tocsr())

    def transform(self, texts):
        texts = list(texts)
        x = self._base(texts)
        seeds = self.seeds_.transform(texts).toarray()
        if self.corpus_ is not None and self.corpus_.shape[0] and self.k > 0:
            similarity = (x @ self.corpus_t_).toarray()
            similarity[similarity >= self.duplicate] = -1.0
            k = min(self.k, similarity.shape[1])
            nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
            rows = np.repeat(np.arange(len(texts)), k)
            mean = sparse.csr_matrix((np.full(rows.size, 1.0 / k), (rows, nearest.ravel())), shape=(len(texts), self.corpus_.shape[0]))
            x = x + self.alpha * normalize(mean @ self.corpus_)
            seeds = seeds + self.alpha * (mean @ self.corpus_seeds_)
        return sparse.hstack([x, sparse.csr_matrix(seeds * self.seed_weight)]).tocsr()


def build_pipeline(c: float = 0.1, corpus=()) -> Pipeline:
    svm = LinearSVC(C=c, class_weight="balanced")
    # ensemble=False: one SVM on all the data decides; the calibration (fitted on internal folds)
    # only gives the confidence.
    return Pipeline(
        [("features", NeighborFeatures(corpus=corpus)), ("clf", CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False))]
    )


def reference_corpus(limit: int = 20000) -> list[str]:
    """Unlabeled real questions beside the training file (messages_with_replies.csv and
    messages_with_votes.csv), as message texts; empty when absent."""
    folder = training_csv_path().parent
    texts = []
    for name in ("messages_with_replies.csv", "messages_with_votes.csv"):
        path = folder / name
        if path.exists():
            with open(path, encoding="utf-8-sig", newline="") as fh:
                texts += [message_text(r.get("subject", ""), r.get("detail", "")) for r in csv.DictReader(fh)]
    return list(dict.fromkeys(t for t in texts if t.strip()))[:limit]


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
        features = self.pipeline.named_steps["features"].transform(texts)
        clf = self.pipeline.named_steps["clf"]
        scores = clf.calibrated_classifiers_[0].estimator.decision_function(features)
        out = []
        for score, probs in zip(scores, clf.predict_proba(features), strict=True):
            # The SVM's order decides (better macro-F1 than the calibrated order); the calibrated
            # probability is the confidence.
            order = np.argsort(-np.asarray(score))
            ranked = [(classes[i], float(probs[i])) for i in order]
            out.append(Prediction(ranked[0][0], ranked[0][1], ranked))
        return out

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Own temporary name per process: two workers may save at once; the rename is atomic.
        tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")
        joblib.dump(self, tmp)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> Model:
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} does not hold a {cls.__name__}")
        return model


def train(rows: Iterable[tuple[str, str, str]], *, c: float = 0.1, source: str = "", corpus=None) -> Model:
    """Fit a model on ``(subject, detail, category)`` rows (rows without a category are skipped).

    ``corpus``: unlabeled message texts for the neighbour smoothing; None takes
    :func:`reference_corpus`."""
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
    pipeline = build_pipeline(c, corpus=reference_corpus() if corpus is None else corpus)
    # Calibration fits on internal folds: each needs every class, so tiny sets get fewer folds.
    pipeline.set_params(clf__cv=min(3, smallest))
    pipeline.fit(texts, labels)
    return Model(pipeline, source=source)


def read_labeled_csv(path: str | Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [(r.get("subject", ""), r.get("detail", ""), r.get("category", "")) for r in csv.DictReader(fh)]


def _fingerprint(path: Path) -> str:
    """The training file's content and the neighbour corpus files' sizes and times."""
    stamps = [f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in sorted(path.parent.glob("messages_with_*.csv"))]
    digest = hashlib.sha256(path.read_bytes() + "|".join(stamps).encode()).hexdigest()[:16]
    return f"{digest}-v{MODEL_VERSION}"


_default: Model | None = None
_default_lock = threading.Lock()


def _cached_default(data: Path) -> Model | None:
    """The bootstrap model kept under VAR_DIR/models if it was trained on this data and this code."""
    cached = Path(settings.VAR_DIR) / "models" / MODEL_FILENAME
    if not cached.exists():
        return None
    try:
        model = Model.load(cached)
    except Exception:  # unreadable or from another sklearn: train again
        return None
    if model.source != _fingerprint(data) or getattr(model, "version", 0) != MODEL_VERSION:
        return None
    return model


def default_model() -> Model:
    """The model trained on labeled_train.csv: cached in the process and under VAR_DIR/models.
    Training takes about 20 s (the neighbour corpus is segmented once); call it from the task
    worker or a command, not from a request (:func:`available_model` does not wait)."""
    global _default
    if _default is not None:
        return _default
    with _default_lock:
        if _default is None:
            data = training_csv_path()
            if not data.exists():
                raise FileNotFoundError(f"training data not found: {data}")
            model = _cached_default(data)
            if model is None:
                model = train(read_labeled_csv(data), source=_fingerprint(data))
                try:
                    model.save(Path(settings.VAR_DIR) / "models" / MODEL_FILENAME)
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
    from rongmei.inquiries.models import Inquiry

    path = training_csv_path()
    rows = (read_labeled_csv(path) if path.exists() else []) + desk_rows()
    own = [message_text(t, b) for t, b in Inquiry.objects.order_by("-pk").values_list("title", "body")[:20000]]
    corpus = list(dict.fromkeys(reference_corpus() + own))
    try:
        model = train(rows, source=f"routed-{len(rows)}", corpus=corpus)
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


def _routed_model() -> Model | None:
    global _routed
    target = _routed_path()
    try:
        mtime = target.stat().st_mtime
    except OSError:
        mtime = None
    if mtime is not None and (_routed is None or _routed[0] < mtime):
        try:
            model = Model.load(target)
        except Exception:  # unreadable or from another sklearn: the bootstrap serves until the next retraining
            model = None
        _routed = (mtime, model) if model is not None and getattr(model, "version", 0) == MODEL_VERSION else None
    return _routed[1] if _routed is not None else None


def current_model() -> Model | SeedWordModel:
    """The newest model: retrained on the desk's routing if one exists, else the bootstrap from
    labeled_train.csv (trained now if need be), else (a site without that file) the seed words alone."""
    routed = _routed_model()
    if routed is not None:
        return routed
    try:
        return default_model()
    except FileNotFoundError:
        return SeedWordModel()


_training_asked = False


def available_model() -> Model | SeedWordModel:
    """Like :func:`current_model` but never trains in the caller: while the bootstrap model is not
    trained yet, the task worker is asked to train it and the seed words answer meanwhile."""
    global _default, _training_asked
    routed = _routed_model()
    if routed is not None:
        return routed
    if _default is not None:
        return _default
    data = training_csv_path()
    if data.exists():
        cached = _cached_default(data)
        if cached is not None:
            _default = cached
            return cached
        if not _training_asked:
            _training_asked = True
            from rongmei.inquiries.tasks import train_classifier

            try:
                train_classifier.enqueue()
            except Exception:
                log.warning("could not enqueue the classifier's training", exc_info=True)
    return SeedWordModel()


def routing_changed() -> None:
    """Called after the desk routes a question with a category: retrain now and then, in the task worker."""
    global _routed_since
    _routed_since += 1
    if _routed_since >= RETRAIN_EVERY:
        _routed_since = 0
        from rongmei.inquiries.tasks import retrain_classifier

        retrain_classifier.enqueue()
