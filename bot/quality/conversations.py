"""Conversation-level evaluation: multi-turn scripts run against the dialogue.

A question set checks single replies; owners converse ("2", "y cuánto me dan?",
"quiero hablar con alguien"), so behaviour only shows over several turns. A
script is a list of turns (what the owner types, presses or shares) with what
the replies must show. The format is adapter-neutral: the same scripts run
against the core here (`mypebot eval-chat`) and through the real Telegram
adapter and a Bot API emulator in the end-to-end tests, so a driver only has
to send a turn and report the texts and buttons that came back.

Format (YAML; see evaluation/conversations.yaml):

    scripts:
      - name: a number typed after the menu picks that option
        behaviour: option-number           # a group, for the report
        turns:
          - say: /start                    # a command or text, as typed
          - say: "2"
            expect:
              text: ['rubro']              # every regex matches the replies' text
              not_text: ['no tengo informacion']
              buttons: ['agroindustria']   # every regex matches some button label
              not_buttons: ['me sirvio']
              kind: cites                  # some reply is of this kind (core only)
          - press: 'agroindustria'         # the latest button whose label matches
          - photo: "texto de la foto"      # a photo with that caption ("" for none)
          - location: [-12.07, -75.21]
          - contact: "987654321"           # the owner's own contact card
          - restart: true                  # a new dialogue on the same database

Text and labels are compared lower-cased and without accents (like
`kb eval`), so the regexes are written without accents.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.core import Core
from bot.dialogue.conversation import Dialogue
from bot.dialogue.model import Event, Outcome, UserRef
from bot.storage.db import Database, upgrade_async

DEFAULT_SCRIPTS = Path(__file__).resolve().parents[2] / "evaluation" / "conversations.yaml"
TURN_KINDS = ("say", "press", "photo", "location", "contact", "restart")
EXPECT_KEYS = frozenset({"text", "not_text", "buttons", "not_buttons", "kind"})


class ScriptError(ValueError):
    """A script file that cannot be run as written."""


@dataclass(frozen=True)
class Observed:
    """What the owner saw after one turn."""

    texts: list[str]
    buttons: list[tuple[str, str]]  # (label, data) in reading order
    kinds: list[str] = field(default_factory=list)  # empty when the driver cannot tell


@dataclass(frozen=True)
class Turn:
    action: str  # one of TURN_KINDS
    value: Any
    expect: dict[str, Any]


@dataclass(frozen=True)
class Script:
    name: str
    behaviour: str
    turns: list[Turn]


@dataclass
class ScriptResult:
    script: Script
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


class Driver(Protocol):
    """One owner's chat with the bot, through some adapter."""

    async def send(self, turn: Turn, last: Observed | None) -> Observed: ...


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_scripts(path: Path) -> list[Script]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("scripts"), list):
        raise ScriptError(f"{path}: se esperaba una lista «scripts»")
    scripts: list[Script] = []
    names: set[str] = set()
    for n, item in enumerate(raw["scripts"], 1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("turns"):
            raise ScriptError(f"{path}: guion {n} sin «name» o sin «turns»")
        name = str(item["name"])
        if name in names:
            raise ScriptError(f"{path}: guion repetido: {name}")
        names.add(name)
        turns = [_turn(path, name, t) for t in item["turns"]]
        scripts.append(Script(name, str(item.get("behaviour") or "general"), turns))
    return scripts


def _turn(path: Path, script: str, raw: Any) -> Turn:
    if not isinstance(raw, dict):
        raise ScriptError(f"{path}: «{script}»: cada turno es un objeto")
    actions = [k for k in TURN_KINDS if k in raw]
    if len(actions) != 1:
        raise ScriptError(f"{path}: «{script}»: cada turno lleva una sola de {TURN_KINDS}")
    expect = raw.get("expect") or {}
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        raise ScriptError(f"{path}: «{script}»: claves desconocidas en expect: {sorted(unknown)}")
    for key in ("text", "not_text", "buttons", "not_buttons"):
        for pattern in expect.get(key, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ScriptError(f"{path}: «{script}»: regex inválida {pattern!r}: {exc}") from exc
    return Turn(actions[0], raw[actions[0]], expect)


def check(expect: dict[str, Any], seen: Observed) -> list[str]:
    """What the replies lack, against a turn's expectations."""
    text = fold("\n".join(seen.texts))
    labels = [fold(label) for label, _ in seen.buttons]
    problems: list[str] = []
    for pattern in expect.get("text", []):
        if not re.search(pattern, text):
            problems.append(f"falta en el texto: {pattern!r}")
    for pattern in expect.get("not_text", []):
        if re.search(pattern, text):
            problems.append(f"sobra en el texto: {pattern!r}")
    for pattern in expect.get("buttons", []):
        if not any(re.search(pattern, label) for label in labels):
            problems.append(f"falta el botón: {pattern!r}")
    for pattern in expect.get("not_buttons", []):
        if any(re.search(pattern, label) for label in labels):
            problems.append(f"sobra el botón: {pattern!r}")
    if "kind" in expect and seen.kinds and expect["kind"] not in seen.kinds:
        problems.append(f"tipo {expect['kind']!r} esperado; llegaron {seen.kinds}")
    return problems


def find_button(pattern: str, last: Observed | None) -> str:
    for label, data in reversed(last.buttons if last else []):
        if re.search(pattern, fold(label)):
            return data
    raise LookupError(f"no hay un botón {pattern!r} en pantalla")


async def run_script(script: Script, driver: Driver) -> ScriptResult:
    failures: list[str] = []
    last: Observed | None = None
    for number, turn in enumerate(script.turns, 1):
        try:
            seen = await driver.send(turn, last)
        except LookupError as exc:
            failures.append(f"turno {number}: {exc}")
            break
        if turn.action != "restart":
            last = seen
        failures += [f"turno {number} ({turn.value!r}): {p}" for p in check(turn.expect, seen)]
    return ScriptResult(script, failures)


# -- the core driver -----------------------------------------------------------------


class CoreDriver:
    """The dialogue itself, as every adapter calls it; "restart" builds a new one."""

    def __init__(self, new_dialogue: Callable[[], Dialogue], user_id: int) -> None:
        self.new_dialogue = new_dialogue
        self.dialogue = new_dialogue()
        self.user = UserRef(user_id, "Ana")

    async def send(self, turn: Turn, last: Observed | None) -> Observed:
        if turn.action == "restart":
            self.dialogue = self.new_dialogue()
            return Observed([], [])
        return observe(await self.dialogue.handle(self.event(turn, last)))

    def event(self, turn: Turn, last: Observed | None) -> Event:
        user, value = self.user, turn.value
        if turn.action == "press":
            return Event(user=user, kind="button", data=find_button(str(value), last))
        if turn.action == "photo":
            return Event(user=user, kind="media", media="photo", photo="photo-1", text=str(value))
        if turn.action == "location":
            lat, lon = value
            return Event(user=user, kind="location", latitude=float(lat), longitude=float(lon))
        if turn.action == "contact":
            return Event(user=user, kind="contact", phone=str(value), text="Ana")
        text = str(value)
        if text.startswith("/") and len(text) > 1:
            command, _, payload = text[1:].partition(" ")
            return Event(user=user, kind="command", command=command.lower(), payload=payload)
        return Event(user=user, kind="text", text=text)


def observe(outcome: Outcome) -> Observed:
    return Observed(
        texts=[r.text or r.notice for r in outcome.replies],
        buttons=[(b.label, b.data) for r in outcome.replies for row in r.buttons for b in row],
        kinds=[r.kind for r in outcome.replies if r.kind],
    )


@dataclass(frozen=True)
class Report:
    results: list[ScriptResult]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def share(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    def by_behaviour(self) -> dict[str, tuple[int, int]]:
        groups: dict[str, tuple[int, int]] = {}
        for r in self.results:
            ok, total = groups.get(r.script.behaviour, (0, 0))
            groups[r.script.behaviour] = (ok + r.passed, total + 1)
        return groups


async def run_all(
    scripts: list[Script], make_driver: Callable[[int, Script], Awaitable[Driver]]
) -> Report:
    """Each script in its own chat (a distinct user), in order."""
    results = []
    for n, script in enumerate(scripts):
        driver = await make_driver(700_000 + n, script)
        results.append(await run_script(script, driver))
    return Report(results)


async def run_on_core(scripts: list[Script], core: Core, database_url: str | None = None) -> Report:
    """The scripts against the dialogue on a database (a fresh SQLite file by default)."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'eval.sqlite3'}"
        if database_url is None:
            await upgrade_async(url)
        db = Database(url)
        try:

            async def make_driver(user_id: int, _script: Script) -> Driver:
                return CoreDriver(lambda: Dialogue(db, lambda: core), user_id)

            return await run_all(scripts, make_driver)
        finally:
            await db.dispose()


def format_report(report: Report, verbose: bool = False) -> str:
    lines = [
        f"Guiones: {report.passed}/{len(report.results)} correctos ({report.share:.1%})",
        "",
        "Por comportamiento:",
    ]
    for behaviour, (ok, total) in sorted(report.by_behaviour().items()):
        lines.append(f"  {behaviour:<22} {ok}/{total}")
    failed = [r for r in report.results if not r.passed]
    if failed:
        lines += ["", "Fallan:"]
        for r in failed:
            lines.append(f"  ✗ {r.script.name}")
            shown = r.failures if verbose else r.failures[:2]
            lines += [f"      {f}" for f in shown]
    return "\n".join(lines)
