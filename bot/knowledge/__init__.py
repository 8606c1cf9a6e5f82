"""The FAQ knowledge base and product catalogue under `knowledge/`, and the training data built from them."""

from functools import lru_cache

from bot.core.settings import PROJECT_ROOT
from bot.knowledge.model import FaqEntry, KnowledgeBase, KnowledgeError, Product, load_knowledge

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"



@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The project's knowledge base, loaded once per process (the action server's and the console's)."""
    return load_knowledge(KNOWLEDGE_DIR)


__all__ = ["FaqEntry", "KnowledgeBase", "KnowledgeError", "Product", "load_knowledge", "knowledge_base",
           "KNOWLEDGE_DIR", "PROJECT_ROOT"]
