"""User-facing text, one module per language."""
