"""Manager side of the minimal template app."""
