"""The knowledge base: its schema, its loader and the curator's check."""
