"""Rasa's SQL tracker store, tuned for the default embedded SQLite database.

endpoints.yml: `tracker_store: type: assistant.tracker_store.SQLTrackerStore`
with Rasa's SQL settings (`dialect: sqlite`, `db: var/conversations.db`).

With SQLite's defaults (rollback journal, `synchronous=FULL`) every message's
commit waits for several fsyncs, and Rasa commits inside the server's event
loop: under load the commits were a quarter of the Rasa server's time
(py-spy, `make bench --profile`). This store switches the database to
write-ahead logging with `synchronous=NORMAL`: a commit no longer waits for
the disk, the database stays consistent after a crash, and a power cut can
lose at most the last moments of conversations. It also waits up to 30 s for
a lock held by another process (the retention purge) instead of failing.
Other dialects (PostgreSQL in deploy/endpoints.yml) are left as Rasa makes
them.
"""
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core import tracker_store
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=30000")


class SQLTrackerStore(tracker_store.SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a SQLite file for every session
            # (NullPool), and closing the last connection checkpoints the
            # log to disk: keep connections open in a pool instead.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=QueuePool, pool_size=2, max_overflow=2,
                connect_args={"check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
