"""Adapters: translate a platform's events into dialogue events and replies back.

They decide nothing; the dialogue does.
"""
