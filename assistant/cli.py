"""The `assistant` command: one entry point, one subcommand per feature.

Each subcommand lives with its feature and is imported only when called, so `assistant --help`
stays fast and no subcommand pays for another's imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module with `main(argv) -> int`, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("ingest.cli", "build or update the index from corpus/ and other folders"),
    "search": ("assistant.commands", "print the ranked passages for a query"),
    "ask": ("assistant.commands", "answer one question with numbered sources"),
    "chat": ("assistant.commands", "an interactive conversation in the terminal"),
    "serve": ("assistant.api.server", "serve the HTTP API and the web chat page"),
    "bot": ("bots.telegram.run", "run the Telegram bot by long polling"),
    "eval": ("evals.cli", "run the evaluation suite and write its report"),
    "db": ("assistant.migrations.cli", "upgrade the feedback database's schema (Alembic)"),
}


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the subcommand's own `main`, which parses the rest of the arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Tampere ecosystem-agreement assistant (en/fi/sv).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(f"  {name:<8} {text}" for name, (_, text) in COMMANDS.items()),
    )
    parser.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    if not argv or argv[0] in {"-h", "--help"}:
        parser.print_help()
        return 0 if argv else 2
    args = parser.parse_args(argv[:1])
    module = importlib.import_module(COMMANDS[args.command][0])
    runner = getattr(module, f"main_{args.command}", None) or module.main
    return int(runner(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
