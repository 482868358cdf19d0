"""The commands: argument parsing (main), a whole run (runner), paired comparisons (compare), sweeps
(sweep), reproducing a run (check), questions to a results file (ask)."""
