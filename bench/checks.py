"""Benchmark the quality gate on the labelled evaluation sets: precision, recall and speed per kind.

    python bench/checks.py [--misses]

Reads tests/check/eval/ (written with the checks, and tuned on), tests/check/heldout/
(written afterwards by another hand; see docs/checks.md for what it found),
tests/check/heldout2/ (pages on corpus labels written after the first tuning of issue 9; its
misses were fixed since, so it is no longer held apart) and tests/check/heldout3/ (pages on
corpus labels written after that fix, never tuned on: the honest measure). For each, prints
true and false positives, false negatives, precision and recall per kind of finding, then
the time taken and pages per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

SETS = Path(__file__).resolve().parents[1] / "tests" / "check"
sys.path.insert(0, str(SETS))  # the evaluation harness lives beside its sets, in the tests

from evaluation import evaluate  # noqa: E402


def main(argv: list[str]) -> int:
    for name in ("eval", "heldout", "heldout2", "heldout3"):
        print(f"{name}:")
        report(evaluate(SETS / name), argv)
        print()
    return 0


def report(result, argv: list[str]) -> None:
    print(f"{'kind':<14} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7}")
    for kind, score in result.scores.items():
        print(f"{kind:<14} {score.true_positives:>4} {score.false_positives:>4} {score.false_negatives:>4} "
              f"{score.precision:>10.2f} {score.recall:>7.2f}")
    rate = result.pages / result.seconds if result.seconds else float("inf")
    print(f"{result.pages} pages in {result.seconds:.3f} s ({rate:.0f} pages/s)")
    if "--misses" in argv or result.misses:
        for miss in result.misses:
            print("  " + miss)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
