"""DigiTeller's store: SQLite through SQLAlchemy 2 (async, aiosqlite) with Alembic migrations.

The bot owns it; the engine never imports it.
"""
