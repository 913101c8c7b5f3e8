"""Concurrent single-event writers for the peer comparisons: one thread per connection.

A writer is a callable that writes one event to the stream (or account) it is given, on a
connection of its own. :func:`together` turns writers into one benchmark trial: every writer
starts at once (a barrier), writes `per_writer` events to keys drawn at random from its own
list, and the trial ends when the last one is done. Both sides of a comparison go through it,
so the harness costs them alike.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

K = TypeVar("K")
Writer = Callable[[K], object]

__all__ = ["together"]


def together(writers: Sequence[Writer[K]], keys: Sequence[Sequence[K]], per_writer: int) -> Callable[[], None]:
    """A trial: writer i writes `per_writer` events to keys drawn from keys[i], all writers at once."""
    if len(writers) != len(keys) or not all(keys):
        raise ValueError("every writer needs a non-empty list of keys")
    rngs = [random.Random(i) for i in range(len(writers))]

    def trial() -> None:
        barrier = threading.Barrier(len(writers) + 1)
        errors: list[BaseException] = []

        def run(i: int) -> None:
            own, rng, write = keys[i], rngs[i], writers[i]
            barrier.wait()
            try:
                for _ in range(per_writer):
                    write(own[0] if len(own) == 1 else rng.choice(own))
            except BaseException as error:  # re-raised in the caller's thread below
                errors.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writers))]
        for thread in threads:
            thread.start()
        barrier.wait()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    return trial
