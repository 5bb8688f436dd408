"""Progress with rate and ETA for long commands (benchmarks, model builds), on stderr."""
from __future__ import annotations

import sys
from typing import Iterable, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], total: int | None = None, what: str = "items") -> Iterable[T]:
    """`items`, with a bar (count, rate, ETA) on stderr; stdout stays clean for --json."""
    return tqdm(items, total=total, unit=f" {what}", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5 if sys.stderr.isatty() else 5.0, leave=True)
