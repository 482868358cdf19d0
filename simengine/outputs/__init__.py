"""Stage 5, outputs: the atomic output folder, results.nc storage, summary.parquet rows, terminal tables,
labels in Danish and English, progress, and the HTML report and workbooks."""
