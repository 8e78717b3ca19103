"""The PROJECT page: its screen, sections and dialogs."""
