"""Insights and the learning loop: what the bot did not understand, usage figures,
the weekly digest and the review decisions that teach the knowledge base."""
