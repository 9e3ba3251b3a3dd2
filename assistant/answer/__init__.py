"""From retrieved chunks to a cited answer: extractive by default, an LLM optionally."""
