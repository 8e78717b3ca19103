"""The WORKFLOW page: its screen, sections and dialogs."""
