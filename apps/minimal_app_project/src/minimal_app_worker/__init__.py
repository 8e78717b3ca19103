"""Worker side of the minimal template app."""
