"""Tampere ecosystem-agreement assistant.

The offline and no-telemetry environment is set here, before anything imports transformers,
huggingface_hub or chromadb, so no code path can try to reach a model hub or a telemetry server.
"""

from __future__ import annotations

import os as _os

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_key, _value)

__all__ = ["Assistant", "Answer"]


def __getattr__(name: str):  # lazy: `import assistant` must stay cheap
    if name == "Assistant":
        from assistant.pipeline import Assistant

        return Assistant
    if name == "Answer":
        from assistant.schema import Answer

        return Answer
    raise AttributeError(name)
