"""Source URLs as every channel may link them: http(s) only, and percent-encoded so that no
character of the URL can end the link it sits in (Markdown `)`, HTML `"`, spaces, `<`, `>`).

Documents are not trusted (anyone with a folder in EXTRA_DOCS_DIRS, or a hostile page copied
into one, sets `Source.url`), so a `javascript:` or `data:` URL must never become a link.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlsplit

LINK_SCHEMES = ("http", "https")
# RFC 3986 reserved and unreserved characters, minus the ones that end a Markdown or HTML link
# ("(", ")", "'") and "%" kept so already-encoded URLs stay as they are.
_SAFE = ":/?#[]@!$&*+,;=%~-._"


def safe_link_url(url: str | None) -> str | None:
    """The URL ready to put inside a link, or None when it must not be linked at all."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return quote(url, safe=_SAFE)


@lru_cache(maxsize=4096)  # the index's few hundred source URLs, asked for on every question
def site(url: str) -> str:
    """The site a URL is on (its host without a leading "www."): pages of one site belong
    together (a regional council's call page and its funding page), other sites do not."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def page(url: str) -> str:
    """The page a URL names, as two spellings of one page compare equal: its site (see `site`)
    and its path without a trailing "/" ("https://a.fi" and "https://www.a.fi/" are one page)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    path = parts.path.rstrip("/")
    return f"{site(url)}{path}" + (f"?{parts.query}" if parts.query else "")
