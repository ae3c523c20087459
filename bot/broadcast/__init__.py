"""Broadcasts: staff announcements to subscribers, within Telegram's limits.

This package is core: it talks to Telegram only through the `Sender` protocol
(`bot.broadcast.sender`), so it never imports python-telegram-bot and can be
driven by the bot, the CLI or a test alike. The python-telegram-bot sender
lives in `bot.adapters.telegram_sender`.

Modules, one job each:
    sender   the Sender protocol and the SendResult it returns
    phrases  Spanish strings and `render`, the exact text recipients see
    pacing   the clock, the global rate limit and the retry backoff
    quiet    quiet hours in America/Lima
    engine   `run_campaign`: claims the lease and works the campaign
    report   turning counts and run reports into Spanish lines for staff
    control  what staff do with a campaign (create, run, resume, pause, cancel, look),
             through a Sender the caller hands in; `mypebot broadcast` is bot/cli/broadcast.py
"""
