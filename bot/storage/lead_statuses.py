"""The statuses a lead moves through, kept apart from the tables.

`bot.storage.models` imports SQLModel and SQLAlchemy; the command line needs
these names for `--status` choices while `mypebot ask` is still starting, so
they live here, where importing them costs nothing.
"""

from __future__ import annotations

LEAD_STATUSES = ("nuevo", "contactado", "en_proceso", "cerrado", "descartado")
#: A lead in one of these still needs staff; the partial unique index uses the same list.
OPEN_STATUSES = ("nuevo", "contactado", "en_proceso")
