"""Worker side of the compute-heavy pandas app."""
