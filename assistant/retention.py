"""Deletes stored conversations older than RETENTION_DAYS.

    python -m assistant.retention [--endpoints endpoints.yml] [--days N] [--dry-run]

Works on the SQL tracker store of the endpoints file (SQLite by default,
PostgreSQL in deploy/endpoints.yml). With N days (RETENTION_DAYS, default 30;
0 keeps everything) it deletes

- every conversation with no event in the last N days, whole;
- in conversations still going on, the events older than N days that belong
  to earlier sessions (before the latest `session_started`). Rasa only loads
  the latest session, so the conversation goes on unchanged.

scripts/run.sh runs it with `--every-hours` beside the server: when the
server starts and then every RETENTION_INTERVAL_HOURS (default 24). It prints
counts, never message text.
"""
import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

RETENTION_ENV = "RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
SESSION_STARTED = "session_started"


@dataclass(frozen=True)
class Purged:
    conversations: int
    events: int


def retention_days(value: Optional[str] = None) -> float:
    raw = value if value is not None else os.environ.get(RETENTION_ENV, "")
    days = float(raw) if str(raw).strip() else float(DEFAULT_RETENTION_DAYS)
    if days < 0:
        raise ValueError(f"{RETENTION_ENV} must be 0 (keep everything) or a number of days, not {raw!r}")
    return days


def _events_table() -> sa.Table:
    from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore.SQLEvent.__table__


def purge(engine: Engine, days: float, now: Optional[float] = None, dry_run: bool = False) -> Purged:
    """Delete what is older than `days` (see the module doc); the counts deleted."""
    events = _events_table()
    cutoff = (time.time() if now is None else now) - days * 86400
    stale = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    )
    latest = events.alias("latest")
    latest_session_start = (
        sa.select(sa.func.max(latest.c.timestamp))
        .where(latest.c.sender_id == events.c.sender_id, latest.c.type_name == SESSION_STARTED)
        .scalar_subquery()
    )
    old_sessions = sa.and_(events.c.timestamp < cutoff, events.c.timestamp < latest_session_start)
    with engine.begin() as connection:
        stale_ids = [row[0] for row in connection.execute(stale)]
        count_events = sa.select(sa.func.count()).select_from(events)
        whole = connection.execute(count_events.where(events.c.sender_id.in_(stale_ids))).scalar() if stale_ids else 0
        older = connection.execute(
            count_events.where(old_sessions, events.c.sender_id.notin_(stale_ids) if stale_ids else sa.true())
        ).scalar()
        if not dry_run:
            if stale_ids:
                connection.execute(events.delete().where(events.c.sender_id.in_(stale_ids)))
            connection.execute(events.delete().where(old_sessions))
    return Purged(conversations=len(stale_ids), events=whole + older)


def engine_from_endpoints(path: str) -> Optional[Engine]:
    """The SQL tracker store's engine of an endpoints file, or None if it has none."""
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.core.utils import AvailableEndpoints

    config = AvailableEndpoints.read_endpoints(path).tracker_store
    if config is None:
        return None
    store = TrackerStore.create(config)
    return store.engine if isinstance(store, SQLTrackerStore) else None


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--days", help=f"default: ${RETENTION_ENV}, else {DEFAULT_RETENTION_DAYS}")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    parser.add_argument("--every-hours", type=float, help="keep running and purge again this often")
    args = parser.parse_args(argv)
    days = retention_days(args.days)
    if days == 0:
        print(f"retention: {RETENTION_ENV}=0, keeping every conversation", flush=True)
        return 0
    engine = engine_from_endpoints(args.endpoints)
    if engine is None:
        print(f"retention: {args.endpoints} has no SQL tracker store, nothing to purge", flush=True)
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    while True:
        try:
            purged = purge(engine, days, dry_run=args.dry_run)
            print(
                f"retention: {verb} {purged.conversations} conversation(s) idle for over {days:g} day(s) "
                f"and {purged.events} event(s) in all",
                flush=True,
            )
        except sa.exc.SQLAlchemyError as error:
            if not args.every_hours:
                raise
            # the database may be briefly away; the next round tries again
            print(f"retention: purge failed ({type(error).__name__}), retrying later", file=sys.stderr, flush=True)
        if not args.every_hours:
            return 0
        time.sleep(args.every_hours * 3600)


if __name__ == "__main__":
    sys.exit(main())
