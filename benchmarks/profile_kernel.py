"""Where the kernel's time goes, by sampling: perf samples of the JIT-compiled code, attributed to
its machine code.

numba's code has no symbols perf can read, so this script runs the kernel, then copies the
process's anonymous executable memory (the JIT code) to files; ``report`` counts perf's samples
per 256-byte window of that code and prints the hottest windows with their disassembly (objdump),
from which each loop is recognised (e.g. the quantile-grid lookup by its constants).

    perf record -F 4000 -o /tmp/perf.data python benchmarks/profile_kernel.py run /tmp/jit
    perf script -i /tmp/perf.data -F ip > /tmp/ips.txt
    python benchmarks/profile_kernel.py report /tmp/ips.txt /tmp/jit

Needs Linux perf (``cpu-clock`` sampling is enough) and binutils' objdump.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(out: Path, draws: int = 60_000) -> None:
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    plan = compile_plan(scenario.load(ROOT / "scenarios" / "2015.toml").with_run_options(draws=draws))
    engine.run_range(plan, 0, 512, 1, keep_draws=0, store_inputs=0)  # compile or load: the profile's noise floor
    t = time.perf_counter()
    engine.run_range(plan, 0, draws, 1, keep_draws=0, store_inputs=0)
    print(f"{draws / (time.perf_counter() - t):,.0f} draws/s on one thread")
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "regions.txt", "w") as f:
        for i, line in enumerate(l for l in open("/proc/self/maps") if "x" in l.split()[1] and len(l.split()) < 6):
            a, b = (int(x, 16) for x in line.split()[0].split("-"))
            (out / f"code{i}.bin").write_bytes(ctypes.string_at(a, b - a))
            f.write(f"{i} {a:x} {b:x}\n")


def report(ips: Path, folder: Path, top: int = 12) -> None:
    regions = [
        tuple(int(x, 16) if j else int(x) for j, x in enumerate(l.split()))
        for l in (folder / "regions.txt").read_text().splitlines()
    ]
    hits: Counter = Counter()
    total = 0
    for line in ips.read_text().splitlines():
        ip = int(line.split()[0], 16)
        total += 1
        for i, a, b in regions:
            if a <= ip < b:
                hits[(i, ip - a)] += 1
    jit = sum(hits.values())
    print(f"{total} samples, {jit} ({100 * jit / max(total, 1):.0f} %) in JIT code")
    windows: Counter = Counter()
    for (i, off), n in hits.items():
        windows[(i, off // 256)] += n
    for (i, w), n in windows.most_common(top):
        print(f"\n== region {i} +{w * 256:#x}: {n} samples, {100 * n / jit:.1f} % of the kernel")
        asm = subprocess.run(
            [
                "objdump",
                "-D",
                "-b",
                "binary",
                "-mi386:x86-64",
                f"--start-address={w * 256}",
                f"--stop-address={(w + 1) * 256}",
                str(folder / f"code{i}.bin"),
            ],
            capture_output=True,
            text=True,
        ).stdout
        for line in asm.splitlines():
            parts = line.split(":\t", 1)
            try:
                off = int(parts[0], 16)
            except ValueError:
                continue
            n_off = hits.get((i, off), 0)
            print(f"{n_off:5d} {line.strip()[:100]}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        run(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
