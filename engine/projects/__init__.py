"""Project management: create, clone, rename, delete, import/export archives, and edit project files."""

from __future__ import annotations

from .archive import (
    ArchiveInfo,
    IgnoreRules,
    archive_dir,
    export_app,
    import_app,
    inspect_archive,
    list_archives,
)
from .files import LoadedFile, ProjectFile, editable_files, load_file, save_file, validate_text
from .lifecycle import (
    TEMPLATE_APP,
    ProjectChange,
    create_from_notebook,
    create_from_template,
    delete_app,
    rename_app,
)
from .naming import ProjectError, Spellings, normalise_app_name, rewrite_text, rewrite_tree

__all__ = [
    "TEMPLATE_APP", "ArchiveInfo", "IgnoreRules", "LoadedFile", "ProjectChange", "ProjectError", "ProjectFile",
    "Spellings", "archive_dir", "create_from_notebook", "create_from_template", "delete_app", "editable_files",
    "export_app", "import_app", "inspect_archive", "list_archives", "load_file", "normalise_app_name",
    "rename_app", "rewrite_text", "rewrite_tree", "save_file", "validate_text",
]
