"""Stage 3, the core: the numba kernel, the block driver and its executors (threads, Dask), and the memory
estimate a run is checked against."""
