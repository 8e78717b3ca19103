"""The versioned registry of stage template families: identity, version, args schema and renderer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import AgilabError

TEMPLATE_KIND = "template"
RAW_PYTHON_KIND = "raw_python"


class TemplateError(AgilabError):
    """A template stage cannot be validated or rendered; the message names the template and the field."""


@dataclass(frozen=True)
class TemplatePayload:
    """The structured source of truth of a template stage; its Python is a rendered view of this."""

    template_id: str
    template_version: int
    app: str = ""
    action: str = ""
    engine: str = ""
    question: str = ""
    args: Mapping[str, Any] | None = None

    def args_dict(self) -> dict[str, Any]:
        """The args as a plain dict (empty when absent)."""
        return dict(self.args or {})


@dataclass(frozen=True)
class TemplateFamily:
    """One template family at its current version: how to validate its args and render its Python.

    ``template_id`` names the structural shape owned by orchestration (never one app's business meaning);
    ``app`` and ``action`` in the payload carry that meaning.
    """

    template_id: str
    version: int
    title: str
    description: str
    args_model: type[BaseModel]
    renderer: Callable[[TemplatePayload, BaseModel], str]
    default_engine: str = "runpy"
    default_action: str = ""
    requires_app: bool = False
    mirror_keys: Callable[[TemplatePayload, BaseModel], dict[str, Any]] | None = None
    args_from_stage: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    stores_args: bool = True

    def validate_args(self, args: Mapping[str, Any] | None) -> BaseModel:
        """Check ``args`` against the family's schema and return the parsed model."""
        try:
            return self.args_model.model_validate(dict(args or {}))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "args"
            raise TemplateError(f"{self.template_id} v{self.version}: args.{where}: {err['msg']}") from exc

    def validate(self, payload: TemplatePayload) -> BaseModel:
        """Validate the whole payload (identity, app, args) and return the parsed args."""
        if payload.template_id != self.template_id:
            raise TemplateError(f"payload is for '{payload.template_id}', not '{self.template_id}'")
        if self.requires_app and not str(payload.app).strip():
            raise TemplateError(f"{self.template_id}: the 'app' field must name the app to run")
        return self.validate_args(payload.args)

    def render(self, payload: TemplatePayload) -> str:
        """Render the payload as Python; the result always ends with a newline."""
        args = self.validate(payload)
        code = self.renderer(payload, args)
        return code if code.endswith("\n") else code + "\n"

    def extra_keys(self, payload: TemplatePayload) -> dict[str, Any]:
        """AGILab-side keys mirrored from the payload so AGILab itself can read the stage."""
        if self.mirror_keys is None:
            return {}
        return self.mirror_keys(payload, self.validate(payload))

    def stage_args(self, stage: Mapping[str, Any]) -> dict[str, Any]:
        """The args of a saved stage: its ``args`` table, or what the family reads from its own keys."""
        if self.args_from_stage is not None and "args" not in stage:
            return self.args_from_stage(stage)
        args = stage.get("args") or {}
        if not isinstance(args, Mapping):
            raise TemplateError(f"{self.template_id}: 'args' must be a table")
        return dict(args)

    def dump_args(self, args: BaseModel) -> dict[str, Any]:
        """Args as stored in TOML: unset optional fields and empty default containers left out."""
        dumped = args.model_dump(mode="json", exclude_none=True)
        return {key: value for key, value in dumped.items() if value not in ([], {}) or key == "params"}

    def args_defaults(self) -> dict[str, Any]:
        """The args a new stage of this family starts from."""
        return self.args_model().model_dump(mode="json", exclude_none=True)


class TemplateRegistry:
    """All known template families, one current version per ``template_id``."""

    def __init__(self) -> None:
        self._families: dict[str, TemplateFamily] = {}

    def register(self, family: TemplateFamily) -> TemplateFamily:
        """Add a family; registering the same id twice is a programming error."""
        if family.template_id in self._families:
            raise ValueError(f"template family '{family.template_id}' is already registered")
        if family.version < 1:
            raise ValueError(f"template family '{family.template_id}' needs a version >= 1")
        self._families[family.template_id] = family
        return family

    def get(self, template_id: str) -> TemplateFamily | None:
        """The family for ``template_id``, or None when unknown."""
        return self._families.get(str(template_id))

    def require(self, template_id: str) -> TemplateFamily:
        """The family for ``template_id``; an unknown id is a :class:`TemplateError` listing the known ones."""
        family = self.get(template_id)
        if family is None:
            known = ", ".join(sorted(self._families)) or "none"
            raise TemplateError(f"unknown stage template '{template_id}' (known: {known})")
        return family

    def ids(self) -> list[str]:
        """Registered template ids, sorted."""
        return sorted(self._families)

    def __iter__(self) -> Iterator[TemplateFamily]:
        return iter(self._families[key] for key in self.ids())

    def __contains__(self, template_id: object) -> bool:
        return isinstance(template_id, str) and template_id in self._families

    def __len__(self) -> int:
        return len(self._families)
