"""`assistant search`, `assistant ask` and `assistant chat`: the pipeline in a terminal."""

from __future__ import annotations

import argparse
import sys

from assistant.schema import LANGS, Answer
from assistant.settings import Settings
from assistant.store import StoreError


def _open(settings: Settings):
    from assistant.pipeline import Assistant
    from ingest.indexer import ensure_index

    ensure_index(settings, progress=True)
    assistant = Assistant.from_settings(settings)
    assistant.warm_up()
    return assistant


def _print_answer(answer: Answer) -> None:
    print(answer.answer)
    if answer.next_step:
        print(f"\n-> {answer.next_step}")
    if answer.sources:
        print()
    for source in answer.sources:
        as_of = f", {source.as_of}" if source.as_of else ""
        print(f"[{source.n}] {source.title} - {source.section} ({source.lang}{as_of})")
        if source.url:
            print(f"    {source.url}")


def _run(argv: list[str] | None, build, action) -> int:
    parser = build()
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        assistant = _open(settings)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return action(assistant, args)


def main_search(argv: list[str] | None = None) -> int:
    """Ranked passages with language, document, section and score."""

    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="assistant search", description=main_search.__doc__)
        parser.add_argument("query")
        parser.add_argument("--lang", choices=LANGS, help="prefer this language (default: detect)")
        parser.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
        return parser

    def action(assistant, args) -> int:
        for hit in assistant.search(args.query, lang=args.lang, k=args.k):
            chunk = hit.chunk
            print(
                f"{hit.rank}. [{chunk.lang}] {chunk.doc_id} - {chunk.section}  "
                f"(score {hit.score:.4f}; dense #{hit.dense_rank}, bm25 #{hit.bm25_rank})"
            )
            snippet = " ".join(chunk.text.split())
            print(f"   {snippet[:220]}{'...' if len(snippet) > 220 else ''}")
        return 0

    return _run(argv, build, action)


def main_ask(argv: list[str] | None = None) -> int:
    """Answer one question with numbered sources."""

    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="assistant ask", description=main_ask.__doc__)
        parser.add_argument("question")
        parser.add_argument("--lang", choices=LANGS, help="answer in this language")
        parser.add_argument("--json", action="store_true", help="print the Answer as JSON")
        return parser

    def action(assistant, args) -> int:
        if not args.question.strip():
            print("error: the question is empty", file=sys.stderr)
            return 2
        answer = assistant.ask(args.question, lang=args.lang)
        if args.json:
            print(answer.model_dump_json(indent=2))
        else:
            _print_answer(answer)
        return 0

    return _run(argv, build, action)


def main_chat(argv: list[str] | None = None) -> int:
    """An interactive conversation; follow-up questions use what was said before."""

    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="assistant chat", description=main_chat.__doc__)
        parser.add_argument("--lang", choices=LANGS, help="answer in this language")
        return parser

    def action(assistant, args) -> int:
        from assistant.conversation import ConversationService
        from assistant.state.memory import InMemoryStateStore

        # The terminal's conversation lives in this process only, and nothing is logged: the
        # channel is one person at a keyboard, so the service gets no answer log.
        conversations = ConversationService(
            assistant.settings, assistant, None, InMemoryStateStore(max_keys=100)
        )
        key = ConversationService.key("cli", "local")
        print(
            "Ask about the Tampere ecosystem agreement (en/fi/sv). Empty line or Ctrl-D quits; "
            "/reset forgets the conversation."
        )
        while True:
            try:
                question = input("> ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not question:
                return 0
            if question == "/reset":
                conversations.reset(key)
                continue
            answer, _ = conversations.ask(question, channel="cli", key=key, lang=args.lang)
            _print_answer(answer)
            print()

    return _run(argv, build, action)


main = main_ask
