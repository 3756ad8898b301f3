"""Elections: package and CSV formats, loading, exporting and the changes the committee makes."""
