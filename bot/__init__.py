"""mypebot: a Telegram assistant for Peru's micro and small businesses (MYPE)."""

__version__ = "0.1.0"
