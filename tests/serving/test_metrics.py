"""What the server counts: news from the workers and the pool, and who may read it."""

from diego.serving.metrics import AddressList, Metrics


def sample(metrics: Metrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels or None)


def test_news_from_workers_and_the_pool_is_counted():
    metrics = Metrics()
    metrics.take_news({"learned": 2, "refused": 1, "knowledge_changed": 1})
    metrics.take_news({"database_errors": 3})
    metrics.take_news({"worker_restarts": 1})
    assert sample(metrics, "diego_teachings_total", result="learned") == 2
    assert sample(metrics, "diego_teachings_total", result="refused") == 1
    assert sample(metrics, "diego_database_errors_total") == 3
    assert sample(metrics, "diego_worker_restarts_total") == 1


def test_every_label_shows_from_the_start_and_no_created_series():
    text = Metrics().exposition().decode()
    assert 'diego_replies_total{outcome="clarified"} 0.0' in text
    assert 'diego_connections_refused_total{reason="handshake_timeout"} 0.0' in text
    assert "_created" not in text


def test_replies_are_counted_by_outcome_with_their_latency():
    metrics = Metrics()
    metrics.replied("answered", 0.004)
    metrics.replied("fallback", 0.2)
    assert sample(metrics, "diego_replies_total", outcome="answered") == 1
    assert sample(metrics, "diego_reply_seconds_count") == 2
    assert sample(metrics, "diego_reply_seconds_bucket", le="0.005") == 1


def test_allowed_addresses_and_networks():
    allowed = AddressList("127.0.0.1, ::1,10.0.0.0/8")
    assert "127.0.0.1" in allowed and "::1" in allowed and "10.2.3.4" in allowed
    assert "::ffff:127.0.0.1" in allowed  # IPv4 seen through an IPv6 socket
    assert "127.0.0.2" not in allowed and "192.168.1.1" not in allowed
    assert "not an address" not in allowed and "" not in allowed
