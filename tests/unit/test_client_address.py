import pytest

from leadline.domain.client_address import parse_networks, real_client

CLOUD_RUN = parse_networks("169.254.0.0/16")


def test_no_trusted_proxies_means_the_peer_whatever_the_header_says():
    assert real_client("198.51.100.7", ["203.0.113.5"], ()) == "198.51.100.7"


def test_a_trusted_peer_hands_over_to_the_entry_it_appended():
    assert real_client("169.254.8.129", ["203.0.113.5"], CLOUD_RUN) == "203.0.113.5"


def test_entries_a_sender_wrote_itself_are_never_reached():
    assert real_client("169.254.8.129", ["10.0.0.1, 127.0.0.1", "203.0.113.5"], CLOUD_RUN) == "203.0.113.5"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    trusted = parse_networks("169.254.0.0/16, 10.1.2.3")
    assert real_client("169.254.1.1", ["198.51.100.9, 203.0.113.5, 10.1.2.3"], trusted) == "203.0.113.5"


def test_an_untrusted_peer_is_the_client_even_with_a_header():
    assert real_client("203.0.113.5", ["169.254.1.1"], CLOUD_RUN) == "203.0.113.5"


def test_a_trusted_peer_without_a_header_or_with_garbage_stays_the_key():
    assert real_client("169.254.1.1", [], CLOUD_RUN) == "169.254.1.1"
    assert real_client("169.254.1.1", ["not-an-address"], CLOUD_RUN) == "169.254.1.1"


def test_ipv4_mapped_peers_and_ipv6_ranges():
    assert real_client("::ffff:169.254.1.1", ["2001:db8::5"], CLOUD_RUN) == "2001:db8::5"
    assert real_client("2001:db8::1", ["203.0.113.5"], parse_networks("2001:db8::/64")) == "203.0.113.5"


def test_a_peer_that_is_no_address_is_kept_as_given():
    assert real_client("testclient", ["203.0.113.5"], CLOUD_RUN) == "testclient"
    assert real_client(None, [], CLOUD_RUN) == "unknown"


def test_a_bad_range_is_named():
    with pytest.raises(ValueError, match="'10.0.0.300/8'"):
        parse_networks("10.0.0.0/8, 10.0.0.300/8")


def test_a_loopback_endpoint_is_one_on_this_machine():
    from leadline.domain.endpoints import is_loopback

    assert all(is_loopback(e) for e in ("localhost:8085", "127.0.0.1:9010", "[::1]:443"))
    assert not any(is_loopback(e) for e in (None, "", "speech.googleapis.com:443", "10.0.0.1:8085"))
