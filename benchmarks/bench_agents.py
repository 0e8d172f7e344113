#!/usr/bin/env python3
"""Throughput of the classification agent's model over many lines (no Odoo).

What a classification batch spends its time on, for N purchase lines: the model of the
agent (the shipped n-gram model over the EPA titles and the buyer lexicon) ranks each
line. Lines are the labelled benchmark lines repeated with a lot number (so no two lines
are equal), in batches of ``--batch`` as the agent reads them. Prints one JSON document:
lines per second, batch times (p50 / p95, first and last tenth of the batches: a batch
must not get slower as the run goes on), model build time, and the peak resident memory.

This measures the plain-Python core only: the Odoo side of a batch (reading the
subjects, recording findings and decisions) is measured by the add-on's tests
(``TestClassificationBatches``: query counts per batch and of an idle call), not here.

Usage: python benchmarks/bench_agents.py [--lines 100000] [--batch 200]
"""

import argparse
import json
import pathlib
import resource
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bench_classification as bench  # noqa: E402


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    factors = bench.load_factors()
    items = bench.load_items() + bench.load_items(bench.BLIND)
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    model = bench.build("ngram", bench.documents(factors, lexicon=True))
    build_seconds = time.perf_counter() - started
    rss_model = peak_rss_mb()
    batch_ms = []
    proposals = 0
    started = time.perf_counter()
    for start in range(0, args.lines, args.batch):
        batch_started = time.perf_counter()
        for index in range(start, min(start + args.batch, args.lines)):
            item = items[index % len(items)]
            ranked = model.explain(f"{item['query']} lot {index}", top=5)
            proposals += bool(ranked)
        batch_ms.append((time.perf_counter() - batch_started) * 1000)
    seconds = time.perf_counter() - started
    tenth = max(len(batch_ms) // 10, 1)
    print(
        json.dumps(
            {
                "benchmark": "agents_classification_core",
                "lines": args.lines,
                "batch_size": args.batch,
                "batches": len(batch_ms),
                "documents": model.n_docs,
                "build_seconds": round(build_seconds, 3),
                "seconds": round(seconds, 2),
                "lines_per_second": round(args.lines / seconds, 1),
                "batch_ms": {
                    "p50": round(percentile(batch_ms, 0.5), 1),
                    "p95": round(percentile(batch_ms, 0.95), 1),
                    "first_tenth_mean": round(sum(batch_ms[:tenth]) / tenth, 1),
                    "last_tenth_mean": round(sum(batch_ms[-tenth:]) / tenth, 1),
                },
                "lines_with_candidates": proposals,
                "peak_rss_mb": {
                    "before_model": rss_before,
                    "after_model": rss_model,
                    "end": peak_rss_mb(),
                },
                "python": sys.version.split()[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
