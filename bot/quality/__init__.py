"""Quality tools: how well the bot answers, measured on labelled sets and conversation scripts.

Not used by the running bot: `mypebot kb eval`, `mypebot eval-chat`, the tests and the
benchmarks call them.
"""
