"""An observations file that is not a regular file is named as what it should be, in one line."""

from __future__ import annotations

import pytest

from simengine.errors import ConfigError
from simengine.scenario import observations


@pytest.mark.parametrize(
    "path, needle",
    [
        ("/dev/zero", "is a device, expected an observations file (a regular file)"),
        ("DIR", "is a directory, expected an observations file (.toml)"),
    ],
)
def test_observations_file_that_is_not_a_file(path, needle, tmp_path):
    p = tmp_path if path == "DIR" else path
    with pytest.raises(ConfigError) as exc:
        observations.load(p)
    text = str(exc.value)
    assert needle in text and "\n" not in text and str(p) in text
