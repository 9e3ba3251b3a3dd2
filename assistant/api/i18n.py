"""The few sentences the API itself says, in English, Finnish and Swedish."""

from __future__ import annotations

PRIVACY = {
    "en": (
        "What is stored: each question, the answer, its language and sources are kept with a "
        "random id so that thumbs up/down and comments can refer to them; no name, account or "
        "IP address is stored with them. They are deleted after {days} days. Conversations "
        "with a session id are kept in memory only, for a limited number of turns, and are "
        "forgotten after {ttl} idle minutes."
    ),
    "fi": (
        "Mitä tallennetaan: jokainen kysymys, vastaus, sen kieli ja lähteet tallennetaan "
        "satunnaisella tunnisteella, jotta peukutukset ja kommentit voivat viitata niihin; "
        "nimeä, tiliä tai IP-osoitetta ei tallenneta niiden kanssa. Ne poistetaan {days} päivän "
        "kuluttua. Istuntotunnisteella käydyt keskustelut pidetään vain muistissa, rajattu "
        "määrä vuoroja, ja ne unohdetaan {ttl} minuutin käyttämättömyyden jälkeen."
    ),
    "sv": (
        "Vad som sparas: varje fråga, svaret, dess språk och källor sparas med ett slumpmässigt "
        "id så att tummar upp/ner och kommentarer kan hänvisa till dem; inget namn, konto eller "
        "IP-adress sparas med dem. De raderas efter {days} dagar. Samtal med ett sessions-id "
        "hålls bara i minnet, ett begränsat antal turer, och glöms efter {ttl} minuter utan "
        "aktivitet."
    ),
}


def privacy_text(lang: str, days: int, ttl_minutes: float) -> str:
    """The privacy notice with the configured retention period filled in."""
    ttl = f"{ttl_minutes:g}"
    return PRIVACY.get(lang, PRIVACY["en"]).format(days=days, ttl=ttl)
