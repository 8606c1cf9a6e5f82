"""`python -m bot.knowledge build|check`: regenerate, or verify, the training data derived from knowledge/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bot.knowledge import KNOWLEDGE_DIR, PROJECT_ROOT, KnowledgeError, load_knowledge
from bot.knowledge.builder import stale_files, write_generated


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge", description=__doc__)
    parser.add_argument("command", choices=["build", "check"], help="build: write the files; check: fail if stale")
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR, help="knowledge folder (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project root to write into")
    args = parser.parse_args(argv)

    try:
        knowledge = load_knowledge(args.knowledge)
    except KnowledgeError as error:
        print(f"knowledge: {error}", file=sys.stderr)
        return 1

    summary = f"{len(knowledge.entries)} FAQ entries, {len(knowledge.products)} products"
    if args.command == "check":
        stale = stale_files(knowledge, args.root)
        if stale:
            names = ", ".join(str(p.relative_to(args.root)) for p in stale)
            print(f"knowledge: generated files are stale: {names}. Run `python -m bot.knowledge build`.", file=sys.stderr)
            return 1
        print(f"knowledge: generated files are up to date ({summary})")
        return 0

    written = write_generated(knowledge, args.root)
    if written:
        print(f"knowledge: {summary}; wrote " + ", ".join(str(p.relative_to(args.root)) for p in written))
    else:
        print(f"knowledge: {summary}; generated files already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
