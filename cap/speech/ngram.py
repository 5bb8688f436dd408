"""A trigram language model in ARPA format (absolute discounting with back-off)."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Iterable

DISCOUNT = 0.7


def arpa(sentences: Iterable[str], vocabulary: Iterable[str] = ()) -> str:
    """ARPA text for `sentences` (words split on spaces); `vocabulary` words the sentences may
    lack still get a small unigram probability, so every word stays reachable."""
    counts = [Counter(), Counter(), Counter()]
    for sentence in sentences:
        words = ["<s>", *sentence.split(), "</s>"]
        for order in range(3):
            for i in range(len(words) - order):
                counts[order][tuple(words[i:i + order + 1])] += 1
    for word in vocabulary:
        counts[0][(word,)] += 0  # present, unseen: gets only the discounted mass
    del counts[0][("<s>",)]  # never predicted; written separately with its back-off

    probabilities: list[dict[tuple, float]] = [{}, {}, {}]
    backoffs: list[dict[tuple, float]] = [{}, {}]
    total = sum(counts[0].values())
    unseen = sum(1 for c in counts[0].values() if c == 0) + 1
    reserved = DISCOUNT * len(counts[0]) / total
    for gram, count in counts[0].items():
        probabilities[0][gram] = (max(count - DISCOUNT, 0) / total
                                  + reserved / len(counts[0]) if count else reserved / unseen)
    for order in (1, 2):
        followers: dict[tuple, list[tuple]] = defaultdict(list)
        for gram in counts[order]:
            followers[gram[:-1]].append(gram)
        for history, grams in followers.items():
            history_count = sum(counts[order][g] for g in grams)
            for gram in grams:
                probabilities[order][gram] = (counts[order][gram] - DISCOUNT) / history_count
            left = DISCOUNT * len(grams) / history_count
            lower_seen = sum(lower(probabilities, g[1:]) for g in grams)
            backoffs[order - 1][history] = left / max(1 - lower_seen, 1e-9)

    lines = ["", "\\data\\"] + [f"ngram {n + 1}={len(probabilities[n]) + (n == 0)}"
                                for n in range(3)]
    for order in range(3):
        lines += ["", f"\\{order + 1}-grams:"]
        if order == 0:
            lines.append(f"-99\t<s>\t{log10(backoffs[0].get(('<s>',), 1))}")
        for gram, p in probabilities[order].items():
            entry = f"{log10(p)}\t{' '.join(gram)}"
            if order < 2:
                entry += f"\t{log10(backoffs[order].get(gram, 1.0))}"
            lines.append(entry)
    return "\n".join(lines + ["", "\\end\\", ""])


def lower(probabilities: list[dict], gram: tuple) -> float:
    """Back-off probability of `gram` from the lower orders (bigram or unigram)."""
    if len(gram) == 1:
        return probabilities[0].get(gram, 0.0)
    if gram in probabilities[len(gram) - 1]:
        return probabilities[len(gram) - 1][gram]
    return lower(probabilities, gram[1:])  # the back-off weight is applied by the decoder


def log10(p: float) -> str:
    return f"{math.log10(max(p, 1e-99)):.4f}"


class TrigramScorer:
    """log10 scores of word sequences under a trigram model of `sentences` (interpolated
    absolute discounting, as the ARPA writer above): for comparing alternative transcripts."""

    def __init__(self, sentences: Iterable[str]) -> None:
        self.counts: list[Counter] = [Counter(), Counter(), Counter()]
        self.followers: list[Counter] = [Counter(), Counter()]  # distinct words after a history
        for sentence in sentences:
            words = ["<s>", *sentence.split(), "</s>"]
            for order in range(3):
                for i in range(len(words) - order):
                    self.counts[order][tuple(words[i:i + order + 1])] += 1
        for order in (1, 2):
            for gram in self.counts[order]:
                self.followers[order - 1][gram[:-1]] += 1
        self.history_totals = [Counter(), Counter()]
        for order in (1, 2):
            for gram, count in self.counts[order].items():
                self.history_totals[order - 1][gram[:-1]] += count
        self.total = sum(self.counts[0].values())
        self.vocabulary_size = len(self.counts[0]) + 1

    def probability(self, history: tuple[str, ...], word: str) -> float:
        p = (self.counts[0][(word,)] + 0.1) / (self.total + 0.1 * self.vocabulary_size)
        for order in (1, 2):
            context = history[len(history) - order:] if len(history) >= order else None
            if context is None:
                break
            seen = self.history_totals[order - 1][context]
            if not seen:
                continue
            count = self.counts[order][(*context, word)]
            left = DISCOUNT * self.followers[order - 1][context] / seen
            p = max(count - DISCOUNT, 0) / seen + left * p
        return p

    def score(self, words: list[str]) -> float:
        sequence = ["<s>", *words, "</s>"]
        return sum(math.log10(self.probability(tuple(sequence[max(0, i - 2):i]), sequence[i]))
                   for i in range(1, len(sequence)))
