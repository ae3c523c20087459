"""Counters for GET /metrics, in the Prometheus text format.

Counters are per process, as Prometheus expects when it scrapes each replica;
what must agree across replicas (leads, broadcast sends) is read from the
database at scrape time instead of being counted here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Counter:
    name: str
    help: str
    label: str | None = None
    values: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def inc(self, label_value: str = "", amount: float = 1.0) -> None:
        self.values[label_value] += amount

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        if self.label is None:
            lines.append(f"{self.name} {self.values.get('', 0.0):g}")
        else:
            for value, amount in sorted(self.values.items()):
                lines.append(f'{self.name}{{{self.label}="{_escape(value)}"}} {amount:g}')
        return lines


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def gauge(name: str, help_text: str, label: str | None, values: Mapping[str, float]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    if label is None:
        lines.append(f"{name} {values.get('', 0.0):g}")
    else:
        lines += [f'{name}{{{label}="{_escape(k)}"}} {v:g}' for k, v in sorted(values.items())]
    return lines


UPDATES = Counter("mypebot_updates_received_total", "Telegram updates received.")
REPLIES = Counter("mypebot_replies_total", "Replies sent, by kind of answer.", "kind")
ERRORS = Counter("mypebot_errors_total", "Errors while handling updates, by type.", "type")
ALL = (UPDATES, REPLIES, ERRORS)
