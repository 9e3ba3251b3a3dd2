"""Hybrid, language-aware retrieval: dense (Chroma) + BM25, fused by reciprocal rank."""
