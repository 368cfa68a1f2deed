"""Recommendations and their follow-through live here (DESIGN §4.4, §4.5)."""
