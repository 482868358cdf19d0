"""Limits on what one run may ask for, checked up front by simengine.core.driver.RunOptions and the
scenario loader (importing this module is cheap: the command line checks its options before the
heavy libraries load)."""

#: draws of one run, from the scenario file, ``--draws``, ``--max-draws``, ``--block-draws`` or the
#: Python API. The kernel counts each thread's histograms in int32: a thread never sees more draws
#: than a run has, so this cap (below 2^31) is what keeps those counts from overflowing.
MAX_DRAWS = 1_000_000_000
assert MAX_DRAWS < 2**31
#: seeds are in [0, MAX_SEED]
MAX_SEED = 2**63 - 1
#: ``--connect-timeout`` in seconds (an hour)
MAX_CONNECT_TIMEOUT = 3600.0
