"""The FAQ knowledge base and product catalogue under `knowledge/`, and the training data built from them."""

from pathlib import Path

from bot.knowledge.model import FaqEntry, KnowledgeBase, KnowledgeError, Product, load_knowledge

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"

__all__ = ["FaqEntry", "KnowledgeBase", "KnowledgeError", "Product", "load_knowledge", "KNOWLEDGE_DIR", "PROJECT_ROOT"]
