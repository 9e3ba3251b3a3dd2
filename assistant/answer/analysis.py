"""What a question asks for, told from its words in en/fi/sv without an LLM.

- the kind of answer it expects (a date, an amount, a person, a place, a time, a phone number, an
  e-mail address), so the answer step can check that the evidence holds that kind of fact;
- whether it asks about the present or future (the documents describe past calls only);
- whether it tries to override the assistant's instructions;
- who is asking (a company, a public organisation, an international expert), for the next step;
- whether it is about calls and funding (answers end with a reminder to check the call notice).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant import textregex
from assistant.textregex import Pattern


def _rx(*patterns: str) -> Pattern:
    return textregex.compile("|".join(patterns), textregex.IGNORECASE)


# The kind of answer a question expects, and how to recognise that kind of fact in evidence.
EXPECTS: dict[str, Pattern] = {
    "email": _rx(r"\be-?mail", r"sähköpost", r"\be-?post", r"mejl"),
    "phone": _rx(
        r"\bphone",
        r"telephone",
        r"\bcall (?:her|him|them)\b",
        r"puhelin",
        r"\bsoitta",
        r"telefon",
        r"\bnumero",
        r"\bnummer",
    ),
    "time": _rx(
        r"opening hours",
        r"office hours",
        r"what time",
        r"aukiolo",
        r"aukeaa",
        r"kello",
        r"öppettid",
        r"vilken tid",
        r"\bklockan",
    ),
    "amount": _rx(
        r"how much",
        r"amount",
        r"\bbudget",
        r"how many euros",
        r"\beuros?\b",
        r"paljonko",
        r"kuinka paljon",
        r"\bsumma",
        r"\bbudjet",
        r"euroa\b",
        r"hur mycket",
        r"belopp",
        r"\bsumman?\b",
    ),
    "date": _rx(
        r"\bwhen\b",
        r"deadline",
        r"closing date",
        r"\bdate\b",
        r"milloin",
        r"määräaika",
        r"päivämäärä",
        r"mihin mennessä",
        r"\bnär\b",
        r"sista (?:ansöknings)?dag",
        r"datum",
        r"tidsfrist",
    ),
}

EVIDENCE: dict[str, Pattern] = {
    # (?<!...): an address starts where a word does; without it one long token was rescanned from
    # each of its characters (quadratic: issue 11).
    "email": textregex.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": textregex.compile(r"(?:\+358|\b0)\d{1,2}[\s-]?\d{3}[\s-]?\d{3,4}\b"),
    "time": textregex.compile(
        r"\b\d{1,2}[:.]\d{2}\s*(?:[-–]\s*\d{1,2}[:.]\d{2})|\bklo\b|\bkl\.\s*\d", textregex.I
    ),
    "amount": textregex.compile(
        r"\bEUR\b|€|\beuro(?:a|n|t|ja)?\b|\bmiljoon\w*|\bmiljon\w*|\bmilj\.|\bmillion\b|%"
        r"|\bprosent\w*|\bprocent\b|\bper cent\b",
        textregex.I,
    ),
    "date": textregex.compile(r"\b\d{1,2}\.\d{1,2}\.(?:\d{4})?|\b(?:19|20)\d{2}\b"),
}

# Sentences about the document itself ("The sections below cover ...") are never an answer.
META = _rx(
    r"\bthis document\b",
    r"\bthe sections below\b",
    r"\bheadings below\b",
    r"\btämä asiakirja\b",
    r"\balla olevat\b",
    r"\bseuraavat osiot\b",
    r"\bdet här dokumentet\b",
    r"\bdokumentet (?:förklarar|beskriver)\b",
    r"\bnedan\b",
)

FUTURE = _rx(
    r"\bnext\b",
    r"upcoming",
    r"\bcurrent(?:ly)?\b",
    r"\bnow\b",
    r"\bopen now\b",
    r"this year",
    r"\b20(?:2[6-9]|3\d)\b",
    r"seuraava",
    r"tuleva",
    r"nykyi",
    r"\bnyt\b",
    r"tänä vuonna",
    r"parhaillaan",
    r"\bnästa\b",
    r"kommande",
    r"aktuell",
    r"\bnu\b",
    r"i år",
    r"för närvarande",
)

INJECTION = _rx(
    r"ignore (?:all |any |the |your )?(?:previous |prior |above )?(?:instructions|rules|prompt)",
    r"disregard (?:the |your |all )?(?:previous |above )?(?:instructions|rules)",
    r"forget (?:your|all|the) (?:instructions|rules)",
    r"system prompt",
    r"you are now\b",
    r"pretend (?:to be|you are)",
    r"\bmake (?:something |it |one )?up\b",
    r"\binvent (?:a|an|one)\b",
    r"forget the documents",
    r"\bkeksi\w*",
    r"unohda asiakirjat",
    r"\bhitta på\b",
    r"glöm dokumenten",
    r"act as\b",
    r"jailbreak",
    r"developer mode",
    r"unohda (?:aiemmat |kaikki )?(?:ohjeet|ohjeesi|säännöt)",
    r"älä välitä ohjeista",
    r"ohita (?:aiemmat )?ohjeet",
    r"järjestelmäkehote",
    r"ignorera (?:alla |tidigare |dina )?(?:instruktioner|instruktionerna|regler)",
    r"glöm (?:dina|alla) (?:instruktioner|regler)",
    r"systemprompt",
)

PERSONAS: dict[str, Pattern] = {
    "company": _rx(
        r"\bstart-?ups?\b",
        r"\bmy (?:company|firm|business|product)",
        r"\bour (?:company|firm|business|product)",
        r"\bcompany\b",
        r"\bsmes?\b",
        r"entrepreneur",
        r"yritykse",
        r"yritys",
        r"\byrittäj",
        r"startup-?yritys",
        r"\bföretag",
        r"\bmitt bolag",
        r"\bvårt bolag",
        r"företagare",
    ),
    "expert": _rx(
        r"international (?:expert|talent|student|researcher)",
        r"moving to (?:tampere|finland)",
        r"move to (?:tampere|finland)",
        r"relocat",
        r"\bexpat",
        r"work permit",
        r"foreign",
        r"kansainväli(?:nen|set) (?:osaaja|asiantuntija)",
        r"muuttaa tampereelle",
        r"muutan",
        r"internationell (?:expert|talang)",
        r"internationella experter",
        r"flytta(?:r)? till (?:tammerfors|finland)",
    ),
    "public": _rx(
        r"municipalit",
        r"\bmunicipal\b",
        r"universit",
        r"\bassociation",
        r"public (?:organi[sz]ation|body|sector)",
        r"\bkunta",
        r"kunnan",
        r"yliopisto",
        r"korkeakoulu",
        r"yhdistys",
        r"julkinen organisaatio",
        r"\bkommun",
        r"universitet",
        r"högskola",
        r"\bförening",
        r"offentlig organisation",
    ),
}

FUNDING = _rx(
    r"\bmoney\b",
    r"\brahaa?\b",
    r"\bpengar\b",
    r"fund",
    r"financ",
    r"\bgrant",
    r"\bcall\b",
    r"\bcalls\b",
    r"apply",
    r"applica",
    r"erdf",
    r"eura",
    r"co-?financ",
    r"rahoit",
    r"\bhaku",
    r"hake",
    r"hakemu",
    r"avustu",
    r"eakr",
    r"omarahoit",
    r"finansier",
    r"utlysning",
    r"ansök",
    r"\beruf\b",
    r"bidrag",
    r"stöd",
)

FOLLOW_UP = _rx(
    r"\b(?:he|she|it|they|them|his|her|hers|its|their|this|that|those|these)\b",
    r"\bthe (?:first|second|third|fourth|last) one\b",
    r"\b(?:tell me more|more about|what about|and the)\b",
    r"\b(?:hän|hänen|häntä|hänelle|se|sen|sitä|siitä|ne|niiden|niistä|niitä|tämä|tämän|tästä|tuo|tuosta)\b",
    r"\b(?:ensimmäi|toise|toinen|kolmas|kolmanne|viimei)\w*",
    r"\b(?:entä|kerro lisää|lisää)\b",
    r"\b(?:han|hon|hans|hennes|hen|den|det|dess|de|dem|deras|denna|detta)\b",
    r"\b(?:första|andra|tredje|sista)\b",
    r"\b(?:berätta mer|mer om|och den)\b",
)

ORDINALS: dict[int, Pattern] = {
    1: _rx(r"\bfirst\b", r"ensimmäi", r"\bförsta\b"),
    2: _rx(r"\bsecond\b", r"\btoi(?:nen|sesta|sen|sta)\b", r"\bandra\b"),
    3: _rx(r"\bthird\b", r"\bkolma(?:s|nnesta|nnen|tta)\b", r"\btredje\b"),
    4: _rx(r"\bfourth\b", r"\bneljä(?:s|nnestä|nnen)\b", r"\bfjärde\b"),
    -1: _rx(r"\blast\b", r"viimei", r"\bsista\b"),
}


@dataclass(frozen=True)
class QuestionKind:
    """What the analysis found; each field is used by one step of the answer."""

    expects: str | None
    future: bool
    injection: bool
    persona: str | None
    funding: bool
    follow_up: bool


@textregex.text_function()
def analyse(question: str) -> QuestionKind:
    """Classify the question by its words (first matching answer kind wins)."""
    expects = next((kind for kind, rx in EXPECTS.items() if rx.search(question)), None)
    persona = next((name for name, rx in PERSONAS.items() if rx.search(question)), None)
    return QuestionKind(
        expects=expects,
        future=bool(FUTURE.search(question)),
        injection=bool(INJECTION.search(question)),
        persona=persona,
        funding=bool(FUNDING.search(question)),
        follow_up=bool(FOLLOW_UP.search(question)),
    )


def has_evidence(kind: str, text: str) -> bool:
    """Does the text hold a fact of the kind the question expects?"""
    return bool(EVIDENCE[kind].search(text))


@textregex.text_function()
def ordinal(question: str) -> int | None:
    """1, 2, 3, 4 or -1 (last) when the question points at an item by position."""
    return next((n for n, rx in ORDINALS.items() if rx.search(question)), None)


# Probes for the pathological-input test (tests/assistant/test_textregex.py).
for _kind in EVIDENCE:
    textregex.register_text_function(
        f"assistant.answer.analysis.has_evidence[{_kind}]",
        lambda text, kind=_kind: has_evidence(kind, text),
    )
textregex.register_text_function("assistant.answer.analysis.META", lambda text: META.search(text))
