"""A small corpus with source markers and contact blocks, in en/fi/sv, written to a tmp dir.

Two sections cite different pages (Talent Boost, VTT), so a test can tell whether a citation
links to the page that states the quoted sentence without depending on the shipped corpus's
wording. The people and example.fi pages are made up.
"""

from __future__ import annotations

from pathlib import Path

AGREEMENT = "https://agreement.example.fi/"
TALENT = "https://talent.example.fi/boost"
VTT = "https://vtt.example.fi/research"

_PROGRAMMES = {
    "en": f"""---
id: programmes-en
title: Programmes of the example agreement
lang: en
sources: [{AGREEMENT}, {TALENT}, {VTT}]
as_of: "2024-05-01"
---
# Programmes of the example agreement

<!-- sources: {AGREEMENT} -->

The example agreement between the city and the state supports several national programmes.

## Talent Boost

<!-- sources: {TALENT} {AGREEMENT} -->

Talent Boost is a national programme that helps companies recruit international experts and
keeps international talent in Finland.

## VTT

<!-- sources: {VTT} -->

VTT is the technical research centre of Finland; it runs research infrastructure for smart
machines and shares its laboratories with companies.
""",
    "fi": f"""---
id: programmes-fi
title: Esimerkkisopimuksen ohjelmat
lang: fi
translation_of: programmes-en
sources: [{AGREEMENT}, {TALENT}, {VTT}]
as_of: "2024-05-01"
---
# Esimerkkisopimuksen ohjelmat

<!-- sources: {AGREEMENT} -->

Kaupungin ja valtion välinen esimerkkisopimus tukee useita kansallisia ohjelmia.

## Talent Boost

<!-- sources: {TALENT} {AGREEMENT} -->

Talent Boost on kansallinen ohjelma, joka auttaa yrityksiä rekrytoimaan kansainvälisiä
osaajia ja pitää kansainväliset osaajat Suomessa.

## VTT

<!-- sources: {VTT} -->

VTT on Suomen teknologian tutkimuskeskus; se ylläpitää älykkäiden koneiden
tutkimusinfrastruktuuria ja jakaa laboratorionsa yritysten kanssa.
""",
    "sv": f"""---
id: programmes-sv
title: Exempelavtalets program
lang: sv
translation_of: programmes-en
sources: [{AGREEMENT}, {TALENT}, {VTT}]
as_of: "2024-05-01"
---
# Exempelavtalets program

<!-- sources: {AGREEMENT} -->

Exempelavtalet mellan staden och staten stöder flera nationella program.

## Talent Boost

<!-- sources: {TALENT} {AGREEMENT} -->

Talent Boost är ett nationellt program som hjälper företag att rekrytera internationella
experter och håller kvar internationella talanger i Finland.

## VTT

<!-- sources: {VTT} -->

VTT är Finlands tekniska forskningscentral; den driver forskningsinfrastruktur för smarta
maskiner och delar sina laboratorier med företag.
""",
}

_CONTACT_TEXT = {
    "en": (
        "Contacts for the example agreement",
        "Maija Meikäläinen answers questions about the example agreement and its funding.",
        "funding expert",
        "Example Regional Council",
        "[the example agreement, funding, ERDF calls]",
        "Erik Exempel answers questions about Talent Boost and international experts.",
        "programme manager",
        "Example Talent Office",
        "[Talent Boost, international experts, recruiting from abroad]",
    ),
    "fi": (
        "Esimerkkisopimuksen yhteyshenkilöt",
        "Maija Meikäläinen vastaa esimerkkisopimusta ja sen rahoitusta koskeviin kysymyksiin.",
        "rahoitusasiantuntija",
        "Esimerkin maakuntaliitto",
        "[esimerkkisopimus, rahoitus, EAKR-haut]",
        "Erik Exempel vastaa Talent Boostia ja kansainvälisiä osaajia koskeviin kysymyksiin.",
        "ohjelmapäällikkö",
        "Esimerkin osaajatoimisto",
        "[Talent Boost, kansainväliset osaajat, rekrytointi ulkomailta]",
    ),
    "sv": (
        "Kontaktpersoner för exempelavtalet",
        "Maija Meikäläinen svarar på frågor om exempelavtalet och dess finansiering.",
        "finansieringsexpert",
        "Exempelregionens förbund",
        "[exempelavtalet, finansiering, ERUF-utlysningar]",
        "Erik Exempel svarar på frågor om Talent Boost och internationella experter.",
        "programchef",
        "Exempelbyråns talangtjänst",
        "[Talent Boost, internationella experter, rekrytering från utlandet]",
    ),
}


def _contacts(lang: str) -> str:
    title, m_text, m_role, m_org, m_topics, e_text, e_role, e_org, e_topics = _CONTACT_TEXT[lang]
    translation = "" if lang == "en" else "translation_of: contacts-en\n"
    return f"""---
id: contacts-{lang}
title: {title}
lang: {lang}
{translation}sources: [{AGREEMENT}, {TALENT}]
as_of: "2024-05-01"
---
# {title}

<!-- sources: {AGREEMENT} -->

## Maija Meikäläinen

<!-- sources: {AGREEMENT} -->

{m_text}

```contact
name: Maija Meikäläinen
role: {m_role}
organisation: {m_org}
phone: "050 123 4567"
topics: {m_topics}
source: {AGREEMENT}
```

## Erik Exempel

<!-- sources: {TALENT} -->

{e_text}

```contact
name: Erik Exempel
role: {e_role}
organisation: {e_org}
topics: {e_topics}
source: {TALENT}
```
"""


def write_marked_corpus(root: Path) -> Path:
    """The corpus under `root` (en/, fi/, sv/), returned for `corpus_dir`."""
    for lang in ("en", "fi", "sv"):
        folder = root / lang
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "programmes.md").write_text(_PROGRAMMES[lang], encoding="utf-8")
        (folder / "contacts.md").write_text(_contacts(lang), encoding="utf-8")
    return root


# The fixture's people, by language: what a refusal's contact must be one of.
PEOPLE = {
    lang: {
        "Maija Meikäläinen": (fields[2], fields[3]),
        "Erik Exempel": (fields[6], fields[7]),
    }
    for lang, fields in _CONTACT_TEXT.items()
}
