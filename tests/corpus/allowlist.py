"""What the corpus may state as a phone number, e-mail address, euro amount or person's name.

Drawn up by hand from the project's source facts and the agreement page (the Swedish seed page at
rakennerahastot.fi/sv/vastra-finland/tammerfors). Anything not listed here was never sourced, so a
corpus document that contains it has invented it. Adding an entry needs a source for it.
"""

from __future__ import annotations

# Phone numbers, as digits only in national form ("+358 50 ..." is normalised to "050 ...").
# The only sourced number: Jaana Niittyniemi, Council of Tampere Region, on the agreement page.
PHONES: frozenset[str] = frozenset({"0503261620"})

# E-mail addresses: none is sourced (the agreement page's address was hidden by e-mail protection).
EMAILS: frozenset[str] = frozenset()

_M = 1_000_000

# Euro amounts, as whole euros. Each line names the fact it belongs to.
EUROS: frozenset[int] = frozenset(
    round(value)
    for value in (
        140 * _M,  # total ERDF plus other public funding for all agreements (EN, older FI pages)
        150 * _M,  # the same total on the updated FI and SV pages
        21.6 * _M,  # government allocation for 2022
        6.9 * _M,  # 2022 allocation for the national innovation and skills network
        13 * _M,  # government allocation for 2023
        11.5 * _M,  # government allocation for 2024
        2 * _M,  # one lead-theme call (2.4.-6.5.)
        1 * _M,  # Pirkanmaa 2025: ERDF business aid to 23 projects of young companies
        12.6 * _M,  # the Council's general ERDF 2021-2027
        1.3 * _M,  # the Council's JTF 2021-2027
        1.8 * _M,  # the Council's general ERDF per year
        128_810,  # SIXNET: Council AKKE funding in one decision
        260_000,  # SIXNET total on the project page
        325_000,  # SIXNET total on the project page
    )
)

# People named in the sources. Contacts first, then others the sources name.
CONTACT_NAMES: frozenset[str] = frozenset(
    {
        "Jaana Niittyniemi",
        "Jukka Järvinen",
        "Monna Salmi",
        "Tiina Ramstedt-Sen",
        "Riina Niemi",
        "Riina Pulkkinen",
        "Matti Lipsanen",
        "Tiina Harala",
        "Irene Impiö",
        "Mika Pikkarainen",
        "Katja Palonen",
        "Olli Voutilainen",
    }
)
OTHER_NAMES: frozenset[str] = frozenset(
    {
        "Nuppu Suvanto",  # International Tampere Hub project manager in one interview
        "Mari Taverne",  # Talent Attraction and Migration, International House Tampere
    }
)
PERSON_NAMES: frozenset[str] = CONTACT_NAMES | OTHER_NAMES
