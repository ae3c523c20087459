"""Adapters: translate a platform's events into dialogue events and replies back.

They decide nothing; the dialogue does. The process's lifecycle (building the
services, the background loops every replica runs, stopping on a signal) is
bot/app.py's, so a new channel calls it instead of copying it. Telegram's:

- telegram_app: the handlers, the Application and its hooks, polling, `run`
- telegram_delivery: a dialogue outcome sent to Telegram (replies, staff chat, handoffs)
- telegram_render: messages cut to Telegram's limit, keyboards
- webhook: the HTTP server for webhook mode, /healthz and /metrics
- broadcast_runner, staff_notifier: the background workers that send through the bot
- telegram_sender, telegram_http, lenient_bot, ordering: Bot API plumbing
- terminal: the terminal chat
"""
