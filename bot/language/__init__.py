"""Spanish text handling shared by retrieval, matching and the knowledge checks."""
