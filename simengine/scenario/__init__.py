"""Stage 1, the scenario: reading and validating scenario files (TOML and workbooks), extends chains and
variants, the municipality table, the caps the kernel relies on, the observations schema."""
