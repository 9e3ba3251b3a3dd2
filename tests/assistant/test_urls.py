"""`safe_link_url`: which source URLs may become links, and how they are encoded."""

import pytest

from assistant.urls import page, safe_link_url, site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://rakennerahastot.fi/sv/vastra-finland/tammerfors", None),  # unchanged: below
        ("http://example.org/a?b=1&c=2#d", "http://example.org/a?b=1&c=2#d"),
        ("https://example.org/ä ö", "https://example.org/%C3%A4%20%C3%B6"),
        ('https://example.org/a b)"c<d>', "https://example.org/a%20b%29%22c%3Cd%3E"),
        ("https://example.org/x'y(z)", "https://example.org/x%27y%28z%29"),
        ("https://example.org/already%20encoded", "https://example.org/already%20encoded"),
        ("  https://example.org/trimmed  ", "https://example.org/trimmed"),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("tg://resolve?domain=x", False),
        ("file:///etc/passwd", False),
        ("//example.org/protocol-relative", False),
        ("/relative/path", False),
        ("https://", False),
        ("http://[::1", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_link_url(url, expected):
    got = safe_link_url(url)
    if expected is False:
        assert got is None
    elif expected is None:
        assert got == url
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.pirkanmaa.fi/a/b/", "pirkanmaa.fi"),
        ("https://pirkanmaa.fi/", "pirkanmaa.fi"),
        ("https://innokaupungit.fi/en/cities/tampere/", "innokaupungit.fi"),
        ("https://WWW.Example.ORG/x", "example.org"),  # hosts compare case-blind
        ("https://wwwexample.org/", "wwwexample.org"),  # only a "www." label is dropped
        ("  https://tem.fi/en  ", "tem.fi"),
        ("http://[::1", ""),  # unparsable: no site, so never the same site as another URL
        ("", ""),
    ],
)
def test_site(url, expected):
    assert site(url) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://internationalhouse.tampere.fi", "https://internationalhouse.tampere.fi/", True),
        ("https://www.pirkanmaa.fi/a/b/", "https://pirkanmaa.fi/a/b", True),
        ("http://tem.fi/en/x", "https://tem.fi/en/x/", True),  # the scheme is no part of a page
        ("https://pirkanmaa.fi/a/", "https://pirkanmaa.fi/b/", False),
        ("https://innokaupungit.fi/x", "https://rakennerahastot.fi/x", False),
        ("https://www.sttinfo.fi/tiedote/1?a=1", "https://www.sttinfo.fi/tiedote/1?a=2", False),
    ],
)
def test_page(a, b, same):
    assert (page(a) == page(b)) is same
