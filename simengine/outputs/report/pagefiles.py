"""The reader's page and workbook of ``compare`` and ``sweep``: built part by part so that a
failing part (a chart, the workbook) is named on stderr and never costs the command's other
files, and queued on the command's atomic writer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class PageFiles:
    html: str
    xlsx: bytes | None = None
    error: str | None = None


def queue(w: Any, files: PageFiles, html_name: str, xlsx_name: str) -> None:
    """Queue the files on an AtomicOutputs writer (moved into place with the command's other files)."""
    w.write(html_name, lambda p: p.write_text(files.html, encoding="utf-8"))
    if files.xlsx is not None:
        xlsx = files.xlsx
        w.write(xlsx_name, lambda p: p.write_bytes(xlsx))


def build_safe(
    make: Callable[[], Any],
    charts: Mapping[str, Callable[[Any], bytes | None]],
    render: Callable[[Any, dict[str, bytes]], str],
    workbook: Callable[[Any], bytes],
    lang: str,
    html_name: str,
    xlsx_name: str,
) -> PageFiles:
    """``make()`` the page's model, draw ``charts``, ``render`` the page and build the ``workbook``;
    each failing part is recorded (the page then says what went wrong, the workbook is left out)
    and named in one warning on stderr. MemoryError is raised."""
    from simengine.outputs.report.html import failure_page

    errors: list[str] = []

    def part(what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a reporting bug must not cost the command's results
            errors.append(f"{what}: {type(exc).__name__}: {exc}")
            return None

    model = part(html_name, make)
    if model is None:
        files = PageFiles(html=failure_page(lang, errors[0]), error=errors[0])
    else:
        figs: dict[str, bytes] = {}
        for name, fn in charts.items():
            res = part(f"chart {name}", lambda fn=fn: fn(model))  # type: ignore[misc]  # a default binds fn per chart
            if res:
                figs[name] = res
        page = part(html_name, lambda: render(model, figs))
        files = PageFiles(
            html=page if page is not None else failure_page(lang, "; ".join(errors)),
            xlsx=part(xlsx_name, lambda: workbook(model)),
            error="; ".join(errors) or None,
        )
    if files.error:
        from simengine.messages import warn

        warn(files.error)  # names the part that failed; "advarsel:" or "warning:" in the terminal's language
    return files
