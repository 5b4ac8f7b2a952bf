"""Writing one batch while the next is prepared: the database's time and Python's overlap.

A job that checks a batch in Python, then waits for the database to write it, spends
as long waiting as working. In a pipeline the writes run in a thread of their own, with
a database connection of its own, while the caller prepares the next batch (the wait
for the database releases the GIL):

    with pipeline() as writer:
        for batch in batches:
            checked = check(batch)          # meanwhile, the previous batch is written
            writer.run(write, checked)      # waits for the previous write, hands this one
        # leaving the block waits for the last write; its error is raised here

At most one piece of work waits or runs in the thread, so that memory holds two batches
at most and an error stops the caller at its next batch. An error of the thread's is
raised in the caller (at its next `run`, `wait`, or when the block ends). The thread
runs each piece in a copy of the caller's context (context variables), with the
caller's current request and user (crum) and in its language, and closes its
connections when the block ends.

`writer.atomic()` opens a transaction in the thread around what is run in it
meanwhile: committed when the block ends, rolled back when the block raises.

The connection of the thread cannot see what the caller's has not committed: a pipeline
is made only where the caller is outside any transaction, on PostgreSQL (SQLite writes
one transaction at a time). Elsewhere (`Inline`) the same calls run at once, in the
caller's thread and transaction.
"""

import contextvars
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from crum import get_current_request, get_current_user, impersonate, set_current_request
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import translation

logger = logging.getLogger(__name__)


class Inline:
    """The calls of a pipeline, run at once in the caller's thread."""

    threaded = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def run(self, function, *args, **kwargs) -> None:
        function(*args, **kwargs)

    def wait(self) -> None:
        return None

    def atomic(self):
        return transaction.atomic()


class Pipeline:
    """Runs what it is handed in a thread of its own, one piece at a time (see the
    module)."""

    threaded = True

    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline")
        self._pending: Future | None = None
        self._request = get_current_request()
        self._user = get_current_user()
        self._language = translation.get_language()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self.wait()
            else:
                self._drain()
        finally:
            self._executor.submit(connections.close_all).result()
            self._executor.shutdown()
        return None

    def run(self, function, *args, **kwargs) -> None:
        """Hand `function(*args, **kwargs)` to the thread, once what it was handed
        before has ended (whose error is raised here, this one not run)."""
        self.wait()
        context = contextvars.copy_context()
        self._pending = self._executor.submit(context.run, self._call, function, args, kwargs)

    def wait(self) -> None:
        """Wait for what runs in the thread to end; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _drain(self) -> None:
        """Wait for what runs in the thread, the caller having failed: its error is
        logged, the caller's raised."""
        try:
            self.wait()
        except BaseException:
            logger.exception("A pipeline's write failed after its caller did")

    def _call(self, function, args, kwargs):
        set_current_request(self._request)
        try:
            with impersonate(self._user), translation.override(self._language):
                return function(*args, **kwargs)
        finally:
            set_current_request(None)

    @contextmanager
    def atomic(self):
        """A transaction of the thread's around what is run in it within the block."""
        block = transaction.atomic()
        self.run(block.__enter__)
        try:
            yield
            self.wait()
        except BaseException as exc:
            self._drain()
            self.run(block.__exit__, type(exc), exc, exc.__traceback__)
            self.wait()
            raise
        self.run(block.__exit__, None, None, None)
        self.wait()


def pipeline(using: str = DEFAULT_DB_ALIAS) -> Pipeline | Inline:
    """A pipeline where the caller's connection allows one (see the module), else the
    same calls run inline."""
    connection = connections[using]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return Pipeline()
    return Inline()
