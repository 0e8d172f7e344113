"""Plain-Python core of the Scope 3 agents (no Odoo import).

- :mod:`.chain`: canonical JSON of decisions and the hash chain of the decision log;
- :mod:`.stats`: robust z-scores (median / MAD) for plausibility checks;
- :mod:`.text_model`: the word TF-IDF classifier (the first method, kept for comparison);
- :mod:`.ngram_model`: the nearest-neighbour word + character n-gram classifier that
  proposes NAICS codes, with its shipped multilingual lexicon;
- :mod:`.rules`: the pure rule evaluations whose results the agents log, so that a logged
  decision can be replayed from the inputs it records.
"""

from .chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_json,
    chain_hash,
    digest,
    normalise,
    record_text,
    verify_chain,
)
from .ngram_model import MODEL_VERSION, NgramModel, load_lexicon
from .rules import CALIBRATION, RULE_VERSIONS, calibrated_confidence, evaluate
from .stats import robust_z_scores
from .text_model import TextModel, tokenize

__all__ = [
    "CALIBRATION",
    "GENESIS_HASH",
    "MODEL_VERSION",
    "NgramModel",
    "HASHED_FIELDS",
    "RULE_VERSIONS",
    "TextModel",
    "calibrated_confidence",
    "canonical_json",
    "chain_hash",
    "digest",
    "evaluate",
    "load_lexicon",
    "normalise",
    "record_text",
    "robust_z_scores",
    "tokenize",
    "verify_chain",
]
