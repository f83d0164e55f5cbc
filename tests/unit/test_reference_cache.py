"""The reference-data cache's freshness rule (shared/cache.py): a hit within the TTL, a reload after it,
at once after an invalidation, never with TTL 0; bounded; and a load that raced a write is not kept."""

import asyncio
import threading

import pytest
from prometheus_client import CollectorRegistry

from shared.cache import ReferenceCache
from shared.settings import ServiceSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """Stands for the database: counts the reads, answers the value currently stored."""

    def __init__(self) -> None:
        self.value = "v1"
        self.reads = 0

    def load(self) -> str:
        self.reads += 1
        return self.value


def make(ttl_s: float = 60, max_entries: int = 100, registry: CollectorRegistry | None = None):
    clock = Clock()
    return ReferenceCache(ttl_s=ttl_s, max_entries=max_entries, service="test", registry=registry, clock=clock), clock


def test_a_second_read_within_the_ttl_is_answered_from_the_cache():
    cache, clock = make(ttl_s=60)
    source = Source()
    assert cache.get("unit", "U1", source.load) == "v1"
    source.value = "v2"  # changed behind the cache's back, as another replica would
    clock.now += 59
    assert cache.get("unit", "U1", source.load) == "v1"
    assert source.reads == 1


def test_an_entry_older_than_the_ttl_is_read_again():
    cache, clock = make(ttl_s=60)
    source = Source()
    cache.get("unit", "U1", source.load)
    source.value = "v2"
    clock.now += 60
    assert cache.get("unit", "U1", source.load) == "v2"
    assert source.reads == 2


def test_invalidating_a_key_makes_the_next_read_see_the_write():
    cache, _ = make()
    unit, other = Source(), Source()
    cache.get("unit", "U1", unit.load)
    cache.get("unit", "U2", other.load)
    unit.value = "v2"
    cache.invalidate("unit", "U1")
    assert cache.get("unit", "U1", unit.load) == "v2"
    assert cache.get("unit", "U2", other.load) == "v1"
    assert other.reads == 1  # only the key written was forgotten


def test_invalidating_a_kind_forgets_all_its_keys_and_no_other_kind():
    cache, _ = make()
    units, positions = Source(), Source()
    cache.get("unit", "U1", units.load)
    cache.get("unit", "U2", units.load)
    cache.get("position", "P1", positions.load)
    cache.invalidate("unit")
    cache.get("unit", "U1", units.load)
    cache.get("unit", "U2", units.load)
    cache.get("position", "P1", positions.load)
    assert (units.reads, positions.reads) == (4, 1)


def test_ttl_zero_turns_the_cache_off():
    cache, _ = make(ttl_s=0)
    source = Source()
    cache.get("unit", "U1", source.load)
    source.value = "v2"
    assert cache.get("unit", "U1", source.load) == "v2"
    assert source.reads == 2
    assert len(cache) == 0


def test_the_cache_keeps_at_most_max_entries_dropping_the_least_recently_used():
    cache, _ = make(max_entries=2)
    source = Source()
    cache.get("unit", "A", source.load)
    cache.get("unit", "B", source.load)
    cache.get("unit", "A", source.load)  # A is now the most recently used
    cache.get("unit", "C", source.load)
    assert len(cache) == 2
    reads = source.reads
    cache.get("unit", "A", source.load)
    cache.get("unit", "C", source.load)
    assert source.reads == reads
    cache.get("unit", "B", source.load)
    assert source.reads == reads + 1


def test_a_failed_load_is_not_cached():
    cache, _ = make()
    calls = []

    def missing() -> str:
        calls.append(1)
        raise LookupError("not found")

    for _ in range(2):
        with pytest.raises(LookupError):
            cache.get("unit", "X", missing)
    assert len(calls) == 2


def test_a_load_that_raced_an_invalidation_is_not_kept():
    """A reader that read the old value before a write committed must not store it after the writer's
    invalidation: the write would stay hidden for a whole TTL."""
    cache, _ = make()
    source = Source()
    reading, written = threading.Event(), threading.Event()

    def slow_load() -> str:
        value = source.load()
        reading.set()
        written.wait(5)
        return value

    reader = threading.Thread(target=lambda: cache.get("unit", "U1", slow_load))
    reader.start()
    reading.wait(5)
    source.value = "v2"
    cache.invalidate("unit", "U1")
    written.set()
    reader.join(5)
    assert cache.get("unit", "U1", source.load) == "v2"


def test_an_async_read_follows_the_same_rule():
    """``aget`` (the async endpoints' reads): a hit within the TTL, a reload after an invalidation, and
    no entry kept from a load that overlapped one."""
    cache, _ = make()
    source = Source()

    async def load() -> str:
        return source.load()

    async def reads() -> list[str]:
        seen = [await cache.aget("person", "P1", load)]
        source.value = "v2"
        seen.append(await cache.aget("person", "P1", load))  # cached
        cache.invalidate("person", "P1")
        seen.append(await cache.aget("person", "P1", load))

        async def raced() -> str:
            value = source.load()
            cache.invalidate("person", "P1")  # a write committed while this load was under way
            return value

        source.value = "v3"
        cache.invalidate("person", "P1")
        seen.append(await cache.aget("person", "P1", raced))
        source.value = "v4"
        seen.append(await cache.aget("person", "P1", load))
        return seen

    assert asyncio.run(reads()) == ["v1", "v1", "v2", "v3", "v4"]


def test_hits_and_misses_are_exported_per_kind():
    registry = CollectorRegistry()
    cache, _ = make(registry=registry)
    source = Source()
    for _ in range(3):
        cache.get("unit", "U1", source.load)
    labels = {"service": "test", "kind": "unit"}
    assert registry.get_sample_value("reference_cache_hits_total", labels) == 2
    assert registry.get_sample_value("reference_cache_misses_total", labels) == 1


@pytest.mark.parametrize("ttl", ["-1", "3601", "nan", "inf"])
def test_the_ttl_setting_is_bounded(ttl, monkeypatch):
    monkeypatch.setenv("REFERENCE_CACHE_TTL_S", ttl)
    with pytest.raises(ValueError):
        ServiceSettings(service_name="x", http_port=8000)


def test_the_ttl_defaults_to_a_minute():
    assert ServiceSettings(service_name="x", http_port=8000).reference_cache_ttl_s == 60
