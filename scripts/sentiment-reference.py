#!/usr/bin/env python3
"""Reference VADER scores on Hearth's labelled chat sentiment set.

What it is:
    Scores every message in tests/fixtures/sentiment/labelled.csv with the
    reference VADER implementation from PyPI (vaderSentiment 3.3.2,
    SentimentIntensityAnalyzer().polarity_scores), maps the compound score to a
    label with VADER's documented thresholds (compound >= 0.05 -> positive,
    compound <= -0.05 -> negative, otherwise neutral), and prints Markdown
    tables: overall accuracy and macro-F1, per-label precision/recall/F1, and
    accuracy per `kind`. These are the numbers Hearth's own on-device,
    chat-tuned VADER-style scorer is compared against.

How to run it (from the repository root):
    python3 -m venv /tmp/vader && /tmp/vader/bin/pip install vaderSentiment==3.3.2 && /tmp/vader/bin/python scripts/sentiment-reference.py tests/fixtures/sentiment/labelled.csv

    Add `--csv OUT` to also write one row per message, `id,compound,predicted`
    (the committed copy is tests/fixtures/sentiment/vader-reference.csv):
    /tmp/vader/bin/python scripts/sentiment-reference.py tests/fixtures/sentiment/labelled.csv --csv tests/fixtures/sentiment/vader-reference.csv

Dependencies: the Python standard library and vaderSentiment only.
"""

import argparse
import csv
import sys
from collections import OrderedDict

LABELS = ("positive", "neutral", "negative")
POS_THRESHOLD = 0.05
NEG_THRESHOLD = -0.05


def label_for(compound):
    """VADER's documented mapping from compound score to a three-way label."""
    if compound >= POS_THRESHOLD:
        return "positive"
    if compound <= NEG_THRESHOLD:
        return "negative"
    return "neutral"


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        expected = ["id", "platform", "label", "kind", "text"]
        if reader.fieldnames != expected:
            sys.exit(f"{path}: header is {reader.fieldnames}, expected {expected}")
        rows = list(reader)
    for row in rows:
        if row["label"] not in LABELS:
            sys.exit(f"{path}: row {row['id']}: unknown label {row['label']!r}")
    return rows


def per_label_scores(gold, pred):
    """Precision, recall, F1 and support for each label (0 where undefined)."""
    out = OrderedDict()
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[lab] = (precision, recall, f1, tp + fn)
    return out


def accuracy(gold, pred):
    return sum(1 for g, p in zip(gold, pred) if g == p) / len(gold) if gold else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labelled_csv", help="path to tests/fixtures/sentiment/labelled.csv")
    ap.add_argument("--csv", metavar="OUT", help="also write id,compound,predicted per row to OUT")
    args = ap.parse_args()

    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        sys.exit("vaderSentiment is not installed; see the header of this script for how to run it")
    try:
        from importlib.metadata import version

        vader_version = version("vaderSentiment")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        vader_version = "unknown"

    rows = read_rows(args.labelled_csv)
    analyzer = SentimentIntensityAnalyzer()
    results = []
    for row in rows:
        compound = analyzer.polarity_scores(row["text"])["compound"]
        results.append((row, compound, label_for(compound)))

    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "compound", "predicted"])
            for row, compound, predicted in results:
                w.writerow([row["id"], f"{compound:.4f}", predicted])

    gold = [r["label"] for r, _, _ in results]
    pred = [p for _, _, p in results]
    scores = per_label_scores(gold, pred)
    macro_f1 = sum(s[2] for s in scores.values()) / len(LABELS)

    print(f"Reference: vaderSentiment {vader_version}, compound >= {POS_THRESHOLD} positive, "
          f"<= {NEG_THRESHOLD} negative, else neutral; {len(results)} messages.")
    print()
    print("| metric | value |")
    print("| --- | --- |")
    print(f"| messages | {len(results)} |")
    print(f"| accuracy | {accuracy(gold, pred):.3f} |")
    print(f"| macro-F1 | {macro_f1:.3f} |")
    print()
    print("| label | support | precision | recall | F1 |")
    print("| --- | --- | --- | --- | --- |")
    for lab, (p, r, f1, support) in scores.items():
        print(f"| {lab} | {support} | {p:.3f} | {r:.3f} | {f1:.3f} |")
    print()
    kinds = OrderedDict()
    for row, _, predicted in results:
        kinds.setdefault(row["kind"], []).append((row["label"], predicted))
    print("| kind | n | accuracy |")
    print("| --- | --- | --- |")
    for kind in sorted(kinds):
        pairs = kinds[kind]
        acc = accuracy([g for g, _ in pairs], [p for _, p in pairs])
        print(f"| {kind} | {len(pairs)} | {acc:.3f} |")


if __name__ == "__main__":
    main()
