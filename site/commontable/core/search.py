"""Turning what people type into a search the backends can always run."""

import re

MAX_TERMS = 12


def search_terms(text: str) -> str:
    """Plain words only: quotes, brackets and operators in what people type never reach the
    full-text engine (a lone quote would otherwise be a syntax error there)."""
    return " ".join(re.findall(r"\w+", text)[:MAX_TERMS])
