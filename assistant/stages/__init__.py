"""The stages a question goes through, each a small component with typed inputs and outputs.

channel -> conversation (assistant/conversation) -> `Assistant` (assistant/pipeline.py), which
only wires these:

1. understand (`understand.Understand`): language, standalone question, kind, asker;
2. retrieve (`retrieve.Retrieve`): the query vector and the hybrid search's usable hits;
3. select evidence (`assistant.answer.extractive.ExtractiveAnswerer.select`): the answer units;
4. decide (`decide.Decide`): answer, or refuse with the reason and the contact who fits;
5. compose (`compose.Composer`: extractive, or an LLM's verified reply);
6. next step (`next_step.NextStep`): the route for the asker, when it fits the question.
"""
