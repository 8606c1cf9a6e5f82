"""`make eval-smp`: the project's NLU pipeline settings on the external SMP2019 ECDT benchmark.

Trains the bot's tokenizer, featurizers and classifier settings (config.yml) with the project's extractor for
learned entities (`tools.nlu.character_crf`; the bot matches its own entities, the benchmark's slots must be
learned) on `train.yml` of ../shared/eval/smp2019 (SMP2019_DIR), evaluates once on `test.yml` (`--split dev`
to tune), and prints intent accuracy, slot F1 and sentence accuracy next to the published table. The benchmark
data is read in place, never copied into the project.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml

from bot.knowledge import PROJECT_ROOT

SMP_DIR = Path(os.environ.get("SMP2019_DIR", PROJECT_ROOT.parent / "shared" / "eval" / "smp2019"))
MODEL_DIR = PROJECT_ROOT / "models" / "smp2019"
# (model, slot F1, intent accuracy, sentence accuracy) from the benchmark's README
PUBLISHED = [
    ("Slot-Gated", 62.94, 91.11, 57.03),
    ("SF-ID Network", 71.59, 94.07, 63.33),
    ("Stack-Propagation", 78.91, 94.44, 72.59),
    ("Multi-Level Word Adapter", 73.60, 93.70, 70.00),
]
# The project's extractor for learned entities; the bot itself learns none (config.yml).
SLOT_EXTRACTOR = "tools.nlu.character_crf.CharacterCRFEntityExtractor"
# The bot's components that are about its own domain (identifiers, catalogue, FAQ, fallback, hand-off words).
_DOMAIN_COMPONENTS = ("bot.nlu.identifiers", "bot.nlu.products", "bot.nlu.handoff_keywords", "EntitySynonymMapper",
                      "FallbackClassifier")


@dataclass(frozen=True)
class Scores:
    intent_accuracy: float
    slot_precision: float
    slot_recall: float
    slot_f1: float
    sentence_accuracy: float
    examples: int


def benchmark_config(path: Path = PROJECT_ROOT / "config.yml") -> Dict[str, Any]:
    """The NLU pipeline of `path` (the bot's config.yml) without the domain-specific components, learning the
    slots with the character CRF after the intent classifier (unless `path` already names an entity learner)."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    pipeline = [dict(component) for component in config["pipeline"]
                if not component["name"].startswith(_DOMAIN_COMPONENTS)]
    if not any(_learns_entities(component) for component in pipeline):
        pipeline.append({"name": SLOT_EXTRACTOR})
    return {"recipe": config.get("recipe", "default.v1"), "language": config["language"], "pipeline": pipeline,
            "assistant_id": "smp2019-benchmark"}


def _learns_entities(component: Dict[str, Any]) -> bool:
    """Rasa's CRF or ours, or DIET with its entity layer on (DIET's default)."""
    name = component["name"]
    diet_learns = name == "DIETClassifier" and component.get("entity_recognition", True)
    return name.endswith("CRFEntityExtractor") or diet_learns


def train(config: Dict[str, Any], train_file: Path) -> Tuple[Path, float]:
    """Train an NLU-only model; returns its path and the training time in seconds."""
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, allow_unicode=True)
    command = [str(Path(sys.executable).with_name("rasa")), "train", "nlu", "--config", handle.name,
               "--nlu", str(train_file), "--out", str(MODEL_DIR), "--fixed-model-name", "smp2019"]
    started = time.monotonic()
    # An empty cache of its own: Rasa would otherwise restore components trained before and the time would lie.
    with tempfile.TemporaryDirectory(prefix="smp-cache-") as cache:
        # Rasa's own progress output shows while it trains.
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=dict(os.environ, RASA_CACHE_DIRECTORY=cache))
    seconds = time.monotonic() - started
    os.unlink(handle.name)
    if result.returncode != 0:
        raise RuntimeError(f"rasa train nlu failed (exit {result.returncode}); see its output above")
    return MODEL_DIR / "smp2019.tar.gz", seconds


def _slots(entities: List[Dict[str, Any]]) -> Set[Tuple[str, str]]:
    return {(entity["entity"], str(entity["value"])) for entity in entities}


def score(gold: List[Tuple[str, str, Set[Tuple[str, str]]]], predicted: List[Tuple[str, Set[Tuple[str, str]]]]) -> Scores:
    """Intent accuracy, micro slot P/R/F1 over (slot, value) pairs, and sentence accuracy (intent and every slot
    right), the measures of the published table."""
    intents = tp = predicted_slots = gold_slots = sentences = 0
    for (_, intent, slots), (guess, guessed_slots) in zip(gold, predicted):
        intents += guess == intent
        tp += len(slots & guessed_slots)
        predicted_slots += len(guessed_slots)
        gold_slots += len(slots)
        sentences += guess == intent and slots == guessed_slots
    precision = tp / predicted_slots if predicted_slots else 0.0
    recall = tp / gold_slots if gold_slots else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    count = len(gold)
    return Scores(intents / count, precision, recall, f1, sentences / count, count)


def load_examples(path: Path) -> List[Tuple[str, str, Set[Tuple[str, str]]]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(message.get("text"), message.get("intent"), _slots(message.get("entities") or []))
            for message in data.intent_examples]


def predict(model: Path, texts: List[str]) -> List[Tuple[str, Set[Tuple[str, str]]]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not one debug line per parsed utterance

    async def run() -> List[Tuple[str, Set[Tuple[str, str]]]]:
        agent = Agent.load(str(model))
        results = []
        for text in texts:
            parsed = await agent.parse_message(text)
            results.append(((parsed.get("intent") or {}).get("name"), _slots(parsed.get("entities") or [])))
        return results

    return asyncio.run(run())


def report(scores: Scores, split: str, seconds: float) -> str:
    lines = [f"SMP2019 ECDT, {split} split ({scores.examples} utterances); training took {seconds:.0f} s", "",
             "| model | slot F1 | intent accuracy | sentence accuracy |", "|---|---|---|---|"]
    for name, slot_f1, intent, sentence in PUBLISHED:
        lines.append(f"| {name} | {slot_f1:.2f} | {intent:.2f} | {sentence:.2f} |")
    lines.append(f"| **this project's pipeline** | **{scores.slot_f1 * 100:.2f}** | **{scores.intent_accuracy * 100:.2f}** "
                 f"| **{scores.sentence_accuracy * 100:.2f}** |")
    best_intent = max(row[2] for row in PUBLISHED)
    best_slot = max(row[1] for row in PUBLISHED)
    lines += ["", f"slot precision {scores.slot_precision * 100:.2f} %, recall {scores.slot_recall * 100:.2f} %",
              f"intent accuracy {'beats' if scores.intent_accuracy * 100 > best_intent else 'does not beat'} "
              f"the best published ({best_intent:.2f}); slot F1 "
              f"{'beats' if scores.slot_f1 * 100 > best_slot else 'does not beat'} the best published ({best_slot:.2f})"]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.evaluation_smp2019", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "dev"), default="test", help="dev for tuning, test once")
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml",
                        help="a candidate pipeline to try on dev (default: the bot's config.yml)")
    args = parser.parse_args(argv)
    train_file, eval_file = SMP_DIR / "train.yml", SMP_DIR / f"{args.split}.yml"
    if not train_file.is_file() or not eval_file.is_file():
        print(f"eval-smp: the benchmark is not at {SMP_DIR} (set SMP2019_DIR)", file=sys.stderr)
        return 2
    print(f"eval-smp: training the pipeline on {train_file} (a few minutes on 2 cores)...", flush=True)
    try:
        model, seconds = train(benchmark_config(args.config), train_file)
    except RuntimeError as error:
        print(f"eval-smp: {error}", file=sys.stderr)
        return 1
    print(f"eval-smp: evaluating on {eval_file}...", flush=True)
    gold = load_examples(eval_file)
    scores = score(gold, predict(model, [text for text, _, _ in gold]))
    print(report(scores, args.split, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
