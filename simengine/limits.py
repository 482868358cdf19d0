"""Limits on what one run may ask for, checked up front (importing this module is cheap: the
command line checks ``--draws`` before the heavy libraries load)."""

#: draws of one run, from the scenario file or from ``--draws`` / ``--max-draws``
MAX_DRAWS = 1_000_000_000
