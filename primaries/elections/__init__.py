"""Elections: loading packages and CSV files (read by primaries.formats), exporting, and the
changes the committee makes."""
