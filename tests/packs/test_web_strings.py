"""The web page's words are pack data (web.yaml): every shipped pack gives every key, a pack's
mistakes name the file and the key, and the page the server renders lists the served languages
with their words, a toy fourth language included, with no code edit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from assistant import packs
from assistant.api.routes.web import render_page
from tests.conftest import make_settings
from tests.packs.toy_pack import write_german_pack

SHIPPED = ("en", "fi", "sv")


@pytest.fixture
def restore_packs() -> Iterator[None]:
    yield
    packs.use_settings(make_settings())


def _strings(html: str) -> dict:
    start = html.index('<script id="ui-strings" type="application/json">') + len(
        '<script id="ui-strings" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_shipped_pack_gives_every_page_key_and_suggestions(lang: str) -> None:
    web = packs.load_pack(packs.PACKS_DIR / lang).web
    assert web is not None
    assert set(web.labels) == set(packs.WEB)
    assert 1 <= len(web.suggestions) <= packs.MAX_SUGGESTIONS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: x\nsubmit: Go\n", "unknown key 'submit'"),
        ("tooLong: too long ({chars})\n", "key 'tooLong': placeholders ['chars']"),
        ("ask: ''\n", "key labels.ask"),
        ("suggestions: one\n", "key 'suggestions'"),
        ("suggestions: [a, b, c, d, e, f, g]\n", "key 'suggestions'"),
    ],
)
def test_a_bad_web_file_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    root = write_german_pack(tmp_path)
    (root / "de" / "web.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(packs.PackError) as info:
        packs.load_pack(root / "de")
    assert "web.yaml" in str(info.value) and message in str(info.value)


def test_the_page_lists_the_served_languages_with_their_words() -> None:
    html = render_page(1234, 30, 15)
    assert "{{" not in html
    for lang in SHIPPED:
        name = packs.active().words(lang).language.name
        assert f'<option value="{lang}" lang="{lang}">{name}</option>' in html
    strings = _strings(html)
    assert strings["default"] == "en"
    assert strings["labels"]["fi"]["ask"] == packs.active().web("fi")["ask"]
    assert strings["labels"]["sv"]["suggestions"] == packs.active().web("sv")["suggestions"]
    # Without JavaScript the page reads in the default language, with the configured limit.
    assert f'<h1 data-i18n="title">{packs.active().web("en")["title"]}</h1>' in unescape(html)
    assert 'maxlength="1234"' in html and 'data-max-chars="1234"' in html


def test_a_fourth_pack_reaches_the_page_and_falls_back_key_by_key(
    tmp_path: Path, restore_packs: None
) -> None:
    packs.use_settings(make_settings(extra_packs_dirs=[write_german_pack(tmp_path)]))
    html = render_page(2000, 30, 15)
    assert '<option value="de" lang="de">' in html
    german = _strings(html)["labels"]["de"]
    assert german["ask"] == "Fragen"
    assert german["suggestions"] == ["Welche Schwerpunkte hat die Vereinbarung?"]
    # a key the toy pack leaves out is the default language's
    assert german["notice"] == packs.active().web("en")["notice"]


def test_page_words_cannot_close_the_script_element(tmp_path: Path, restore_packs: None) -> None:
    root = write_german_pack(tmp_path)
    (root / "de" / "web.yaml").write_text(
        "title: '</script><script>alert(1)</script>'\n", encoding="utf-8"
    )
    packs.use_settings(make_settings(extra_packs_dirs=[root]))
    html = render_page(2000, 30, 15)
    assert html.count("</script>") == 2  # the JSON block's and app.js's own
    assert _strings(html)["labels"]["de"]["title"] == "</script><script>alert(1)</script>"
