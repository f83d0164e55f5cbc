"""A per-process cache of reference data (units, positions, competencies, the directory, programmes)
read on hot paths, with one freshness rule:

- a service's own writes to that data invalidate it at once (the write path calls ``invalidate``), so
  whatever the same process changed is seen by its next read;
- changes this process did not make (another replica, a direct database change) are seen once the
  entry is older than the TTL (``REFERENCE_CACHE_TTL_S``); ``0`` turns the cache off.

Entries are bounded (least recently used go first) and the cache is safe across threads. A value is
loaded outside the lock, so a slow database read never blocks other keys; a load that overlapped an
invalidation of its kind is returned but not kept, so a write is never hidden by the read it raced.
Cached values are shared between callers: store immutable ones (frozen dataclasses, tuples, ...).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from prometheus_client import CollectorRegistry, Counter

V = TypeVar("V")
_MISSING = object()


class ReferenceCache:
    def __init__(
        self,
        *,
        ttl_s: float,
        max_entries: int,
        service: str,
        registry: CollectorRegistry | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._service = service
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, Hashable], tuple[float, Any]] = OrderedDict()
        # Bumped by every invalidation of a kind: a load started before it is not stored.
        self._generations: dict[str, int] = {}
        registry = registry or CollectorRegistry()
        self._hits = Counter(
            "reference_cache_hits",
            "Reference-data reads answered from the cache",
            ["service", "kind"],
            registry=registry,
        )
        self._misses = Counter(
            "reference_cache_misses",
            "Reference-data reads that went to the database (absent, expired, or the cache is off)",
            ["service", "kind"],
            registry=registry,
        )

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, kind: str, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value of ``(kind, key)``, else ``load()``'s, kept for the TTL. An exception from
        ``load`` (e.g. not found) is not cached."""
        found, generation, now = self._find(kind, key)
        if found is not _MISSING:
            return cast(V, found)
        return self._keep(kind, key, load(), generation, now)

    async def aget(self, kind: str, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        """``get`` with an async ``load``."""
        found, generation, now = self._find(kind, key)
        if found is not _MISSING:
            return cast(V, found)
        return self._keep(kind, key, await load(), generation, now)

    def _find(self, kind: str, key: Hashable) -> tuple[Any, int | None, float]:
        """The fresh cached value (else _MISSING), the kind's generation before the load, and the time."""
        now = self._clock()
        if not self.enabled:
            self._misses.labels(self._service, kind).inc()
            return _MISSING, None, now
        with self._lock:
            entry = self._entries.get((kind, key))
            if entry is not None and now - entry[0] < self.ttl_s:
                self._entries.move_to_end((kind, key))
                self._hits.labels(self._service, kind).inc()
                return entry[1], None, now
            generation = self._generations.get(kind, 0)
        self._misses.labels(self._service, kind).inc()
        return _MISSING, generation, now

    def _keep(self, kind: str, key: Hashable, value: V, generation: int | None, now: float) -> V:
        """Kept unless the cache is off or an invalidation of the kind overlapped the load."""
        if generation is None:
            return value
        with self._lock:
            if self._generations.get(kind, 0) == generation:
                self._entries[(kind, key)] = (now, value)
                self._entries.move_to_end((kind, key))
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def invalidate(self, kind: str, key: Hashable | None = None) -> None:
        """Forget ``key`` of ``kind``, or every key of it (``None``: an import, or a write that changes
        what several keys answer)."""
        with self._lock:
            self._generations[kind] = self._generations.get(kind, 0) + 1
            if key is not None:
                self._entries.pop((kind, key), None)
            else:
                for stale in [k for k in self._entries if k[0] == kind]:
                    del self._entries[stale]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
