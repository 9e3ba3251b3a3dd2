"""Every text the bot itself says, in English, Finnish and Swedish.

Only the bot's own UI lives here. Facts about the agreement never do: /contacts and /focus ask the
pipeline the questions below, so the answers come from the documents, with sources.
"""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fi": "suomi", "sv": "svenska"}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": (
            "Hi{name}! I am an AI assistant. I answer questions about the innovation ecosystem "
            "agreement between the City of Tampere and the Finnish state, using only its "
            "published documents, and I link every answer to its sources.\n\n"
            "Ask me, for example, about the agreement's goals, focus areas, funding, "
            "programmes or contact persons. Write in English, Finnish or Swedish.\n\n"
            "What I store: the last few messages of this chat for up to {ttl} idle minutes, so "
            "follow-up questions work (/reset forgets them), and my answers with your 👍/👎 if "
            "you press them, for up to {days} days, to improve the answers.\n\n"
            "Choose your language:"
        ),
        "help": (
            "Just write your question as a message. I answer from the published documents and "
            "list the sources as links.\n\n"
            "/contacts - contact persons\n"
            "/focus - focus areas\n"
            "/lang - choose English, suomi or svenska\n"
            "/reset - forget this conversation\n"
            "/help - this help\n\n"
            "In a group, mention me or reply to my message."
        ),
        "choose_language": "Choose your language:",
        "language_set": "OK, I will use English.",
        "reset": "Done: I have forgotten this conversation.",
        "text_only": "Sorry, I can only read text questions. Please write your question as text.",
        "rate_limited": (
            "You are asking faster than I can answer well. Please wait a minute and ask again."
        ),
        "apology": "Sorry, something went wrong while answering. Please try again in a moment.",
        "busy": (
            "I cannot reach my conversation memory just now, so I cannot answer. Please try "
            "again in a minute."
        ),
        "sources": "Sources",
        "feedback_thanks": "Thank you for the feedback!",
        "feedback_unknown": "Sorry, I no longer have that answer.",
        "empty_question": "Please write your question after my name.",
        "cmd_start": "Start and choose the language",
        "cmd_help": "How to use the bot",
        "cmd_contacts": "Contact persons",
        "cmd_focus": "Focus areas",
        "cmd_lang": "Choose the language",
        "cmd_reset": "Forget this conversation",
        "q_contacts": "Who are the contact persons for the ecosystem agreement?",
        "q_focus": "What are the focus areas of the ecosystem agreement?",
    },
    "fi": {
        "greeting": (
            "Hei{name}! Olen tekoälyavustaja. Vastaan kysymyksiin Tampereen kaupungin ja valtion "
            "välisestä innovaatiotoiminnan ekosysteemisopimuksesta pelkästään julkaistujen "
            "asiakirjojen perusteella, ja linkitän jokaisen vastauksen lähteisiin.\n\n"
            "Kysy esimerkiksi sopimuksen tavoitteista, painopisteistä, rahoituksesta, "
            "ohjelmista tai yhteyshenkilöistä. Voit kirjoittaa suomeksi, ruotsiksi tai "
            "englanniksi.\n\n"
            "Mitä tallennan: tämän keskustelun viimeisimmät viestit enintään {ttl} minuutin "
            "tauon ajan, jotta jatkokysymykset toimivat (/reset unohtaa ne), sekä vastaukseni ja "
            "antamasi 👍/👎-palautteen enintään {days} päivän ajan vastausten parantamiseksi.\n\n"
            "Valitse kieli:"
        ),
        "help": (
            "Kirjoita kysymyksesi viestinä. Vastaan julkaistujen asiakirjojen perusteella ja "
            "listaan lähteet linkkeinä.\n\n"
            "/contacts - yhteyshenkilöt\n"
            "/focus - painopisteet\n"
            "/lang - valitse kieli (English, suomi, svenska)\n"
            "/reset - unohda tämä keskustelu\n"
            "/help - tämä ohje\n\n"
            "Ryhmässä mainitse minut tai vastaa viestiini."
        ),
        "choose_language": "Valitse kieli:",
        "language_set": "Selvä, käytän suomea.",
        "reset": "Valmis: unohdin tämän keskustelun.",
        "text_only": (
            "Valitettavasti luen vain tekstimuotoisia kysymyksiä. Kirjoita kysymyksesi tekstinä."
        ),
        "rate_limited": (
            "Kysyt nopeammin kuin ehdin vastata kunnolla. Odota hetki ja kysy sitten uudelleen."
        ),
        "apology": "Pahoittelut, vastaamisessa tapahtui virhe. Yritä hetken kuluttua uudelleen.",
        "busy": (
            "En juuri nyt tavoita keskustelumuistiani, joten en voi vastata. Yritä uudelleen "
            "hetken kuluttua."
        ),
        "sources": "Lähteet",
        "feedback_thanks": "Kiitos palautteesta!",
        "feedback_unknown": "Valitettavasti minulla ei ole enää tätä vastausta.",
        "empty_question": "Kirjoita kysymyksesi nimeni perään.",
        "cmd_start": "Aloita ja valitse kieli",
        "cmd_help": "Käyttöohje",
        "cmd_contacts": "Yhteyshenkilöt",
        "cmd_focus": "Painopisteet",
        "cmd_lang": "Valitse kieli",
        "cmd_reset": "Unohda tämä keskustelu",
        "q_contacts": "Keitä ovat ekosysteemisopimuksen yhteyshenkilöt?",
        "q_focus": "Mitkä ovat ekosysteemisopimuksen painopisteet?",
    },
    "sv": {
        "greeting": (
            "Hej{name}! Jag är en AI-assistent. Jag svarar på frågor om ekosystemavtalet för "
            "innovationsverksamhet mellan Tammerfors stad och staten, enbart utifrån de "
            "publicerade dokumenten, och jag länkar varje svar till dess källor.\n\n"
            "Fråga till exempel om avtalets mål, fokusområden, finansiering, program eller "
            "kontaktpersoner. Du kan skriva på svenska, finska eller engelska.\n\n"
            "Vad jag sparar: de senaste meddelandena i den här chatten i högst {ttl} minuter "
            "utan aktivitet, så att följdfrågor fungerar (/reset glömmer dem), samt mina svar och "
            "din 👍/👎 om du trycker på dem, i högst {days} dagar, för att förbättra svaren.\n\n"
            "Välj språk:"
        ),
        "help": (
            "Skriv bara din fråga som ett meddelande. Jag svarar utifrån de publicerade "
            "dokumenten och listar källorna som länkar.\n\n"
            "/contacts - kontaktpersoner\n"
            "/focus - fokusområden\n"
            "/lang - välj språk (English, suomi, svenska)\n"
            "/reset - glöm den här konversationen\n"
            "/help - den här hjälpen\n\n"
            "I en grupp: nämn mig eller svara på mitt meddelande."
        ),
        "choose_language": "Välj språk:",
        "language_set": "Okej, jag använder svenska.",
        "reset": "Klart: jag har glömt den här konversationen.",
        "text_only": "Tyvärr kan jag bara läsa frågor i textform. Skriv din fråga som text.",
        "rate_limited": (
            "Du frågar snabbare än jag hinner svara ordentligt. Vänta en minut och fråga igen."
        ),
        "apology": "Förlåt, något gick fel när jag svarade. Försök igen om en stund.",
        "busy": (
            "Jag når inte mitt samtalsminne just nu och kan därför inte svara. Försök igen om "
            "en minut."
        ),
        "sources": "Källor",
        "feedback_thanks": "Tack för din respons!",
        "feedback_unknown": "Tyvärr har jag inte längre det svaret.",
        "empty_question": "Skriv din fråga efter mitt namn.",
        "cmd_start": "Starta och välj språk",
        "cmd_help": "Hur boten används",
        "cmd_contacts": "Kontaktpersoner",
        "cmd_focus": "Fokusområden",
        "cmd_lang": "Välj språk",
        "cmd_reset": "Glöm den här konversationen",
        "q_contacts": "Vilka är kontaktpersonerna för ekosystemavtalet?",
        "q_focus": "Vilka är ekosystemavtalets fokusområden?",
    },
}

COMMANDS: tuple[str, ...] = ("start", "help", "contacts", "focus", "lang", "reset")


def text(lang: str | None, key: str, **values: object) -> str:
    """The UI text `key` in `lang` (English when the language is not one of ours)."""
    table = TEXTS.get(lang or "en", TEXTS["en"])
    return table[key].format(**values) if values else table[key]
