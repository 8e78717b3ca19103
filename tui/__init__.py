"""agilab-tui: the Textual front end of the AGILab workbench model (PROJECT, ORCHESTRATE, WORKFLOW, ANALYSIS).

Importing this package loads nothing heavy; ``tui.app`` (Textual) is imported only when the UI starts.
"""
