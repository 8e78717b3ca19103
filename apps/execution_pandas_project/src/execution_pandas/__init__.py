"""Manager side of the compute-heavy pandas app."""
