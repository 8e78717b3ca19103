"""The dag panel of WORKFLOW."""
