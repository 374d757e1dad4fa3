"""Local SQLite store: models, engine/session, migrations."""
