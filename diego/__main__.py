"""Command line: `python -m diego train [CORPUS ...]` teaches Diego from corpus files."""

import argparse
import logging
import sys

from settings import Settings, SettingsError

from .knowledge.training import DEFAULT_CORPORA, CorpusError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m diego", description="Diego's tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    training = commands.add_parser(
        "train",
        help="learn corpus files, each once",
        description="Teach Diego corpus files: chatterbot-corpus names "
        "(chatterbot.corpus.english) or paths to YAML files. A file already learned "
        "adds nothing.",
    )
    training.add_argument("corpora", nargs="*", metavar="CORPUS", default=list(DEFAULT_CORPORA))
    training.add_argument("--reset", action="store_true", help="forget everything first")
    training.add_argument("--database-url", help="the knowledge base (default: DATABASE_URL)")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_environ()
    except SettingsError as exc:
        return _fail(str(exc))
    database_url = args.database_url or settings.database_url

    logging.getLogger("chatterbot").setLevel(logging.WARNING)
    from .knowledge.bot import Diego
    from .knowledge.training import train

    diego = Diego(database_url)
    try:
        added = train(diego, args.corpora, progress=True, reset=args.reset)
        known = diego.chatbot.storage.count()
    except CorpusError as exc:
        return _fail(f"{exc}\nNothing was learned; the knowledge base is as it was.")
    finally:
        diego.close()
    print(f"Learned {added} new statements; Diego now knows {known}.")
    return 0


def _fail(message: str) -> int:
    print(f"diego: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
