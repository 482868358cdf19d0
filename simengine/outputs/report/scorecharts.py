"""The charts of the scores and of an update: the backtest's PIT histogram
(charts/pit_histogram.png) and the inputs an update moved (charts/update_inputs.png)."""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from simengine.analysis.scoring import PIT_BINS
from simengine.outputs.labels import Labels, movement_labels
from simengine.outputs.report.charts import BLUE_DARK, GREY, RC, _figure, _png


def pit_chart(bt: xr.Dataset, lang: str = "da") -> bytes | None:
    """The PIT histogram (deciles) with the count a calibrated forecast expects per bin."""
    n = bt.sizes["observation"]
    if not n:
        return None
    L = Labels(lang)
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig = _figure(6.5, 3.6)
        ax = fig.add_subplot(1, 1, 1)
        edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
        ax.bar(
            edges[:-1],
            bt["pit_histogram"].values,
            width=1.0 / PIT_BINS,
            align="edge",
            color=BLUE_DARK,
            edgecolor="white",
        )
        ax.axhline(n / PIT_BINS, color=GREY, ls="--", label=L("pit_expected"))
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: L.num(x, 1)))  # 0,2 in Danish
        ax.set_xlabel(L("pit_axis"))
        ax.set_ylabel(L("pit_count"))
        ax.set_title(L("pit_title", n=n))
        ax.legend(loc="best")
        return _png(fig)


def movement_chart(mv: dict, lang: str = "da", top: int = 14) -> bytes | None:
    """Prior vs posterior P10-P90 (and median) of the inputs that moved most, in prior sds."""
    sel = np.flatnonzero(mv["moved"])
    if not len(sel):
        return None
    sel = sel[np.argsort(-np.abs(mv["shift"][sel]), kind="stable")][:top]
    L = Labels(lang)
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig = _figure(8.0, 0.45 * len(sel) + 1.6)
        ax = fig.add_subplot(1, 1, 1)
        for j, k in enumerate(sel):
            v = mv["values"][k]
            m0, s0 = v[0], v[1] if v[1] > 0 else 1.0
            z = (np.array(v) - m0) / s0
            yy = len(sel) - 1 - j
            ax.plot([z[2], z[4]], [yy + 0.15] * 2, color=GREY, lw=4, solid_capstyle="butt")
            ax.plot([z[3]], [yy + 0.15], "|", color="black", ms=9)
            ax.plot([z[7], z[9]], [yy - 0.15] * 2, color=BLUE_DARK, lw=4, solid_capstyle="butt")
            ax.plot([z[8]], [yy - 0.15], "|", color="black", ms=9)
        ax.set_yticks(range(len(sel)))
        names = movement_labels(mv, lang)
        ax.set_yticklabels(["\n".join(textwrap.wrap(names[k], 48)) for k in sel[::-1]])
        ax.set_xlabel(L("upd_axis"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: L.num(v, 1)))  # decimal comma in Danish
        ax.legend(
            handles=[
                Line2D([], [], color=GREY, lw=4, label=L("upd_prior")),
                Line2D([], [], color=BLUE_DARK, lw=4, label=L("upd_posterior")),
            ],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=2,
            frameon=False,
            fontsize=9,
            borderaxespad=0.3,
        )
        ax.set_title(L("upd_title"), loc="left", pad=30)  # above the legend, which is above the bars
        return _png(fig)
