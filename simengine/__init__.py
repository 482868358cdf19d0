"""simengine: how likely is a promised digitalisation gain? A Monte Carlo engine."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
