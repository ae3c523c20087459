"""`python -m bot` is the same as the `mypebot` command."""

from bot.cli import main

raise SystemExit(main())
