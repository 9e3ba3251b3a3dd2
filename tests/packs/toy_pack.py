"""A toy fourth language (German) as a deployment would add it: a pack and a corpus in folders.

Nothing here is read by the engine's code by name: tests point EXTRA_PACKS_DIRS and CORPUS_DIR at
the folders these helpers write.
"""

from __future__ import annotations

from pathlib import Path

from tests.understand.test_fourth_language import GERMAN as GERMAN_EXAMPLES

GERMAN_TEMPLATES = """\
refusal: Die Dokumente, aus denen ich antworte, sagen das nicht.
refusal_future: Die Dokumente nennen keine aktuellen oder künftigen Termine, nur frühere.
refusal_offtopic: Ich beantworte nur Fragen zur Beispielvereinbarung, aus ihren Dokumenten.
related: 'Das sagen die Dokumente:'
contact: 'Wer helfen kann:'
other_language: 'Die Dokumente sagen das nur in einer anderen Sprache:'
next_step: 'Für Sie:'
check_call: 'Ausschreibungen ändern sich: prüfen Sie die aktuelle Ausschreibung.'
as_of: Stand
contact_person: '{name} ({role}, {organisation})'
contact_phone: ', Telefon {phone}'
privacy: 'Gespeichert werden Fragen und Antworten, {days} Tage lang; Gespräche {ttl} Minuten.'
sources_heading: Quellen
llm_answer_rules: 'Antworte nur aus den Textstellen. Sonst sage genau: "{refusal}"'
llm_passages_label: Zitierte Textstellen
llm_question_label: Frage
llm_condense_rules: Schreibe die letzte Nachricht als eigenständige Frage.
bot_greeting: 'Hallo{name}! Gespeichert wird {ttl} Minuten und {days} Tage lang.'
bot_help: Schreiben Sie Ihre Frage als Nachricht.
bot_choose_language: 'Wählen Sie Ihre Sprache:'
bot_language_set: OK, ich antworte auf Deutsch.
bot_reset: Erledigt, ich habe dieses Gespräch vergessen.
bot_text_only: Bitte schreiben Sie Ihre Frage als Text.
bot_rate_limited: Bitte warten Sie eine Minute und fragen Sie dann erneut.
bot_apology: Entschuldigung, etwas ist schiefgegangen. Bitte versuchen Sie es gleich noch einmal.
bot_busy: Mein Gesprächsgedächtnis ist gerade nicht erreichbar.
bot_feedback_thanks: Danke für die Rückmeldung!
bot_feedback_unknown: Diese Antwort habe ich leider nicht mehr.
bot_empty_question: Bitte schreiben Sie Ihre Frage nach meinem Namen.
bot_cmd_start: Starten und die Sprache wählen
bot_cmd_help: So benutzen Sie den Bot
bot_cmd_contacts: Kontaktpersonen
bot_cmd_focus: Schwerpunkte
bot_cmd_lang: Sprache wählen
bot_cmd_reset: Dieses Gespräch vergessen
bot_q_contacts: Wer sind die Kontaktpersonen der Beispielvereinbarung?
bot_q_focus: Welche Schwerpunkte hat die Beispielvereinbarung?
"""

GERMAN_WORDS = r"""
language: {name: Deutsch, lingua: GERMAN, stemmer: german}
follow_up:
  person_pronouns: [sie, er, ihr, ihre, ihrer, sein, seine]
  enumeration_leads: [sind]
  conjunctions: [und]
patterns:
  expects:
    phone: ['telefon', '\banrufen\b']
    date: ['\bwann\b', '\bfrist\b']
  injection: ['vergiss (?:deine|alle) (?:anweisungen|regeln)']
  follow_up: ['\b(?:sie|er|ihr|ihre|es|das|dort)\b', '\b(?:erste|zweite|dritte|letzte)\b']
  ordinals:
    first: ['\berste']
    second: ['\bzweite']
    last: ['\bletzte']
facts:
  numbers: [zwei, drei, vier]
"""

GERMAN_DOCUMENT = """\
---
id: vereinbarung-de
title: "Die Beispielvereinbarung"
lang: de
sources:
  - https://example.org/vereinbarung
---
# Die Beispielvereinbarung
<!-- sources: https://example.org/vereinbarung -->

Die Beispielvereinbarung ist ein Vertrag zwischen der Stadt Beispielstadt und dem Land über die \
gemeinsame Förderung von Innovationen.

## Schwerpunkte
<!-- sources: https://example.org/vereinbarung -->

Die Schwerpunkte der Beispielvereinbarung sind Gesundheit, Energie und Bildung.

## Ansprechpartnerin
<!-- sources: https://example.org/vereinbarung -->

Erika Beispiel berät Unternehmen zur Förderung aus der Beispielvereinbarung.

```contact
name: Erika Beispiel
role: Förderberaterin
organisation: Stadt Beispielstadt
phone: 050 123 4567
topics: [die Beispielvereinbarung, Förderung]
source: https://example.org/vereinbarung
```
"""


# Part of the page's words only: the rest is shown in the default language.
GERMAN_WEB = """\
title: Assistent zur Ökosystemvereinbarung
ask: Fragen
tooLong: Die Frage ist zu lang (höchstens {max} Zeichen).
suggestions:
  - Welche Schwerpunkte hat die Vereinbarung?
"""


def write_german_pack(root: Path) -> Path:
    """root/de/ with examples, templates, words and (part of) the page's words; returns root
    (the EXTRA_PACKS_DIRS entry)."""
    pack = root / "de"
    pack.mkdir(parents=True)
    (pack / "examples-t.yaml").write_text(GERMAN_EXAMPLES, encoding="utf-8")
    (pack / "templates.yaml").write_text(GERMAN_TEMPLATES, encoding="utf-8")
    (pack / "words.yaml").write_text(GERMAN_WORDS, encoding="utf-8")
    (pack / "web.yaml").write_text(GERMAN_WEB, encoding="utf-8")
    return root


def write_german_corpus(root: Path) -> Path:
    """root/de/vereinbarung.md; returns root (the CORPUS_DIR)."""
    (root / "de").mkdir(parents=True)
    (root / "de" / "vereinbarung.md").write_text(GERMAN_DOCUMENT, encoding="utf-8")
    return root
