"""Django's SQLite backend, with writers queued on a lock file beside the database
(and statements' parameter style converted once, ``CursorWrapper``).

SQLite lets one writer at a time in; a second ``BEGIN IMMEDIATE`` waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries.
Under concurrent writes most of a writer's wait was sleep after the database
had become free (four threads reporting at once: a wait of 9.7 ms on average,
up to 1.1 s, for transactions that hold the lock about 1 ms). Here a
connection first takes an exclusive ``flock`` on ``<database>-writer.lock``:
the kernel wakes the next writer the moment the last one commits or rolls
back, in any process (web, worker, beat): it is tried again after 0.05 ms,
doubling up to 1 ms, until the connection's timeout (OPTIONS ``timeout``,
SQLite's busy timeout) has passed, when it fails as SQLite would ("database is
locked"). The lock is released with the transaction, and by the kernel if the
process dies.

Only transactions (``atomic``) take it; a statement in autocommit still meets
SQLite's own lock. An in-memory database (the tests) has no file and no lock.

Checkpoints (copying the WAL back into the database file) are made in the
background (``Checkpointer``). Left to itself, SQLite makes one inside the
COMMIT that takes the WAL past ``wal_autocheckpoint`` pages, and with its two
fsyncs that commit took 20-130 ms instead of 1 (once every ~100 reports).
A thread of each process that writes checkpoints what the process wrote,
``SQLITE_CHECKPOINT_SECONDS`` after its first commit since the last one; the
commit that passes ``wal_autocheckpoint`` still checkpoints (what is left
since then, and restarting the WAL from its start) and is the safety net
should the thread fall behind.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db.backends.sqlite3 import base

from anxin.core.converted import Converted

logger = logging.getLogger(__name__)

# Statements in Django's "format" style converted to sqlite3's "qmark" style.
_qmark = Converted(kept=1024)


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, converting each statement text to sqlite3's parameter
    style once (``Converted``) rather than by a regular expression on every
    call."""

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)  # type: ignore[no-any-return]
        return _qmark(query, super().convert_query)


class Checkpointer:
    """A daemon thread that checkpoints one database file for this process:
    woken by a commit, it waits ``delay`` seconds for more commits, then runs
    a PASSIVE checkpoint (which never blocks a reader or a writer) on a
    connection of its own."""

    def __init__(self, path: str, delay: float) -> None:
        self.path = path
        self.delay = delay
        self.pid = os.getpid()
        self.checkpoints = 0  # made so far (read by tests)
        self._wrote = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sqlite-checkpoint {os.path.basename(path)}", daemon=True
        )
        self._thread.start()

    def wrote(self) -> None:
        self._wrote.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=20, isolation_level=None)
        while True:
            self._wrote.wait()
            time.sleep(self.delay)
            self._wrote.clear()
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # the commit past wal_autocheckpoint still checkpoints
                logger.warning("background checkpoint of %s failed", self.path, exc_info=True)
            else:
                self.checkpoints += 1


_checkpointers: dict[str, Checkpointer] = {}
_checkpointers_lock = threading.Lock()


def checkpointer(path: str) -> Checkpointer | None:
    """This process's checkpointer of ``path``; started on first use, and again
    in a forked child (threads do not survive a fork). None when turned off
    (``SQLITE_CHECKPOINT_SECONDS`` = 0)."""
    delay = float(getattr(settings, "SQLITE_CHECKPOINT_SECONDS", 0))
    if delay <= 0:
        return None
    found = _checkpointers.get(path)
    if found is None or found.pid != os.getpid():
        with _checkpointers_lock:
            found = _checkpointers.get(path)
            if found is None or found.pid != os.getpid():
                found = _checkpointers[path] = Checkpointer(path, delay)
    return found


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock: int | None = None  # the lock file's descriptor, per connection
    _writing = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}-writer.lock"
            self._writer_lock = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _start_transaction_under_autocommit(self) -> None:
        if self._writer_lock is not None and not self._writing:
            self._acquire(self._writer_lock)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release()
            raise

    def _commit(self) -> None:
        wrote = self._writing
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release()
        if wrote:
            found = checkpointer(str(self.settings_dict["NAME"]))
            if found is not None:
                found.wrote()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release()
            if self._writer_lock is not None:
                os.close(self._writer_lock)
                self._writer_lock = None

    def _acquire(self, lock: int) -> None:
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        pause = 0.00005
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)
            else:
                self._writing = True
                return

    def _release(self) -> None:
        if self._writing and self._writer_lock is not None:
            fcntl.flock(self._writer_lock, fcntl.LOCK_UN)
        self._writing = False
