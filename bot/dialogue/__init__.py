"""The conversation, independent of any chat platform: events in, replies out."""
