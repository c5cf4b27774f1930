"""SQLite storage through one aiosqlite connection."""
