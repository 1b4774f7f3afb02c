"""The true client IP: X-Forwarded-For counts only when the peer is a trusted proxy, read from the right."""

import pytest
from django.test import RequestFactory

from ocg.spine.gateway import client_ip


def ip_of(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert ip_of("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip_of("203.0.113.7", "198.51.100.1, 10.1.2.3") == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.23", "198.51.100.23"),
        # The client wrote the leftmost entries itself: only the hop our proxies saw is believed.
        ("1.1.1.1, 198.51.100.23", "198.51.100.23"),
        ("1.1.1.1, 198.51.100.23, 10.0.0.9", "198.51.100.23"),
        ("1.1.1.1,198.51.100.23 , 10.0.0.9, 192.168.1.1", "198.51.100.23"),
        ("2001:db8::5, 10.0.0.9", "2001:db8::5"),
        ("198.51.100.23:4711", "198.51.100.23"),
        ("[2001:db8::5]:4711", "2001:db8::5"),
    ],
)
def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.1"]
    assert ip_of("10.0.0.2", forwarded) == expected


def test_garbage_in_the_header_stops_the_walk_at_the_last_good_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip_of("10.0.0.2", "not-an-ip, 10.0.0.9") == "10.0.0.9"
    assert ip_of("10.0.0.2", "") == "10.0.0.2"
    assert ip_of("10.0.0.2") == "10.0.0.2"
