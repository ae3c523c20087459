"""Reads knowledge/ into typed objects, collecting every problem in one pass.

Curators fix files in batches, so the loader never stops at the first error: it
keeps going, records each problem with the file and line a person would open,
and returns whatever loaded cleanly alongside the list of problems.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.knowledge.schema import (
    Cite,
    Decision,
    Entry,
    Region,
    Routing,
    SmallTalk,
    SynonymGroup,
    Vocabulary,
)

MORE_HEADING = "## Ver más"
FIELD_NAMES_ES = {
    "id": "id",
    "title": "título (title)",
    "questions": "preguntas (questions)",
    "sources": "fuentes (sources)",
    "reviewed": "fecha de revisión (reviewed)",
    "answer": "respuesta (el texto bajo el encabezado)",
}

M = TypeVar("M", bound=BaseModel)


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


Keyed = TypeVar("Keyed", bound=_Identified)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


@dataclass(frozen=True)
class Problem:
    level: str  # "error" | "warning"
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        label = "ERROR" if self.level == "error" else "AVISO"
        return f"{label} {where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "file": self.file, "line": self.line, "message": self.message}


@dataclass
class KnowledgeBase:
    """Everything the bot knows, validated; immutable once built."""

    entries: dict[str, Entry] = field(default_factory=dict)
    cites: dict[str, Cite] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    sectors: dict[str, Vocabulary] = field(default_factory=dict)
    needs: dict[str, Vocabulary] = field(default_factory=dict)
    synonyms: list[SynonymGroup] = field(default_factory=list)
    smalltalk: SmallTalk = field(default_factory=SmallTalk)
    routing: Routing = field(default_factory=Routing)
    decision: Decision | None = None  # None: the hand-set bands decide
    entry_files: dict[str, str] = field(default_factory=dict)
    # Ids of entry files that failed to load: references to them are not errors twice.
    broken_entry_ids: set[str] = field(default_factory=set)
    digest: str = ""

    @property
    def question_count(self) -> int:
        return sum(len(e.questions) for e in self.entries.values())


@dataclass
class LoadResult:
    kb: KnowledgeBase
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


class YamlLines:
    """Maps a pydantic error location to the line of a YAML document."""

    def __init__(self, text: str, offset: int = 0) -> None:
        self.offset = offset
        self._text = text
        self._root: yaml.Node | None = None
        self._composed = False

    @property
    def root(self) -> yaml.Node | None:
        # Composing keeps positions but is slow; only done when a problem needs a line.
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self._text, Loader=_Loader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def line(self, loc: Iterable[Any]) -> int | None:
        node = self.root
        best = node.start_mark.line if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((kv for kv in node.value if kv[0].value == key), None)
                if found is None:
                    break
                best = found[0].start_mark.line
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    break
                node = node.value[key]
                best = node.start_mark.line
            else:
                break
        return None if best is None else best + 1 + self.offset


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _describe(error: ErrorDetails) -> str:
    loc = [str(part) for part in error["loc"]]
    name = FIELD_NAMES_ES.get(loc[0], loc[0]) if loc else "?"
    where = name + ("".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:]))
    kind = error["type"]
    if kind == "missing":
        return f"falta el campo {where}"
    if kind == "extra_forbidden":
        return f"el campo {where} no existe en el formato (¿error de tipeo?)"
    if kind == "too_short":
        return f"{where} tiene muy pocos elementos ({error.get('msg', '')})"
    if kind.startswith("date"):
        return f"{where} debe ser una fecha AAAA-MM-DD"
    if kind.startswith("url"):
        return f"{where} debe ser una dirección web completa (https://...)"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length", "?")
        return (
            f"{where} es demasiado largo: como máximo {limit} caracteres (viaja dentro de un botón)"
        )
    if kind == "string_pattern_mismatch":
        return f"{where} solo admite minúsculas, números, guiones y guiones bajos"
    return f"{where}: {error.get('msg', 'valor inválido')}"


def _validate(
    model: type[M],
    data: Any,
    file: str,
    lines: YamlLines,
    loc_prefix: tuple[Any, ...],
    problems: list[Problem],
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = loc_prefix + tuple(error["loc"])
            problems.append(Problem("error", file, lines.line(loc), _describe(error)))
        return None


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, line where the body starts) or None."""
    if not text.startswith("---"):
        return None
    lines = text.splitlines(keepends=True)
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    return None


def _read(path: Path, rel: str, problems: list[Problem]) -> tuple[bytes, str] | None:
    """The file's bytes and text, or None after recording why it cannot be read.

    Curators edit on Windows too, where editors may save in Latin-1 or a folder
    may end up where a file belongs: the problem names the file and says what
    to do, instead of stopping the whole load with a bare decoding error.
    """
    if path.is_dir():
        problems.append(
            Problem("error", rel, None, "es una carpeta, pero aquí debe ir un archivo: muévala")
        )
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        problems.append(Problem("error", rel, None, f"no se puede leer el archivo ({reason})"))
        return None
    try:
        return raw, raw.decode("utf-8-sig")  # -sig: a BOM from Notepad is still UTF-8
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                "error",
                rel,
                line,
                "el archivo no está guardado en UTF-8 (tiene un carácter que no se puede leer): "
                "ábralo en su editor y guárdelo con la codificación «UTF-8»",
            )
        )
        return None


def _load_entry(text: str, rel: str, problems: list[Problem]) -> Entry | None:
    parts = split_front_matter(text)
    if parts is None:
        problems.append(
            Problem(
                "error", rel, 1, "el archivo debe empezar con '---', los datos y otra línea '---'"
            )
        )
        return None
    front, body, _body_line = parts
    try:
        data = _parse(front) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problems.append(
            Problem(
                "error", rel, line, f"los datos del encabezado no se pueden leer: {_one_line(exc)}"
            )
        )
        return None
    if not isinstance(data, dict):
        problems.append(
            Problem("error", rel, 2, "el encabezado debe ser una lista de campos clave: valor")
        )
        return None
    answer, _, more = body.partition(MORE_HEADING)
    data = {**data, "answer": answer.strip(), "more": more.strip() or None}
    return _validate(Entry, data, rel, YamlLines(front, offset=1), (), problems)


def _load_list(
    text: str, rel: str, model: type[M], problems: list[Problem]
) -> list[tuple[M, int | None]]:
    try:
        data = _parse(text) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(
            Problem(
                "error",
                rel,
                mark.line + 1 if mark else None,
                f"no se puede leer el YAML: {_one_line(exc)}",
            )
        )
        return []
    if not isinstance(data, list):
        problems.append(
            Problem("error", rel, 1, "debe ser una lista de elementos que empiezan con '- '")
        )
        return []
    lines = YamlLines(text)
    items: list[tuple[M, int | None]] = []
    for index, item in enumerate(data):
        parsed = _validate(model, item, rel, lines, (index,), problems)
        if parsed is not None:
            items.append((parsed, lines.line((index,))))
    return items


def _index(
    items: list[tuple[Keyed, int | None]], rel: str, what: str, problems: list[Problem]
) -> dict[str, Keyed]:
    result: dict[str, Keyed] = {}
    for item, line in items:
        key = item.id
        if key in result:
            problems.append(Problem("error", rel, line, f"el id '{key}' de {what} está repetido"))
            continue
        result[key] = item
    return result


def load_knowledge(root: Path) -> LoadResult:
    """Load and validate every file under `root`; check references between them."""
    problems: list[Problem] = []
    kb = KnowledgeBase()
    digest = hashlib.sha256()

    entries_dir = root / "entries"
    if not entries_dir.is_dir():
        problems.append(Problem("error", "entries/", None, "falta la carpeta de entradas"))
    for path in sorted(entries_dir.glob("*.md")) if entries_dir.is_dir() else []:
        rel = f"entries/{path.name}"
        read = _read(path, rel, problems)
        if read is not None:
            digest.update(read[0])
        entry = None if read is None else _load_entry(read[1], rel, problems)
        if entry is None:
            kb.broken_entry_ids.add(path.stem)
            continue
        if entry.id in kb.entries:
            problems.append(
                Problem("error", rel, 2, f"el id '{entry.id}' ya lo usa {kb.entry_files[entry.id]}")
            )
            continue
        kb.entries[entry.id] = entry
        kb.entry_files[entry.id] = rel

    loaded: dict[str, Any] = {}
    for name, model in (
        ("cites", Cite),
        ("regions", Region),
        ("sectors", Vocabulary),
        ("needs", Vocabulary),
        ("synonyms", SynonymGroup),
    ):
        rel, path = f"{name}.yaml", root / f"{name}.yaml"
        if not path.exists():
            problems.append(Problem("error", rel, None, "falta este archivo"))
        read = _read(path, rel, problems) if path.exists() else None
        if read is not None:
            digest.update(read[0])
        loaded[name] = [] if read is None else _load_list(read[1], rel, model, problems)

    kb.cites = _index(loaded["cites"], "cites.yaml", "CITE", problems)
    kb.regions = _index(loaded["regions"], "regions.yaml", "región", problems)
    kb.sectors = _index(loaded["sectors"], "sectors.yaml", "sector", problems)
    kb.needs = _index(loaded["needs"], "needs.yaml", "necesidad", problems)
    kb.synonyms = [item for item, _ in loaded["synonyms"]]

    smalltalk = _load_object(root, "smalltalk.yaml", SmallTalk, digest, problems)
    if smalltalk is not None:
        kb.smalltalk = smalltalk
    routing = _load_object(root, "routing.yaml", Routing, digest, problems)
    if routing is not None:
        kb.routing = routing
    kb.decision = _load_object(root, "decision.yaml", Decision, digest, problems)

    _check_references(kb, loaded, problems)
    kb.digest = digest.hexdigest()[:12]
    return LoadResult(kb, problems)


def _load_object(
    root: Path, rel: str, model: type[M], digest: Any, problems: list[Problem]
) -> M | None:
    """An optional file holding one object (smalltalk.yaml, routing.yaml)."""
    path = root / rel
    read = _read(path, rel, problems) if path.exists() else None
    if read is None:
        return None
    raw, text = read
    digest.update(raw)
    try:
        data = _parse(text) or {}
    except yaml.YAMLError as exc:
        problems.append(Problem("error", rel, None, f"no se puede leer el YAML: {_one_line(exc)}"))
        return None
    return _validate(model, data, rel, YamlLines(text), (), problems)


def _cites_error(line: int | None, message: str) -> Problem:
    return Problem("error", "cites.yaml", line, message)


def _check_references(kb: KnowledgeBase, loaded: dict[str, Any], problems: list[Problem]) -> None:
    for entry_id, entry in kb.entries.items():
        for related in entry.related:
            if related not in kb.entries and related not in kb.broken_entry_ids:
                problems.append(
                    Problem(
                        "error",
                        kb.entry_files[entry_id],
                        None,
                        f"'related' menciona la entrada '{related}', que no existe",
                    )
                )
    for cite, line in loaded["cites"]:
        for sector in cite.sectors:
            if sector not in kb.sectors:
                problems.append(
                    _cites_error(line, f"{cite.id}: el sector '{sector}' no está en sectors.yaml")
                )
        if cite.region not in kb.regions:
            problems.append(
                _cites_error(line, f"{cite.id}: la región '{cite.region}' no está en regions.yaml")
            )
        for service in cite.services:
            for tag in service.tags:
                if tag not in kb.needs:
                    problems.append(
                        _cites_error(
                            line,
                            f"{cite.id}: el servicio '{service.name}' usa la necesidad '{tag}', "
                            "que no está en needs.yaml",
                        )
                    )
