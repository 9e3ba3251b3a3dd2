"""The assistant's own words: frames around cited text, never facts about the agreement.

Everything the assistant says about the agreement comes from the corpus; these strings only say
what kind of answer follows (a refusal, a pointer, a language note). They live in each language
pack's templates.yaml, so a new language brings its own without a code edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant import packs

if TYPE_CHECKING:
    from assistant.schema import Contact


def say(key: str, lang: str) -> str:
    """The template in the language; the default language's when no pack serves it."""
    return packs.active().say(key, lang)


def contact_line(contact: Contact, lang: str) -> str:
    """A contact person in the answer's words: name, role, organisation and phone (if any)."""
    text = say("contact_person", lang).format(
        name=contact.name, role=contact.role, organisation=contact.organisation
    )
    if contact.phone:
        text += say("contact_phone", lang).format(phone=contact.phone)
    return text + "."
