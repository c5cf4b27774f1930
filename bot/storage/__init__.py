"""Storage: one interface (db.py), SQLite (sqlite.py) or PostgreSQL (postgres.py)."""
