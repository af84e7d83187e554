"""Command line: `python -m diego train` teaches Diego corpus files; `learned`, `forget`
and `export` review what he learned from users."""

import argparse
import datetime
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
    listing = commands.add_parser(
        "learned",
        help="list what users taught",
        description="List the exchanges users taught Diego: when, how many people taught "
        "each, and whether it is live (answered to everyone: LEARN_QUORUM people taught it).",
    )
    export = commands.add_parser(
        "export",
        help="write what users taught as a corpus file",
        description="Write the exchanges users taught as a chatterbot-corpus YAML file, "
        "which `python -m diego train` can learn.",
    )
    export.add_argument("--output", "-o", help="the file to write (default: standard output)")
    for command in (listing, export):
        which = command.add_mutually_exclusive_group()
        which.add_argument("--live", action="store_true", help="only those answered to all")
        which.add_argument("--pending", action="store_true", help="only those not yet live")
        command.add_argument("--text", default="", help="only those whose prompt or reply has it")
        command.add_argument("--conversation", default="", help="only those it taught")
        command.add_argument(
            "--since", type=datetime.date.fromisoformat, metavar="YYYY-MM-DD", help="taught since"
        )
    forgetting = commands.add_parser(
        "forget",
        help="erase statements, also while the server runs",
        description="Erase statements from the knowledge base: by id (as `learned` lists "
        "them), every reply equal to a text, or everything a conversation taught. A running "
        "server stops answering them at its next reply.",
    )
    forgetting.add_argument("ids", nargs="*", type=int, metavar="ID")
    forgetting.add_argument("--text", default="", help="every reply equal to this")
    forgetting.add_argument("--conversation", default="", help="everything it taught")
    for command in (training, listing, export, forgetting):
        command.add_argument("--database-url", help="the knowledge base (default: DATABASE_URL)")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_environ()
    except SettingsError as exc:
        return _fail(str(exc))
    database_url = args.database_url or settings.database_url
    if args.command == "train":
        return _train(database_url, args)
    if args.command == "forget" and not (args.ids or args.text or args.conversation):
        return _fail("forget what? Give statement ids, --text or --conversation.")
    from .knowledge import review

    engine = review.knowledge_base(database_url)
    try:
        if args.command == "forget":
            erased = review.forget(
                engine, ids=tuple(args.ids), text=args.text, conversation=args.conversation
            )
            print(f"Forgot {erased} statement(s).")
            return 0
        found = review.learned(
            engine,
            settings.learn_quorum,
            live=True if args.live else False if args.pending else None,
            text=args.text,
            conversation=args.conversation,
            since=args.since,
        )
        if args.command == "export":
            corpus = review.corpus_of(found)
            if args.output:
                with open(args.output, "w", encoding="utf-8") as file:
                    file.write(corpus)
                print(f"Wrote {len(found)} exchange(s) to {args.output}.")
            else:
                sys.stdout.write(corpus)
            return 0
        _print_learned(found, review.Learning(engine).refusals(), settings.learn_quorum)
        return 0
    finally:
        engine.dispose()


def _train(database_url: str, args) -> int:
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


def _print_learned(found, refusals: dict[str, int], quorum: int) -> None:
    for each in found:
        state = "live" if each.live else "waiting"
        ids = ",".join(map(str, each.ids))
        print(
            f"{ids}  {each.last_taught:%Y-%m-%d %H:%M}  {each.people}/{quorum} people  {state}"
            f"  {_quoted(each.prompt)} -> {_quoted(each.reply)}"
        )
    live = sum(each.live for each in found)
    refused = ", ".join(f"{reason} {count}" for reason, count in sorted(refusals.items()))
    print(
        f"{len(found)} exchange(s) learned ({live} live, {len(found) - live} waiting for more "
        f"people); {sum(refusals.values())} teaching(s) refused"
        + (f" ({refused})." if refused else ".")
    )


def _quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _fail(message: str) -> int:
    print(f"diego: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
