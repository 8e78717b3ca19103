"""The ORCHESTRATE page: its screen, sections and dialogs."""
