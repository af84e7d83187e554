"""Providers: the resources Diego's views receive by parameter name.

See: https://bocadilloproject.github.io/guide/injection/
"""

import asyncio
import logging

from bocadillo import provider

from diego.serving.sessions import development_secret_key
from settings import Settings

logger = logging.getLogger("diego")
HISTORY_PRUNING_INTERVAL = 3600  # seconds at most; and once at start-up
# How soon the workers notice what other processes taught or forgot (a CLI, another
# server): one cheap query each period. Their own changes, they notice at once.
KNOWLEDGE_POLL_INTERVAL = 1.0  # seconds


@provider(scope="app")
def config() -> Settings:
    config = Settings.from_environ()
    if not config.secret_key:
        logger.warning(
            "SECRET_KEY is not set: sessions are signed with the development key kept in %s. "
            "Set SECRET_KEY in production.",
            config.secret_key_file,
        )
    return config


@provider(scope="app")
def metrics():
    """What the server counts for GET /metrics: one per process."""
    from diego.serving.metrics import metrics

    return metrics


@provider(scope="app")
def reply_outcome(config: Settings):
    """What one of Diego's replies was, for the metrics: answered, fallback, clarified."""
    from diego.knowledge.matching import asked_about

    def outcome_of(reply: str) -> str:
        if reply == config.fallback_reply:
            return "fallback"
        return "clarified" if asked_about(reply) is not None else "answered"

    return outcome_of


@provider(scope="app")
def diego(config: Settings, clients, metrics):
    # Heavy imports stay out of module import, as in the Bocadillo tutorial.
    from diego.knowledge.bot import Diego
    from diego.knowledge.learning import LearningPolicy
    from diego.knowledge.training import train
    from diego.serving.history_writer import HistoryWriter
    from diego.serving.pool import BotPool

    bot = Diego(
        config.database_url,
        learn_from_users=config.learn_from_users,
        learning=LearningPolicy(
            quorum=config.learn_quorum,
            max_length=config.learn_max_length,
            blocklist_file=config.learn_blocklist,
            address_key=(
                config.secret_key or development_secret_key(config.secret_key_file)
            ).encode(),
        ),
        # The workers forked below read the live count that /client-count reads.
        count_clients=clients.current_count,
        fallback_reply=config.fallback_reply,
        keep_history=False,  # kept by `history` below, many exchanges per transaction
    )
    added = train(bot, progress=True)
    if added:
        logger.info("Diego learned %d statements.", added)
    bot.catch_up()  # once, here: the workers forked below share the index
    history = HistoryWriter(bot.history.committing_each_statement())
    pool = BotPool(
        bot,
        workers=config.bot_workers,
        reply_timeout=config.reply_timeout,
        keep=history.keep,
        on_news=metrics.take_news,
    )
    metrics.track(workers=lambda: pool.alive_workers)
    pool.watch(KNOWLEDGE_POLL_INTERVAL, "knowledge_summary")
    if config.history_retention_days:
        # A retention shorter than a day (for a benchmark) is pruned more often.
        interval = min(HISTORY_PRUNING_INTERVAL, config.history_retention_days * 86400 / 4)
        pool.every(interval, "prune", config.history_retention_days)
    try:
        yield pool
    finally:
        pool.close()
        history.close()
        bot.close()


@provider(scope="app")
async def clients(config: Settings):
    from diego.serving.presence import MemoryPresence, RedisPresence

    if not config.redis_url:
        yield MemoryPresence()
        return
    presence = RedisPresence(config.redis_url)
    heartbeat = asyncio.create_task(presence.heartbeat())
    try:
        yield presence
    finally:
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)


@provider(scope="app")
def database(config: Settings):
    from diego.serving.health import DatabaseProbe

    probe = DatabaseProbe(config.database_url)
    yield probe
    probe.close()


@provider(scope="app")
def admission(config: Settings, metrics):
    from diego.serving.limits import Admission

    admission = Admission(
        max_clients=config.max_clients,
        max_clients_per_ip=config.max_clients_per_ip,
        allowed_origins=config.allowed_origins,
        rate_per_ip=config.rate_limit_per_ip,
        burst_per_ip=config.rate_burst_per_ip,
    )
    metrics.track(clients=lambda: admission.seated)
    return admission


@provider
def save_client(clients):
    """Count a client while it is connected: `async with save_client() as client_id`."""
    return clients.connected
