"""Providers: the resources Diego's views receive by parameter name.

See: https://bocadilloproject.github.io/guide/injection/
"""

import logging

from bocadillo import provider

from settings import Settings

logger = logging.getLogger("diego")


@provider(scope="app")
def config() -> Settings:
    return Settings.from_environ()


@provider(scope="app")
def diego(config: Settings):
    # Heavy imports stay out of module import, as in the Bocadillo tutorial.
    from diego.bot import Diego
    from diego.pool import BotPool
    from diego.training import train

    bot = Diego(config.database_url, learn_from_users=config.learn_from_users)
    added = train(bot, progress=True)
    if added:
        logger.info("Diego learned %d statements.", added)
    pool = BotPool(bot, workers=config.bot_workers)
    try:
        yield pool
    finally:
        pool.close()
        bot.close()


@provider(scope="app")
def clients():
    from diego.presence import MemoryPresence

    return MemoryPresence()


@provider
def save_client(clients):
    """Count a client while it is connected: `async with save_client() as client_id`."""
    return clients.connected
