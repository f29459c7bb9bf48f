"""Benchmark: reply classification throughput on one core, against a trivial baseline.

Builds a realistic mixed corpus (~100k replies: mostly short answers, in 37 languages, with
case and punctuation variants, emoji, typos and the odd longer message), then measures
- ``classify`` as deployed (its LRU cache starts empty and fills as replies repeat),
- ``classify`` with no cache at all (every reply analysed from scratch),
- the baseline: ``normalise`` + one dict lookup of the normalised text,
and prints replies/s, the ratio to the 50,000 replies/s target and the ratio to the baseline.

Run: ``.venv/bin/python bench/classify.py [--replies N] [--seed S]``
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogs.understanding import Context, classify, normalise
from dialogs.understanding.classifier import (
    _cached,
    _classify,
    _understand,
    _understand_cached,
)
from dialogs.understanding.languages import TABLES
from dialogs.understanding.lexicon import lexicon
from dialogs.understanding.normalise import analyse

TARGET = 50_000

COMMON = [
    "Yes", "yes", "YES", "Y", "y", "C", "c", "1", "ok", "Ok", "OK", "Okay", "yes thanks",
    "Yes thank you", "Confirm", "confirmed", "I'll be there", "See you then!", "👍", "Yes 👍",
    "No", "NO", "N", "X", "2", "can't make it", "Cancel my appointment", "I need to cancel",
    "3", "R", "Reschedule", "can I change the time?", "STOP", "Stop", "HELP", "START",
    "I'm here", "Here", "in the parking lot", "LEAVEWAITLIST", "What time is my appointment?",
    "where is the clinic?", "Thank you", "thanks!", "Sí", "si", "No puedo ir", "Sim", "Oui",
    "是", "好的", "네", "はい", "Да", "نعم", "Opo", "Có", "Dạ", "confrim", "cancle", "yesss",
    "Yes but I need to cancel", "Who is this?", "ok see you tomorrow", "I will be there at 3",
]  # fmt: skip
NAMES = ["Maria", "Jose", "Ana", "Dr Patel", "Li", "Nguyen", "Fatima", "Olga", "Tom"]
TIMES = ["at 3", "at 10:30", "tomorrow", "on Monday", "at 9am", "in the morning"]


def _table_replies() -> list[str]:
    replies: list[str] = []
    for table in TABLES:
        for field in ("yes", "no", "affirm", "deny", "confirm", "decline", "cancel",
                      "reschedule", "arrived"):  # fmt: skip
            replies.extend(entry.lstrip("=") for entry in getattr(table, field))
    return replies


def _vary(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        text = text.upper()
    elif roll < 0.3:
        text = text.lower()
    roll = rng.random()
    if roll < 0.2:
        text += rng.choice(["!", ".", "!!", " 🙂", " 👍", " thanks", "?"])
    elif roll < 0.3:
        text = f"{text} {rng.choice(TIMES)} - {rng.choice(NAMES)}"
    elif roll < 0.35 and len(text) > 4:
        i = rng.randrange(len(text) - 1)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # a transposition typo
    return text


def build_corpus(size: int, seed: int) -> list[str]:
    """``size`` replies: 70% common short answers, 30% table phrases in all languages."""
    rng = random.Random(seed)
    tables = _table_replies()
    corpus = []
    for _ in range(size):
        pool = COMMON if rng.random() < 0.7 else tables
        corpus.append(_vary(rng.choice(pool), rng))
    return corpus


def _measure(label: str, corpus: list[str], fn: Callable[[str], object]) -> float:
    fn(corpus[0])
    start = time.perf_counter()
    for text in corpus:
        fn(text)
    elapsed = time.perf_counter() - start
    rate = len(corpus) / elapsed
    print(f"{label:<44} {rate:>12,.0f} replies/s   {rate / TARGET:5.2f}x target")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    lexicon()  # built once per process (tables -> indexes); not part of a reply's cost
    corpus = build_corpus(args.replies, args.seed)
    print(f"corpus: {len(corpus):,} replies, {len(set(corpus)):,} distinct, "
          f"{len(TABLES)} languages; one core; target {TARGET:,} replies/s")  # fmt: skip

    baseline_table = {normalise(t): t for t in set(corpus[:2000])}
    baseline = _measure("baseline: normalise + dict lookup", corpus,
                        lambda t: baseline_table.get(normalise(t)))  # fmt: skip
    _cached.cache_clear()
    _understand_cached.cache_clear()
    deployed = _measure("classify as deployed (caches start empty)", corpus, classify)
    _understand_cached.cache_clear()
    normalised_cache = _measure(
        "classify, cache of normalised replies only", corpus,
        lambda t: _classify(t, Context.REMINDER, 0, False, None),
    )  # fmt: skip
    uncached = _measure("classify, no cache (every reply from scratch)", corpus,
                        lambda t: _understand(analyse(t), "/" in t, Context.REMINDER, 0, False,
                                              None))  # fmt: skip
    print(f"ratio to baseline: deployed {deployed / baseline:.2f}, normalised cache only "
          f"{normalised_cache / baseline:.2f}, no cache {uncached / baseline:.2f}")  # fmt: skip
    return 0 if normalised_cache >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
