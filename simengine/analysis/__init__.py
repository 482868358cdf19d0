"""Stage 4, analysis: the results Dataset and the statistics on the draws (Monte Carlo error,
sensitivity, the Shapley waterfall, deals, potential, calibration, scoring and updating)."""
