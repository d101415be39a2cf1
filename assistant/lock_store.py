"""A Redis lock store that is safe with several Rasa servers (deploy/endpoints.yml).

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket lock as one JSON
value and changes it with a plain GET, change, SET. When two servers get a
message of the same conversation at the same moment, both read the lock
before either writes it back, both draw the same ticket and both handle their
message at once; the SQL tracker store then keeps only one of the two turns
(RasaHQ/rasa#9213; a fix was merged in #11256 and reverted in #11428, and
never shipped in Rasa Open Source). tests/test_scale_out.py loses messages
that way with Rasa's class.

`RedisLockStore` here does every change of a lock (drawing a ticket, dropping
expired ones, finishing and deleting) as one Redis transaction (WATCH/MULTI/
EXEC, retried when another server changed the lock in between), so tickets
are unique and served in order across servers. It also polls for its turn
every LOCK_POLL_SECONDS (default 0.05) instead of every second. Configure it
as `lock_store: type: assistant.lock_store.RedisLockStore` with Rasa's redis
settings (url, port, db, password, key_prefix, ...).
"""
import json
import logging
import os
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, Tuple

import redis
from rasa.core import lock_store
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL_SECONDS = float(os.environ.get("LOCK_POLL_SECONDS", "0.05"))

# What a change does with the lock: the lock to save (None: leave it), the
# value to return, and whether to delete the lock instead.
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any, bool]]


class RedisLockStore(lock_store.RedisLockStore):
    """Rasa's Redis lock store with atomic lock updates."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # as Rasa creates a lock store named by module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _atomically(self, conversation_id: Text, change: Change) -> Any:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result, delete = change(lock)
                    pipe.multi()
                    if delete:
                        pipe.delete(key)
                    elif new_lock is not None:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock: read it again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Tuple[TicketLock, int, bool]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime), False

        try:
            return self._atomically(conversation_id, change)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None, bool]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None, False

        self._atomically(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None, bool]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None, False

        self._atomically(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish the ticket; delete the lock in the same step if no one else waits."""

        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None, bool]:
            if not lock:
                return None, None, False
            lock.remove_ticket_for(ticket_number)
            return lock, None, not lock.is_someone_waiting()

        self._atomically(conversation_id, change)

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as ticket_lock:
            yield ticket_lock
