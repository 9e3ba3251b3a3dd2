"""Every text the bot itself says, from the language packs (templates.yaml, keys `bot_*`).

Only the bot's own UI comes from there. Facts about the agreement never do: /contacts and /focus
ask the pipeline the packs' `bot_q_contacts` and `bot_q_focus`, so the answers come from the
documents, with sources. A language the packs serve is a language the bot speaks.
"""

from __future__ import annotations

from assistant import packs

COMMANDS: tuple[str, ...] = ("start", "help", "contacts", "focus", "lang", "reset")


def language_names() -> dict[str, str]:
    """Each served language's own name ("suomi", "svenska"), for the /lang buttons."""
    served = packs.active()
    return {lang: served.words(lang).language.name for lang in served.languages}


def text(lang: str | None, key: str, **values: object) -> str:
    """The UI text `key` in `lang` (the default language's when no pack serves `lang`)."""
    template = packs.active().say("sources_heading" if key == "sources" else f"bot_{key}", lang)
    return template.format(**values) if values else template
