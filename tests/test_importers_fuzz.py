"""Seeded fuzz test of the importers: mutated official files never crash them.

More than 1,000 files are generated from the official files in ``../shared/factor-sources``
(skipped only when that folder is absent) by ``scope3_carbon/tests/factor_fuzz.py``: text
files truncated, flipped, NUL-filled, with huge, tiny, non-finite, negative or malformed
numbers, swapped columns, oversized cells, other encodings, nested JSON; workbooks
truncated, flipped, and edited inside (values, rows, sheets, labels, parts). Each mutated
file, given to the plain-Python reader of the original, must either parse to finite,
non-negative, plausible values or raise :class:`ImportFileError`: never another exception.
"""

import collections
import importlib.util
import pathlib
import time

import pytest
from scope3_core.importers import ImportFileError, Limits, parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "factor-sources"
#: cases per family: 100 per text file (8 files), and per workbook archive-level (truncation,
#: byte flips) and XML-level mutations; the DESNZ workbook takes ~2 s to read, hence fewer
COUNTS = {
    "text": 100,
    "xlsx_bytes_hub_xlsx": 80,
    "xlsx_xml_hub_xlsx": 120,
    "xlsx_bytes_desnz_2026_xlsx": 16,
    "xlsx_xml_desnz_2026_xlsx": 8,
}


def _fuzz_module():
    path = ROOT / "scope3_carbon" / "tests" / "factor_fuzz.py"
    spec = importlib.util.spec_from_file_location("scope3_factor_fuzz", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _finite(parsed, limits):
    """The problems of a parsed set: values that are not finite, negative or absurd."""
    bad = []
    for factor in parsed.factors:
        values = [factor.value, factor.value_without_margins, factor.margin_value]
        values += list((factor.gas_values or {}).values())
        for value in values:
            if value is not None and not (value.is_finite() and 0 <= value <= limits.max_value):
                bad.append((factor.key, value))
        for text in (factor.key, factor.name, factor.unit, *factor.levels):
            if text and ("\x00" in text or len(text) > 1000):
                bad.append((factor.key, "text"))
    return bad


def test_mutated_official_files_never_crash_the_importers():
    if not SOURCES.is_dir():
        pytest.skip(f"official factor files not available ({SOURCES})")
    fuzz = _fuzz_module()
    cache = {}

    def read(relative):
        if relative not in cache:
            cache[relative] = (SOURCES / relative).read_bytes()
        return cache[relative]

    limits = Limits()
    outcomes, seconds = collections.Counter(), collections.Counter()
    crashes, corrupt = [], []
    started = time.monotonic()
    total = 0
    for name, parser, files in fuzz.cases(read, COUNTS):
        total += 1
        family = name.split(":", 1)[0]
        mutator = name.split(":")[1]
        tick = time.monotonic()
        try:
            parsed = parse(parser, **files)
        except ImportFileError as exc:
            seconds[family] += time.monotonic() - tick
            assert exc.problems and all(isinstance(p, str) and p for p in exc.problems), name
            outcomes[(family, "rejected")] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            crashes.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
            continue
        seconds[family] += time.monotonic() - tick
        outcomes[(family, "accepted")] += 1
        outcomes[("accepted by mutation", mutator)] += 1
        problems = _finite(parsed, limits)
        if problems:
            corrupt.append(f"{name}: {problems[:3]}")
    elapsed = time.monotonic() - started
    summary = {f"{family} {result}": count for (family, result), count in sorted(outcomes.items())}
    print(f"\nfuzz: {total} mutated files in {elapsed:.1f} s, seed {fuzz.SEED}")
    for key, count in summary.items():
        print(f"  {key}: {count}")
    print("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(seconds.items())))
    print(f"  crashes: {len(crashes)}, corrupt values accepted: {len(corrupt)}")
    assert total >= 1000
    assert crashes == []
    assert corrupt == []
