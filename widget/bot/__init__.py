"""Zhengna smart service: the Chinese FAQ matcher (normalise, retrieve, decide)."""

from .kb import Entry, KnowledgeBase, load_entries
from .matcher import Matcher, MatchResult

__all__ = ["Entry", "KnowledgeBase", "Matcher", "MatchResult", "load_entries"]
