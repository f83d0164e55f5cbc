"""Which addresses a webhook may call (services/notifications/destinations.py)."""

import pytest

from services.notifications.destinations import DestinationPolicy, UnsafeDestination, non_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback: the service's own database at 127.0.0.1:27017
        "169.254.169.254",  # link-local: cloud metadata
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "224.0.0.251",  # multicast
        "0.0.0.0",
        "::1",
        "fe80::1%eth0",
        "fd00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # an IPv4 address inside IPv6
    ],
)
def test_addresses_inside_a_network_are_not_public(address):
    assert non_public([address]) == [address]


def test_public_addresses_are_and_documentation_ranges_are_not():
    assert non_public(["203.0.113.9", "8.8.8.8", "2001:4860:4860::8888"]) == ["203.0.113.9"]


def resolves_to(*addresses):
    return lambda host, port: list(addresses)


def test_a_host_is_refused_when_any_of_its_addresses_is_not_public():
    policy = DestinationPolicy(public_only=True)
    policy.check("https://receiver.example/hook", resolves_to("8.8.8.8"))
    with pytest.raises(UnsafeDestination) as refused:
        policy.check("https://receiver.example/hook", resolves_to("8.8.8.8", "10.0.0.1"))
    assert (
        refused.value.message_en == "A webhook may only call public addresses; receiver.example resolves to 10.0.0.1."
    )


def test_an_unresolvable_host_is_refused_and_named_hosts_or_development_are_let_through():
    def no_dns(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeDestination, match="cannot be resolved"):
        DestinationPolicy(public_only=True).check("https://nowhere.example/", no_dns)
    DestinationPolicy(public_only=True, allowed_hosts=frozenset({"localhost"})).check("http://localhost:9/", no_dns)
    DestinationPolicy(public_only=False).check("http://127.0.0.1:27017/", no_dns)
