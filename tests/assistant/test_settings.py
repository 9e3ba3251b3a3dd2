"""Settings: one class, environment and .env, documented in .env.example."""

from __future__ import annotations

import re

from assistant.settings import Settings
from tests.conftest import ROOT


def test_env_example_lists_every_setting_and_nothing_else():
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", text, re.MULTILINE))
    assert listed == {name.upper() for name in Settings.model_fields}


def test_every_setting_is_documented():
    assert all(field.description for field in Settings.model_fields.values())


def test_environment_and_dotenv_are_read(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "EMBEDDING_PROVIDER=sentence-transformers\nCORS_ORIGINS=http://a,http://b\n"
    )
    monkeypatch.setenv("CHROMA_HOST", "chroma.local")
    settings = Settings(_env_file=env_file)
    assert settings.embedding_provider == "sentence-transformers"
    assert settings.cors_origins == ["http://a", "http://b"]
    assert settings.chroma_host == "chroma.local"


def test_env_example_values_parse_as_defaults(monkeypatch):
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.chroma_path == settings.data_dir / "chroma"
    assert settings.extra_docs_dirs == []
    assert settings.admin_api_key.get_secret_value() == ""


def test_offline_environment_is_set_on_import():
    import os

    import assistant  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"


def test_default_path_never_imports_torch(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from assistant.cli import main; "
        "from assistant.embeddings import get_embedder; from assistant.settings import Settings; "
        "import assistant.pipeline, ingest.indexer; get_embedder(Settings(_env_file=None)); "
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"], out.stderr[-1000:]
