"""Answering questions: where the reply to a free-text question is chosen."""
