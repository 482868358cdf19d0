"""Seconds per report chart on a run's results.nc, in report order, with each PNG's size and digest.

    python -m simengine run scenarios/2015.toml --out /tmp/r --quiet
    python benchmarks/chart_times.py /tmp/r/results.nc [OUT_DIR]

Each chart function is called once on one Context (as the report does); OUT_DIR, if given, receives
the PNGs. Two runs on the same results.nc give the same digests (the charts carry no timestamps).
Compare code versions by alternating them in one sitting: the machine's load moves every figure.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    from simengine.outputs.report import charts, open_results
    from simengine.outputs.report.context import Context

    if not argv:
        print(__doc__)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else None
    ctx = Context(open_results(argv[0]), "da")
    total = 0.0
    for name in charts.CHARTS:
        t = time.perf_counter()
        res = getattr(charts, name)(ctx)
        dt = time.perf_counter() - t
        total += dt
        png = res[0] if isinstance(res, tuple) else res
        digest = hashlib.sha256(png).hexdigest()[:12] if png else "-"
        print(f"{name:22s} {dt:6.2f} s {len(png) if png else 0:9,d} B  {digest}")
        if out is not None and png:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name}.png").write_bytes(png)
    print(f"{'all charts':22s} {total:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
