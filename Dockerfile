# CPU-only image: torch is pinned in pyproject.toml; pip (not uv) resolves the CPU wheel index.
FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY assistant assistant
COPY ingest ingest
COPY bots bots
COPY evals evals
COPY corpus corpus
RUN pip install .
EXPOSE 8000
CMD ["assistant", "serve", "--host", "0.0.0.0", "--port", "8000"]
