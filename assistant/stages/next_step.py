"""Next step: the route that fits who is asking, from the routes document, cited.

In: the asker's persona (or None), the query vector, the answer's language, the draft and the
sources the answer already cites. Out: the next-step text with [n] citations numbered after the
answer's, and its sources; nothing after an off-topic refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.analysis import PERSONAS
from assistant.answer.extractive import Candidate
from assistant.answer.units import Unit
from assistant.schema import Chunk, SearchHit, Source
from assistant.settings import Settings
from assistant.stages.compose import source_of
from assistant.stages.decide import Draft

if TYPE_CHECKING:
    from assistant.pipeline import IndexState

# A next step quotes this many sentences of its route section: enough to name the route.
ROUTE_SENTENCES = 2


class NextStep:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(
        self,
        persona: str | None,
        qvec: np.ndarray,
        lang: str,
        draft: Draft,
        sources: list[Source],
        state: IndexState,
    ) -> tuple[str | None, list[Source]]:
        """The route that fits who is asking, from the routes document, cited.

        The section for this kind of asker that is closest to the question gives its opening
        sentences (ROUTE_SENTENCES of them), leaving out what the answer already says; each is
        cited from its own chunk, so each keeps its own page's URL.
        """
        if persona is None or (draft.refused and draft.reason == "offtopic"):
            return None, []
        pattern = PERSONAS[persona]
        sections: dict[tuple[str, str], list[tuple[Chunk, Unit, float]]] = {}
        for chunk, unit in state.group_units.get(self.settings.routes_doc, []):
            if chunk.lang == lang and pattern.search(unit.heading):
                dense = state.vectors.similarity(unit.key, qvec)
                # Keyed by document and heading, not chunk: a section that paragraph source
                # markers split over several chunks is still one route, read in order.
                sections.setdefault((chunk.doc_id, unit.heading), []).append((chunk, unit, dense))
        if not sections:
            return None, []
        for items in sections.values():
            items.sort(key=lambda item: (item[0].position, item[1].order))
        # What the answer says: every statement, not only each source's first quote.
        said = " ".join([s.quote for s in sources] + [c.unit.text for c, _ in draft.statements])
        # The section the answer already quotes is continued; else the one closest to the question.
        continued = [
            items for items in sections.values() if any(u.text in said for _, u, _ in items)
        ]
        units = max(continued or sections.values(), key=lambda items: max(d for _, _, d in items))
        fresh = [(c, u, d) for c, u, d in units if u.text not in said][:ROUTE_SENTENCES]
        if not fresh:
            return None, []
        parts: list[str] = []
        cited: list[Source] = []
        numbers: dict[str, int] = {}
        for chunk, unit, dense in fresh:
            if chunk.chunk_id not in numbers:
                numbers[chunk.chunk_id] = len(sources) + len(cited) + 1
                hit = SearchHit(chunk=chunk, score=dense, rank=1)
                cand = Candidate(unit, hit, dense, 0.0, frozenset(), dense)
                cited.append(source_of(numbers[chunk.chunk_id], cand))
            parts.append(f"{unit.text} [{numbers[chunk.chunk_id]}]")
        return " ".join(parts), cited
