"""A report chart's save, stage by stage: matplotlib's RGBA PNG (zlib 6) against the RGB PNG at
zlib level 3 that simengine.outputs.report.charts._png writes, on one figure in one process.

    python benchmarks/png_encode.py [--reps 8]

The figure is a fan-chart-like one (translucent bands, lines, legend) of the report's size (10 × 5.2
in at 150 dpi), laid out once. Each repetition times: the draw into the Agg canvas (``savefig`` to raw
RGBA), the opacity check and RGB conversion, the RGB encode at level 3, and the old path (``savefig``
to PNG: the same draw plus the RGBA encode at level 6). Prints the best and median of each and
whether the two PNGs decode to the same pixels.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    from PIL import Image

    from simengine.outputs.report import charts as ch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=8)
    a = ap.parse_args(argv)
    fig = ch._figure(10, 5.2)
    ax = fig.add_subplot()
    x = np.arange(2011, 2021)
    for k in range(5):
        ax.fill_between(x, k + np.sin(x) - 1, k + np.sin(x) + 1, alpha=0.3)
        ax.plot(x, k + np.sin(x), label=f"line {k}")
    ax.legend()
    ax.set_title("Gevinst (mio. kr.) ÆØÅ")
    fig.tight_layout()
    fig.set_layout_engine(None)
    times: dict[str, list[float]] = {}

    def lap(name: str, t: float) -> float:
        now = time.perf_counter()
        times.setdefault(name, []).append(now - t)
        return now

    for _ in range(a.reps):
        t = time.perf_counter()
        raw = io.BytesIO()
        fig.savefig(raw, format="rgba", dpi=ch.DPI, facecolor="white")
        t = lap("draw (savefig to raw RGBA)", t)
        w, h = (int(v) for v in fig.bbox.size)
        img = Image.frombuffer("RGBA", (w, h), raw.getbuffer(), "raw", "RGBA", 0, 1)
        assert img.getextrema()[3] == (255, 255)
        img = img.convert("RGB")
        t = lap("opacity check, RGB", t)
        new = io.BytesIO()
        img.save(new, format="png", compress_level=ch.PNG_LEVEL, dpi=(ch.DPI, ch.DPI))
        t = lap(f"encode RGB, zlib {ch.PNG_LEVEL}", t)
        old = io.BytesIO()
        fig.savefig(old, format="png", dpi=ch.DPI, facecolor="white", metadata={"Software": None})
        lap("old: savefig to PNG (draw + encode RGBA, zlib 6)", t)
    print("| stage | best (ms) | median (ms) |")
    print("|---|---:|---:|")
    for k, v in times.items():
        print(f"| {k} | {min(v) * 1e3:.0f} | {statistics.median(v) * 1e3:.0f} |")
    a_old = np.asarray(Image.open(io.BytesIO(old.getvalue())))
    a_new = np.asarray(Image.open(io.BytesIO(new.getvalue())))
    same = bool(np.array_equal(a_old[..., :3], a_new) and (a_old[..., 3] == 255).all())
    print(f"PNG bytes: old {len(old.getvalue()):,}, new {len(new.getvalue()):,}; same pixels: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
