"""A deterministic nearest-neighbour classifier over word and character n-grams (numpy).

Each label (a NAICS-6 code) is described by several short documents, each kept on its
own: the official title, the buyer words of the shipped lexicon
(:data:`LEXICON_PATH`, English, French and German) and the texts of the company's
approved mappings. A query and every document become TF-IDF vectors of their words and
of the character 3- to 5-grams of their words (accents folded, digits dropped), so that
plurals, compounds ("Stahlblech"), abbreviations and typing errors still share most of
their features. A label scores the cosine of its nearest document; the evidence of a
ranking is that document (its source and text) and the words it shares with the query.

Nothing is random and nothing is downloaded: the same documents and query always give
the same ranking (ties are broken by the label).
"""

import functools
import hashlib
import math
import pathlib
import re
import unicodedata

import numpy as np

#: identifier of the method, logged with every proposal (with the documents' digest)
MODEL_VERSION = "ngram/2"
#: label of the lexicon's spend that no spend-based factor covers
NO_FACTOR = "none"
LEXICON_PATH = pathlib.Path(__file__).resolve().parent / "naics_lexicon.tsv"
#: sources of a document, stored as codes in the evidence: an official title, a term of
#: the lexicon, the text of an approved mapping, the name of a vendor whose products were
#: mapped to the code
SOURCES = ("title", "lexicon", "approved", "vendor")
#: a vendor's name is a weaker clue than a description of the goods (vendors sell more
#: than one thing): its matches count this much
SOURCE_FACTOR = {"vendor": 0.6}
NGRAM_SIZES = (3, 4, 5)
#: weight of a whole-word feature against one character n-gram
WORD_WEIGHT = 2.0
SCORE_DECIMALS = 6
#: documents (best raw cosine first) whose word coverage is checked for one query
SHORTLIST = 200
STOPWORDS = frozenset(
    """a an and are as at be by for from in into is it of on or other than the to with
    without all except nec products product services service manufacturing mfg misc
    miscellaneous item items new incl including per pcs pc qty x
    le la les un une des du de d l et ou pour par sur au aux en avec sans dans
    der die das den dem des ein eine und oder fur mit ohne von vom zu zum zur im am an
    inkl stk gmbh ltd sarl sas ag co kg""".split()
)
_WORD_RE = re.compile(r"[a-z0-9]+")


def fold(text):
    """Lower case without accents (``"Übersetzung"`` -> ``"ubersetzung"``)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text):
    """Folded words of two letters or more, without digits and stop words."""
    return [
        word
        for word in _WORD_RE.findall(fold(text))
        if len(word) > 1 and not any(char.isdigit() for char in word) and word not in STOPWORDS
    ]


def features(text):
    """Feature counts of ``text``: ``w:word`` and ``c:<n-gram>`` of each word."""
    counts = {}
    for word in words(text):
        key = "w:" + word
        counts[key] = counts.get(key, 0.0) + WORD_WEIGHT
        padded = f"<{word}>"
        for size in NGRAM_SIZES:
            for start in range(len(padded) - size + 1):
                key = "c:" + padded[start : start + size]
                counts[key] = counts.get(key, 0.0) + 1.0
    return counts


@functools.lru_cache(maxsize=65536)
def _trigrams(word):
    padded = f"<{word}>"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@functools.lru_cache(maxsize=262144)
def word_match(doc_word, query_word):
    """Whether a word of a document is found in a word of the query: the same word, one a
    prefix of the other (plurals, stems: 4 letters at least), the document's word inside
    the query's (a compound: "stahl" in "stahlblech", 5 letters at least), or a close
    spelling (character trigrams with a Jaccard index of 0.5 or more)."""
    if doc_word == query_word:
        return True
    short, long_ = sorted((doc_word, query_word), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return True
    if len(doc_word) >= 5 and doc_word in query_word:
        return True
    a, b = _trigrams(doc_word), _trigrams(query_word)
    return len(a & b) / len(a | b) >= 0.5


def coverage(doc_words, query_words):
    """Share of a document's words found in the query (see :func:`word_match`)."""
    if not doc_words:
        return 0.0
    found = sum(1 for d in doc_words if any(word_match(d, q) for q in query_words))
    return found / len(doc_words)


def load_lexicon(path=LEXICON_PATH):
    """The shipped buyer vocabulary as ``[(code, term), ...]``."""
    entries = []
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _tab, terms = line.partition("\t")
        entries += [(code.strip(), term.strip()) for term in terms.split("|") if term.strip()]
    return entries


class NgramModel:
    """Nearest document over word + character n-gram TF-IDF vectors.

    :param documents: iterable of ``(label, text, weight)`` or ``(label, text, weight,
        source)`` with ``source`` in :data:`SOURCES` (default ``"title"``); documents of
        weight 0 or less, and documents without a feature, are ignored.
    """

    version = MODEL_VERSION

    def __init__(self, documents):
        docs, lines = [], []
        for document in documents:
            label, text, weight = document[:3]
            source = document[3] if len(document) > 3 else "title"
            if float(weight) <= 0:
                continue
            counts = features(text)
            if not counts:
                continue
            docs.append((str(label), text, source, counts))
            lines.append(f"{label}\t{source}\t{weight}\t{text}")
        docs.sort(key=lambda doc: (doc[0], SOURCES.index(doc[2]), doc[1]))
        self.labels = sorted({doc[0] for doc in docs})
        label_index = {label: index for index, label in enumerate(self.labels)}
        self.doc_label = np.array([label_index[doc[0]] for doc in docs], dtype=np.int64)
        self.doc_text = [doc[1] for doc in docs]
        self.doc_words = [sorted(set(words(doc[1]))) for doc in docs]
        self.doc_source = [doc[2] for doc in docs]
        n_docs = len(docs)
        frequency = {}
        for doc in docs:
            for key in doc[3]:
                frequency[key] = frequency.get(key, 0) + 1
        self.idf = {
            key: math.log((1.0 + n_docs) / (1.0 + df)) + 1.0 for key, df in frequency.items()
        }
        postings = {}
        for index, doc in enumerate(docs):
            vector = {key: (1.0 + math.log(count)) * self.idf[key] for key, count in doc[3].items()}
            norm = math.sqrt(sum(value * value for value in vector.values()))
            for key, value in vector.items():
                postings.setdefault(key, ([], []))
                postings[key][0].append(index)
                postings[key][1].append(value / norm)
        self.postings = {
            key: (np.array(ids, dtype=np.int64), np.array(values, dtype=np.float64))
            for key, (ids, values) in postings.items()
        }
        self.n_docs = n_docs
        self.digest = hashlib.sha256(
            "\n".join([MODEL_VERSION, *sorted(lines)]).encode("utf-8")
        ).hexdigest()

    def _query(self, text):
        vector = {}
        for key, count in features(text).items():
            if key in self.idf:
                vector[key] = (1.0 + math.log(count)) * self.idf[key]
        norm = math.sqrt(sum(value * value for value in vector.values()))
        return {key: value / norm for key, value in vector.items()} if norm else {}

    def _doc_scores(self, query):
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for key, value in query.items():
            ids, weights = self.postings[key]
            scores[ids] += value * weights
        return np.round(scores, SCORE_DECIMALS)

    def rank(self, text, top=5, exclude=()):
        """The ``top`` labels nearest to ``text`` as ``[(label, score), ...]``, best first."""
        return [(c["label"], c["score"]) for c in self.explain(text, top=top, exclude=exclude)]

    def explain(self, text, top=5, exclude=()):
        """The ``top`` labels nearest to ``text``, each with its evidence: ``{"label",
        "score", "source", "neighbour", "shared"}`` (the nearest document's source code
        and text, and the words of the query found in it)."""
        if not self.n_docs:
            return []
        query = self._query(text)
        if not query:
            return []
        scores = self._doc_scores(query)
        query_words = sorted(set(words(text)))
        best = {}
        positive = np.flatnonzero(scores > 0)
        # the best raw scores first (ties by document order): a bounded shortlist
        order = positive[np.lexsort((positive, -scores[positive]))][:SHORTLIST]
        for index in order:
            index = int(index)
            label = int(self.doc_label[index])
            # n-grams alone match "Kugellager" to "Kühllager": the score counts only as
            # much of a document as the query's words really contain
            share = coverage(self.doc_words[index], query_words)
            if not share:
                continue
            factor = SOURCE_FACTOR.get(self.doc_source[index], 1.0)
            score = round(float(scores[index]) * share * factor, SCORE_DECIMALS)
            if label not in best or score > best[label][0]:
                best[label] = (score, int(index))
        excluded = set(exclude)
        ranked = sorted(
            (-score, self.labels[label], index)
            for label, (score, index) in best.items()
            if self.labels[label] not in excluded
        )
        results = []
        for negative, label, index in ranked[:top]:
            neighbour = self.doc_text[index]
            shared = [
                word
                for word in query_words
                if any(word_match(d, word) for d in self.doc_words[index])
            ]
            results.append(
                {
                    "label": label,
                    "score": -negative,
                    "source": self.doc_source[index],
                    "neighbour": neighbour,
                    "shared": shared,
                }
            )
        return results
