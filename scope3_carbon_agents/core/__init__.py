"""Plain-Python core of the Scope 3 agents (no Odoo import).

- :mod:`.chain`: canonical JSON of decisions and the hash chain of the decision log;
- :mod:`.stats`: robust z-scores (median / MAD) for plausibility checks;
- :mod:`.text_model`: the deterministic TF-IDF classifier that proposes NAICS codes;
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
from .rules import RULE_VERSIONS, evaluate
from .stats import robust_z_scores
from .text_model import TextModel, tokenize

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "RULE_VERSIONS",
    "TextModel",
    "canonical_json",
    "chain_hash",
    "digest",
    "evaluate",
    "normalise",
    "record_text",
    "robust_z_scores",
    "tokenize",
    "verify_chain",
]
