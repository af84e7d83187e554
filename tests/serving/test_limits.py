import pytest

from diego.serving.limits import (
    Admission,
    EmptyMessage,
    Full,
    MessageTooLong,
    TokenBucket,
    check_message,
)


def test_message_is_stripped():
    assert check_message("  hello \n", max_length=10) == "hello"


@pytest.mark.parametrize("blank", ["", " ", "\n\t"])
def test_blank_message_is_refused_politely(blank):
    with pytest.raises(EmptyMessage, match="type something"):
        check_message(blank, max_length=10)


def test_message_at_the_limit_passes_and_one_more_is_refused():
    assert check_message("a" * 10, max_length=10) == "a" * 10
    with pytest.raises(MessageTooLong, match="under 10 characters"):
        check_message("a" * 11, max_length=10)


def test_limit_is_counted_after_stripping():
    assert check_message(" " * 50 + "hi", max_length=2) == "hi"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=10, clock=clock)
    assert all(bucket.take() for _ in range(10))
    assert not bucket.take()
    clock.now += 0.5  # one token back
    assert bucket.take() and not bucket.take()
    clock.now += 100  # never more than the burst
    assert sum(bucket.take() for _ in range(20)) == 10


@pytest.mark.parametrize(
    "origin, host, allowed",
    [
        (None, "diego.example:8000", True),  # no Origin: not a browser page
        ("http://diego.example:8000", "diego.example:8000", True),  # its own origin
        ("HTTPS://Diego.Example:8000", "diego.example:8000", True),
        ("http://localhost:3000", "diego.example:8000", True),
        ("http://127.0.0.1:9999", "diego.example:8000", True),
        ("http://evil.example", "diego.example:8000", False),
        ("http://diego.example:8000.evil.example", "diego.example:8000", False),
        ("null", "diego.example:8000", False),
        ("file://", "diego.example:8000", False),
    ],
)
def test_default_origins_are_the_servers_own_and_localhost(origin, host, allowed):
    admission = Admission(max_clients=10, max_clients_per_ip=10)
    assert admission.origin_allowed(origin, host) is allowed


def test_an_allowlist_replaces_the_defaults():
    admission = Admission(
        max_clients=10, max_clients_per_ip=10, allowed_origins=["https://chat.example/"]
    )
    assert admission.origin_allowed("https://chat.example", "diego.example")
    assert not admission.origin_allowed("http://localhost:8000", "localhost:8000")
    assert admission.origin_allowed(None, "diego.example")


def test_seats_are_limited_in_all_and_by_address():
    admission = Admission(max_clients=3, max_clients_per_ip=2)
    first, second = admission.seat("10.0.0.1"), admission.seat("10.0.0.1")
    with pytest.raises(Full, match="from your address"):
        admission.seat("10.0.0.1")
    third = admission.seat("10.0.0.2")
    with pytest.raises(Full, match="as many people as he can"):
        admission.seat("10.0.0.3")
    with first:
        pass
    assert admission.seat("10.0.0.1")  # a seat given back is free again
    with second, third:
        pass
    assert (admission.seated, dict(admission.by_ip)) == (1, {"10.0.0.1": 1})


def test_a_noisy_event_is_reported_once_per_interval_with_how_many():
    import time

    from diego.logs import OncePerInterval

    report = OncePerInterval(interval=0.2)
    assert [report() for _ in range(5)] == [1, 0, 0, 0, 0]
    time.sleep(0.25)
    assert report() == 5  # the four kept quiet, and this one
