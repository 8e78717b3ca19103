"""Stand-in for AGILab's ``agilab`` package, seen only by our stage subprocesses.

Its folder is appended (never prepended) to a stage's ``sys.path``, so a stage running in a venv that
has the real AGILab imports the real one; elsewhere ``from agilab.tracking import tracker`` works
and logs to this workspace's MLflow store.
"""
