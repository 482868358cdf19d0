"""The numpy reference model, now :mod:`simengine.testing`; re-exported here for existing imports."""

from simengine.testing import *  # noqa: F403
from simengine.testing import simulate_reference, simulate_reference_chunked  # noqa: F401
