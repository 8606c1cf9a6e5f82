"""`make eval`: how well the trained model understands held-out customer messages.

Runs `rasa test nlu` on `tests/data/nlu_holdout.yml` (never used in training) and prints intent accuracy,
FAQ response-selection accuracy, entity F1 per extractor and a per-class table, with the targets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.identifiers import IDENTIFIER_KINDS
from bot.knowledge import PROJECT_ROOT
from bot.training import ensure_model

HOLDOUT = PROJECT_ROOT / "tests/data/nlu_holdout.yml"
REPORT_DIR = PROJECT_ROOT / "reports/nlu"
TARGET_ACCURACY = 0.97  # issue 15: intents and FAQ entries on the held-out set
_SUMMARY_ROWS = {"accuracy", "macro avg", "weighted avg", "micro avg"}
# Rasa scores every extractor against every entity type; each type is the job of one extractor.
ENTITY_OWNERS = {
    **{kind: "IdentifierEntityExtractor" for kind in IDENTIFIER_KINDS},
    "product": "ProductEntityExtractor",
}


@dataclass(frozen=True)
class EvaluationResult:
    intent_accuracy: float
    response_accuracy: float
    entity_f1_overall: float
    intent_report: Dict[str, Any]
    response_report: Dict[str, Any]
    entity_reports: Dict[str, Dict[str, Any]]

    @property
    def meets_targets(self) -> bool:
        return self.intent_accuracy >= TARGET_ACCURACY and self.response_accuracy >= TARGET_ACCURACY


def run_rasa_test(model: Path, holdout: Path = HOLDOUT, out: Path = REPORT_DIR) -> None:
    # Rasa leaves an old *_errors.json in place when a run has no errors: start from an empty folder.
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [
        str(Path(sys.executable).with_name("rasa")), "test", "nlu",
        "--model", str(model), "--nlu", str(holdout), "--out", str(out),
        "--no-plot", "--successes",
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        print(result.stdout[-5000:], file=sys.stderr)
        raise RuntimeError(f"rasa test nlu failed (exit {result.returncode})")


def read_reports(out: Path = REPORT_DIR) -> EvaluationResult:
    intent_report = _read_json(out / "intent_report.json")
    response_report = _read_json(out / "response_selection_report.json")
    entity_reports = {
        path.name[: -len("_report.json")]: _read_json(path)
        for path in sorted(out.glob("*Extractor_report.json"))
    }
    return EvaluationResult(
        intent_accuracy=float(intent_report["accuracy"]),
        response_accuracy=float(response_report["accuracy"]),
        entity_f1_overall=_weighted_f1(entity_reports),
        intent_report=intent_report,
        response_report=response_report,
        entity_reports=entity_reports,
    )


def _read_json(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _owned_rows(entity_reports: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Each entity type's scores, taken from the report of the extractor that owns the type."""
    rows = {}
    for entity, owner in ENTITY_OWNERS.items():
        row = entity_reports.get(owner, {}).get(entity)
        if isinstance(row, dict) and row.get("support"):
            rows[entity] = row
    return rows


def _weighted_f1(entity_reports: Dict[str, Dict[str, Any]]) -> float:
    rows = _owned_rows(entity_reports).values()
    support = sum(row["support"] for row in rows)
    return sum(row["f1-score"] * row["support"] for row in rows) / support if support else 0.0


def _class_rows(report: Dict[str, Any]) -> List[str]:
    rows = []
    for label, scores in sorted(report.items()):
        if label in _SUMMARY_ROWS or not isinstance(scores, dict) or "support" not in scores:
            continue
        rows.append(
            f"  {label:<32} {scores['precision']:>9.3f} {scores['recall']:>7.3f} "
            f"{scores['f1-score']:>7.3f} {int(scores['support']):>8d}"
        )
    return rows


def format_result(result: EvaluationResult) -> str:
    def mark(value: float) -> str:
        return "ok" if value >= TARGET_ACCURACY else f"BELOW target {TARGET_ACCURACY:.0%}"

    header = f"  {'class':<32} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"
    lines = [
        f"NLU evaluation on {HOLDOUT.relative_to(PROJECT_ROOT)} (held out, never trained on)",
        f"  intent accuracy:             {result.intent_accuracy:.2%}  ({mark(result.intent_accuracy)})",
        f"  response selection accuracy: {result.response_accuracy:.2%}  ({mark(result.response_accuracy)})",
    ]
    lines.append(f"  entity F1 (token level):     {result.entity_f1_overall:.2%}")
    lines += ["", "Intents:", header, *_class_rows(result.intent_report)]
    lines += ["", "FAQ entries (response selection):", header, *_class_rows(result.response_report)]
    owned = _owned_rows(result.entity_reports)
    lines += ["", "Entities (each scored on the extractor that owns it):", header]
    lines += _class_rows(owned)
    lines += ["", f"Reports and misclassified examples: {REPORT_DIR.relative_to(PROJECT_ROOT)}/"]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.evaluation", description=__doc__)
    parser.parse_args(argv)
    try:
        model = ensure_model()
        print("eval: running rasa test nlu on the held-out set...", flush=True)
        run_rasa_test(model)
    except RuntimeError as error:
        print(f"eval: {error}", file=sys.stderr)
        return 1
    result = read_reports()
    print(format_result(result))
    return 0 if result.meets_targets else 2


if __name__ == "__main__":
    sys.exit(main())
