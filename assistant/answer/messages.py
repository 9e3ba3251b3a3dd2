"""The assistant's own words in en/fi/sv: frames around cited text, never facts about the agreement.

Everything the assistant says about the agreement comes from the corpus; these strings only say
what kind of answer follows (a refusal, a pointer, a language note).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.schema import Contact

MESSAGES: dict[str, dict[str, str]] = {
    "refusal": {
        "en": "The documents I answer from do not say that.",
        "fi": "Asiakirjoissa, joiden pohjalta vastaan, ei kerrota tätä.",
        "sv": "Dokumenten som jag svarar utifrån säger inte det.",
    },
    "refusal_future": {
        "en": "The documents I answer from do not give current or future dates or calls; they "
        "only describe past ones.",
        "fi": "Asiakirjoissa, joiden pohjalta vastaan, ei kerrota nykyisiä tai tulevia päivämääriä "
        "tai hakuja, vain aiempia.",
        "sv": "Dokumenten som jag svarar utifrån anger inga aktuella eller kommande datum eller "
        "utlysningar, bara tidigare.",
    },
    "refusal_offtopic": {
        "en": "I can only answer questions about the innovation ecosystem agreement between the "
        "City of Tampere and the state, from its published documents.",
        "fi": "Vastaan vain kysymyksiin Tampereen kaupungin ja valtion välisestä "
        "innovaatiotoiminnan "
        "ekosysteemisopimuksesta sen julkaistujen asiakirjojen pohjalta.",
        "sv": "Jag svarar bara på frågor om ekosystemavtalet för innovationsverksamhet mellan "
        "Tammerfors stad och staten, utifrån dess publicerade dokument.",
    },
    "related": {
        "en": "What the documents do say:",
        "fi": "Asiakirjoissa kerrotaan tästä aiheesta:",
        "sv": "Det här säger dokumenten:",
    },
    "contact": {
        "en": "Who can help:",
        "fi": "Lisätietoja antaa:",
        "sv": "Mer information ger:",
    },
    "other_language": {
        "en": "The documents give this only in another language:",
        "fi": "Asiakirjoissa tämä kerrotaan vain toisella kielellä:",
        "sv": "Dokumenten anger det här bara på ett annat språk:",
    },
    "next_step": {
        "en": "For you:",
        "fi": "Sinulle:",
        "sv": "För dig:",
    },
    "check_call": {
        "en": "Calls and terms change: check the current call notice before you apply.",
        "fi": "Haut ja ehdot muuttuvat: tarkista voimassa oleva hakuilmoitus ennen hakemista.",
        "sv": "Utlysningar och villkor ändras: kontrollera den aktuella utlysningen innan du "
        "ansöker.",
    },
    "as_of": {"en": "as of", "fi": "tilanne", "sv": "per"},
    # A contact person, filled from a ```contact block (name, role, organisation, phone).
    "contact_person": {
        "en": "{name} ({role}, {organisation})",
        "fi": "{name} ({role}, {organisation})",
        "sv": "{name} ({role}, {organisation})",
    },
    "contact_phone": {
        "en": ", phone {phone}",
        "fi": ", puhelin {phone}",
        "sv": ", telefon {phone}",
    },
}


def say(key: str, lang: str) -> str:
    """The message in the language, English when a translation is missing."""
    table = MESSAGES[key]
    return table.get(lang) or table["en"]


def contact_line(contact: Contact, lang: str) -> str:
    """A contact person in the answer's words: name, role, organisation and phone (if any)."""
    text = say("contact_person", lang).format(
        name=contact.name, role=contact.role, organisation=contact.organisation
    )
    if contact.phone:
        text += say("contact_phone", lang).format(phone=contact.phone)
    return text + "."
