"""The report's chart PNGs (simengine.outputs.report.charts._png): RGB at a low zlib level, decoding to
the very pixels of the RGBA image matplotlib writes for the same figure on white."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from simengine.outputs.report import charts


def _figure():
    """Lines, translucent bands (the fan charts' kind), a legend and non-ASCII text: every kind of
    pixel a chart has, antialiased edges and alpha blending included."""
    fig = charts._figure(6, 3.5)
    ax = fig.add_subplot()
    x = np.arange(2011, 2021)
    for k in range(3):
        y = k + np.sin(x / 2)
        ax.fill_between(x, y - 0.6, y + 0.6, alpha=0.3, color=charts.REGION_COLORS[k])
        ax.plot(x, y, label=f"område {k} – Æ Ø Å", color=charts.REGION_COLORS[k])
    ax.legend()
    ax.set_title("Gevinst (mio. kr.)")
    return fig


def test_chart_png_is_rgb_and_decodes_to_the_pixels_of_the_rgba_render():
    fig = _figure()
    png = charts._png(fig)  # lays the figure out and fixes it: the reference below draws the same image
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == "RGB"
    assert not getattr(img, "text", {})  # no metadata chunks: the same Dataset gives the same bytes
    assert tuple(round(v) for v in img.info["dpi"]) == (charts.DPI, charts.DPI)
    ref = io.BytesIO()
    fig.savefig(ref, format="png", dpi=charts.DPI, facecolor="white", metadata={"Software": None})
    old = np.asarray(Image.open(ref))
    assert old.shape[-1] == 4 and (old[..., 3] == 255).all()  # matplotlib's PNG: RGBA, opaque everywhere
    new = np.asarray(img)
    assert new.shape == old.shape[:2] + (3,)
    np.testing.assert_array_equal(new, old[..., :3])
    assert len(np.unique(new.reshape(-1, 3), axis=0)) > 50  # blended and antialiased pixels, not a blank image
    assert charts._png(_figure()) == png  # deterministic bytes
