"""The ANALYSIS page: its screen, sections and dialogs."""
