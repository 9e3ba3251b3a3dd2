"""`assistant ingest [PATH ...]`: build or update the index, with a progress bar."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from assistant.settings import Settings
from assistant.store import StoreError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="assistant ingest",
        description="Add, update and remove exactly what changed in the documents. Without PATH: "
        "corpus/ plus EXTRA_DOCS_DIRS. Formats: Markdown (front matter), text, HTML, PDF, DOCX.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to ingest")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    from ingest.indexer import Indexer

    settings = Settings()
    try:
        # Staff folders join corpus/ and are remembered, so later updates keep them live.
        report = Indexer(settings).run(args.paths or None, progress=not args.json)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for error in report.errors:
            print(f"skipped {error.path}: {error.reason}", file=sys.stderr)
        state = "updated" if report.changed else "unchanged"
        print(
            f"index {state}: {report.documents} documents, {report.chunks} chunks "
            f"(+{report.added} -{report.removed}, embedded {report.embedded}) "
            f"in {report.seconds:.1f}s -> {report.collection}"
        )
    return 0
