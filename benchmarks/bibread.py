"""Times reading a generated bibliography (benchmarks/bibgen.py): cold, and again with
the cache of the first read after one entry's title changed.

    python benchmarks/bibread.py 10000 [--runs 3] [--jobs 2]

Each run is its own process; the figures are medians, with the peak resident memory."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bibgen import make_bib_site


def one_run(folder: Path, jobs: int) -> dict[str, float]:
    from coursesite.content.bibliography import find_bib_files, read_bibliography
    from coursesite.errors import Problems

    files = find_bib_files(folder / "content")
    start = time.perf_counter()
    first = read_bibliography(files, folder, Problems(), jobs=jobs)
    cold = time.perf_counter() - start
    group = folder / "content" / "group.bib"
    text = group.read_text(encoding="utf-8")
    middle = text.index("  title = {", len(text) // 2)
    group.write_text(text[:middle] + "  title = {Changed " + text[middle + 11:],
                     encoding="utf-8")
    start = time.perf_counter()
    read_bibliography(files, folder, Problems(), cache=first.cache, jobs=jobs)
    changed = time.perf_counter() - start
    group.write_text(text, encoding="utf-8")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"cold": cold, "one_changed": changed, "peak_mb": peak, "entries": len(first.entries)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.child, args.jobs)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        make_bib_site(folder, args.count)
        runs = [json.loads(subprocess.run(
            [sys.executable, __file__, str(args.count), "--jobs", str(args.jobs),
             "--child", str(folder)],
            check=True, capture_output=True, text=True).stdout) for _ in range(args.runs)]
    for name in ("cold", "one_changed", "peak_mb"):
        values = [run[name] for run in runs]
        print(f"{name}: median {statistics.median(values):.3f} "
              f"(runs: {', '.join(f'{v:.3f}' for v in values)})")
    print(f"entries: {runs[0]['entries']}")


if __name__ == "__main__":
    main()
