"""The assistant panel of WORKFLOW."""
