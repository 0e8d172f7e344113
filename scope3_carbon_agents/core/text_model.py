"""A deterministic text classifier: TF-IDF vectors and cosine similarity (numpy).

Labels (NAICS-6 codes) are described by documents: the official NAICS title, plus the
texts of the products the company has already mapped to that code (its approved
mappings). A query (product name, category, vendor, account) is scored against every
label; the same documents and query always give the same ranking (ties are broken by
the label). Nothing is random and nothing is downloaded.
"""

import hashlib
import math
import re

import numpy as np

STOPWORDS = frozenset(
    """a an and are as at be by for from in into is it of on or other than the to with
    without all except nec n e c products product services service manufacturing mfg
    misc miscellaneous item items new""".split()
)
_TOKEN_RE = re.compile(r"[a-z0-9]+")
#: decimals kept on scores so that rankings and confidences do not depend on the last
#: bits of the floating-point sums
SCORE_DECIMALS = 6


def _stem(token):
    """A small, explicit suffix stripper (enough to match plurals and verb forms)."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 4 and token.endswith("es") and token[-3] in "sxz":
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def tokenize(text):
    """Lower-case alphanumeric tokens, without stop words and one-letter tokens, stemmed."""
    tokens = []
    for token in _TOKEN_RE.findall((text or "").lower()):
        if len(token) < 2 or token in STOPWORDS or token.isdigit():
            continue
        tokens.append(_stem(token))
    return tokens


class TextModel:
    """TF-IDF over label documents.

    :param documents: iterable of ``(label, text, weight)``; the texts of one label are
        pooled, each token counted ``weight`` times.
    """

    def __init__(self, documents):
        pooled = {}
        lines = []
        for label, text, weight in documents:
            counts = pooled.setdefault(str(label), {})
            for token in tokenize(text):
                counts[token] = counts.get(token, 0.0) + float(weight)
            lines.append(f"{label}\t{weight}\t{text}")
        self.labels = sorted(pooled)
        self.vocabulary = {
            token: index
            for index, token in enumerate(sorted({t for c in pooled.values() for t in c}))
        }
        n_labels = len(self.labels)
        self.matrix = np.zeros((n_labels, len(self.vocabulary)), dtype=np.float64)
        for row, label in enumerate(self.labels):
            for token, count in pooled[label].items():
                self.matrix[row, self.vocabulary[token]] = 1.0 + math.log(count)
        document_frequency = np.count_nonzero(self.matrix, axis=0)
        self.idf = np.log((1.0 + n_labels) / (1.0 + document_frequency)) + 1.0
        self.matrix *= self.idf
        norms = np.linalg.norm(self.matrix, axis=1)
        norms[norms == 0.0] = 1.0
        self.matrix /= norms[:, None]
        self.digest = hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()

    def vector(self, text):
        """Normalised TF-IDF vector of ``text`` (tokens outside the vocabulary are ignored)."""
        vector = np.zeros(len(self.vocabulary), dtype=np.float64)
        counts = {}
        for token in tokenize(text):
            if token in self.vocabulary:
                counts[token] = counts.get(token, 0) + 1
        for token, count in counts.items():
            vector[self.vocabulary[token]] = 1.0 + math.log(count)
        vector *= self.idf
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def rank(self, text, top=5, exclude=()):
        """The ``top`` labels most similar to ``text``, as ``[(label, score), ...]``, best
        first; labels in ``exclude`` are skipped, labels scoring 0 are never returned."""
        if not self.labels:
            return []
        scores = np.round(self.matrix @ self.vector(text), SCORE_DECIMALS)
        excluded = set(exclude)
        ranked = sorted(
            (
                (-float(score), label)
                for label, score in zip(self.labels, scores, strict=True)
                if score > 0 and label not in excluded
            ),
        )
        return [(label, -negative) for negative, label in ranked[:top]]
