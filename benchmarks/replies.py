"""The reply corpus (tests/replies/corpus.py) through the whole pipeline: how many replies ran,
how many were refused and by which rule, and every mistake (wrongly refused, wrongly run,
wrong rule, wrong extraction, wrong result).

    .venv/bin/python benchmarks/replies.py [--json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cap.bench.replies import bench_replies  # noqa: E402


def load_corpus(path: Path) -> list:
    """The corpus module read as data (it lives with the tests it also drives)."""
    spec = importlib.util.spec_from_file_location("reply_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.CORPUS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT / "tests/replies/corpus.py"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("CAP_HOME", tempfile.mkdtemp(prefix="cap-replies-"))
    report = bench_replies(load_corpus(Path(args.corpus)))
    if args.json:
        print(json.dumps(report, indent=1))
        return
    verdicts = report["verdicts"]
    print(f"{report['items']} replies: {report['ran']} accepted and ran as checked, "
          f"{sum(report['refused_by_rule'].values())} refused by rule; wrongly refused "
          f"{verdicts.get('wrongly refused', 0)}, wrongly run {verdicts.get('wrongly run', 0)}, "
          f"wrong rule {verdicts.get('wrong rule', 0)}, wrong extraction "
          f"{verdicts.get('wrong extraction', 0)}, wrong result {verdicts.get('wrong result', 0)}")
    for rule, count in sorted(report["refused_by_rule"].items(), key=lambda r: -r[1]):
        print(f"  refused ({count}): {rule}")
    for mistake in report["mistakes"]:
        print(f"  MISTAKE {mistake['name']}: {mistake['verdict']} ({mistake['error']})")


if __name__ == "__main__":
    main()
