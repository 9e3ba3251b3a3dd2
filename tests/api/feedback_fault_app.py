"""The API with the fake assistant, for a uvicorn subprocess (`--factory`) in the fault tests.

Settings come from the environment (DATA_DIR, DATABASE_URL, ...), so the feedback store is the one
under test; logging is the serve command's, so the test reads what an operator would read.
"""

from __future__ import annotations

import logging.config

from fastapi import FastAPI

from assistant.api import create_app
from assistant.api.server import logging_config
from assistant.settings import Settings
from tests.api.fakes import FakeAssistant


def build() -> FastAPI:
    settings = Settings()
    logging.config.dictConfig(logging_config("INFO"))
    return create_app(settings, assistant=FakeAssistant())
