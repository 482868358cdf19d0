"""The report and workbook in FTE (årsværk) instead of mio. kr.: ``run/report --unit fte``.

Staff freed is the gain divided by the scenario's ``cost_per_fte`` (as ``fte_quantile`` in the
results). The report's code shows money as DKK / 10^6, so :func:`fte_view` rescales every DKK
variable of the Dataset (and the DKK attributes of the waterfall, tornado and service cut) by
10^6 / cost_per_fte: what the report divides by 10^6 is then FTE. A value per inhabitant becomes
FTE per million inhabitants. :class:`FteLabels` writes the units accordingly ("årsværk" / "FTE"
where the labels say "mio. kr." / "DKK m"). Probabilities do not change: P(target) is the same in
FTE. The assumptions table keeps the scenario's own amounts (they are inputs, in kr.).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from simengine.outputs.labels import Labels

#: DKK-valued attributes of results variables (waterfall start/end, tornado base, cut threshold)
MONEY_ATTRS = ("start", "end", "base", "threshold")

#: Danish words for an amount of money that read wrong of a number of staff ("beløb"), before the units
AMOUNT_WORDS_DA = (
    ("Beløb der kan disponeres", "Årsværk der kan disponeres"),
    ("det beløb, gevinsten", "det antal årsværk, gevinsten"),
    ("Beløbet, gevinsten", "Antallet af årsværk, gevinsten"),
    ("beløbet, gevinsten", "antallet af årsværk, gevinsten"),
    ("Beløbet med 90 % sikkerhed", "Antallet af årsværk med 90 % sikkerhed"),
    ("Det beløb, gevinsten", "Det antal årsværk, gevinsten"),
    ("det største beløb", "det største antal årsværk"),
    ("Det største beløb", "Det største antal årsværk"),
    ("Beløb, som landsgevinsten når", "Årsværk, som landsgevinsten når"),
    ("Kommunernes beløb", "Kommunernes tal"),
    ("for ethvert beløb x", "for ethvert antal årsværk x"),
    ("Prikkerne er beløbene", "Prikkerne er antallene af årsværk"),
    ("Andre beløb:", "Andre tal:"),
)

REPLACE = {
    "da": (
        *AMOUNT_WORDS_DA,
        ("mio. kr. pr. år", "årsværk"),
        ("mio. kr. pr. kommune", "årsværk pr. kommune"),
        ("kr. pr. indbygger", "årsværk pr. mio. indbyggere"),
        ("kr. pr. indb.", "årsværk pr. mio. indb."),
        (
            "Alle beløb er gevinster i årsværk i faste priser",
            "Alle tal er frigjorte årsværk pr. år (gevinst / pris pr. årsværk)",
        ),
        ("Beløb i årsværk i faste priser", "Tal i frigjorte årsværk (gevinst / pris pr. årsværk)"),
        ("mio. kr.", "årsværk"),
    ),
    "en": (
        ("DKK million per year at fixed prices", "FTE freed per year (gain / cost per FTE)"),
        ("DKK m per year", "FTE"),
        ("DKK per inhabitant", "FTE per million inhabitants"),
        ("DKK per inh.", "FTE per million inh."),
        ("DKK m", "FTE"),
        ("DKK million", "FTE"),
    ),
}


def cost_per_fte(ds: xr.Dataset) -> float:
    cpf = float(ds.attrs.get("cost_per_fte") or 0.0)
    if cpf <= 0:
        from simengine.analysis.results import _table_unit

        cpf, _ = _table_unit(ds, "fte")
    return cpf


def fte_view(ds: xr.Dataset) -> xr.Dataset:
    """The Dataset with every DKK quantity rescaled so that value / 10^6 is FTE."""
    cpf = cost_per_fte(ds)
    if not cpf > 0 or cpf == 1e6:
        return ds
    k = 1e6 / cpf
    out = ds.copy()
    out.attrs = dict(ds.attrs)
    for name in list(out.data_vars):
        da = out[name]
        if str(da.attrs.get("units", "")).startswith("DKK") and np.issubdtype(da.dtype, np.number):
            attrs = dict(da.attrs)
            for a in MONEY_ATTRS:
                if a in attrs and isinstance(attrs[a], (int, float, np.number)) and not isinstance(attrs[a], bool):
                    attrs[a] = float(attrs[a]) * k
            out[name] = da * k
            out[name].attrs = attrs
    for name in list(out.data_vars):  # an interval's attributes follow its variable's units
        da = out[name]
        if str(da.attrs.get("units", "")) == "1" and "threshold" in da.attrs:  # P(service cut > X)
            out[name].attrs = {**da.attrs, "threshold": float(da.attrs["threshold"]) * k}
    if "cut_threshold" in out.attrs:
        out.attrs["cut_threshold"] = float(out.attrs["cut_threshold"]) * k
    out.attrs["report_unit"] = "fte"
    return out


class FteLabels(Labels):
    """Labels whose money units read FTE (årsværk); numbers are those of :func:`fte_view`."""

    unit = "fte"

    def __call__(self, key: str, **fields) -> str:
        text = super().__call__(key, **fields)
        for a, b in REPLACE[self.lang]:
            text = text.replace(a, b)
        return text

    def mio_value(self, dkk: float) -> str:
        if dkk is None or (isinstance(dkk, float) and np.isnan(dkk)):
            return "–"
        m = float(dkk) / 1e6
        return self.num(m, 1 if 0 < abs(m) < 10 else 0)

    def mio(self, dkk: float) -> str:
        return f"{self.mio_value(dkk)} {'årsværk' if self.lang == 'da' else 'FTE'}"

    def given_value(self, dkk: float) -> str:  # a threshold converted to FTE: not a number the user typed
        return self.mio_value(dkk)

    def kr(self, value: float) -> str:  # a value per inhabitant: FTE per million inhabitants
        return f"{self.num(value, 1)} {'årsværk' if self.lang == 'da' else 'FTE'}"

    def mio_unit(self, text: str) -> str:
        return f"{text} {'årsværk' if self.lang == 'da' else 'FTE'}"
