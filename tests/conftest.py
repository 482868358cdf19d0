from __future__ import annotations

import copy
import html.parser
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
if str(ROOT) not in sys.path:  # the numpy reference lives in benchmarks/
    sys.path.insert(0, str(ROOT))


def dump_toml(data: dict) -> str:
    """Minimal TOML writer for test scenarios (tables, arrays of tables, inline dist tables)."""

    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return repr(int(v))
        if isinstance(v, float):
            return repr(float(v))  # float() also turns numpy floats into TOML floats
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{_key(k)} = {val(x)}" for k, x in v.items()) + " }"
        raise TypeError(type(v))

    lines: list[str] = []
    scalars = {
        k: v
        for k, v in data.items()
        if not isinstance(v, (dict, list)) or (isinstance(v, list) and not (v and isinstance(v[0], dict)))
    }
    for k, v in scalars.items():
        lines.append(f"{_key(k)} = {val(v)}")
    for k, v in data.items():
        if k in scalars:
            continue
        if isinstance(v, dict):
            if k == "areas":
                for ak, av in v.items():
                    lines.append(f"\n[areas.{_key(ak)}]")
                    if isinstance(av, dict):
                        lines += [f"{_key(x)} = {val(y)}" for x, y in av.items()]
                continue
            lines.append(f"\n[{_key(k)}]")
            for x, y in v.items():
                lines.append(f"{_key(x)} = {val(y)}")
        elif isinstance(v, list):
            for item in v:
                lines.append(f"\n[[{_key(k)}]]")
                for x, y in item.items():
                    lines.append(f"{_key(x)} = {val(y)}")
    return "\n".join(lines) + "\n"


def _key(k: str) -> str:
    import re

    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else '"' + k + '"'


@pytest.fixture
def small_path() -> Path:
    return DATA / "small.toml"


@pytest.fixture
def small_dict() -> dict:
    with open(DATA / "small.toml", "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def write_scenario(tmp_path):
    """write_scenario(dict, name='x.toml') -> Path of a TOML file in tmp_path."""

    def _write(data: dict, name: str = "scenario.toml") -> Path:
        p = tmp_path / name
        p.write_text(dump_toml(copy.deepcopy(data)), encoding="utf-8")
        return p

    return _write


class TaggedNumbers(html.parser.HTMLParser):
    """Every tagged number of a report page (``<span class="num" data-...>``) with its attributes
    and its text, in ``nums``."""

    def __init__(self):
        super().__init__()
        self.nums: list[dict] = []
        self._cur: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and a.get("class") == "num":
            self._cur = dict(a, text="")

    def handle_endtag(self, tag):
        if tag == "span" and self._cur is not None:
            self.nums.append(self._cur)
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None:
            self._cur["text"] += data


@pytest.fixture(autouse=True)
def _memory_baseline_constant(monkeypatch):
    """In-process runs use the memory guard's constant baseline: the test process is not a fresh
    run, so its resident memory is not a run's baseline (a run observes its own; the subprocess
    test in tests/cli/test_memory.py checks that)."""
    from simengine.core import memory

    monkeypatch.setattr(memory, "_observed_baseline", memory.BASELINE)
    monkeypatch.setattr(memory, "last_total", 0)
