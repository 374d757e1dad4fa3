"""Developer tool: regenerate the initial migration from the models.

Until the first release the schema is one migration (0001). Run
``python -m services.store.regen_migration`` after changing models.py;
after a release, add new revisions with alembic instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from services.store.db import MIGRATIONS_DIR, Database


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "empty.sqlite")
        cfg = db._alembic_config()
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        db.dispose()
    print("regenerated", next(versions.glob("0001_*.py")))


if __name__ == "__main__":
    main()
