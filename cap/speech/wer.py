"""Word error counting for spoken commands."""
from __future__ import annotations


def word_errors(reference: str, hypothesis: str) -> int:
    """Levenshtein distance over words."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != heard))
    return row[-1]


def normalise(text: str) -> str:
    return text.lower().replace("colours", "colors").replace("colour", "color")
