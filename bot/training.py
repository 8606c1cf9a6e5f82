"""Train the Rasa model only when its inputs changed.

The model's file name carries a fingerprint of everything that shapes it (config, domain, training data,
custom NLU components and their dictionaries, the versions of the libraries that train it), so `make run`,
`make eval` and the test session all reuse one trained model until something it depends on changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Iterable, List, Optional

from bot.knowledge import PROJECT_ROOT

MODEL_PREFIX = "tp-assistant-"
TRAINING_INPUTS = ("config.yml", "domain.yml", "bot/data", "bot/nlu", "knowledge/products.yml")
TRAINING_LIBRARIES = ("rasa", "tensorflow", "scikit-learn", "jieba", "spacy")
_IGNORED_PARTS = {"__pycache__"}


def _input_files(root: Path, inputs: Iterable[str]) -> List[Path]:
    files: List[Path] = []
    for name in inputs:
        path = root / name
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and not _IGNORED_PARTS & set(p.parts))
        elif path.is_file():
            files.append(path)
    return sorted(files)


def fingerprint(root: Path = PROJECT_ROOT, inputs: Iterable[str] = TRAINING_INPUTS) -> str:
    digest = hashlib.sha256()
    for library in TRAINING_LIBRARIES:
        digest.update(f"{library}=={version(library)}\0".encode())
    for path in _input_files(root, inputs):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT, models_dir: Optional[Path] = None) -> Path:
    directory = models_dir or root / "models"
    return directory / f"{MODEL_PREFIX}{fingerprint(root)}.tar.gz"


def ensure_model(root: Path = PROJECT_ROOT, models_dir: Optional[Path] = None) -> Path:
    """The trained model for the current inputs, training it first if there is none."""
    target = model_path(root, models_dir)
    if target.exists():
        print(f"model: up to date ({target.relative_to(root) if target.is_relative_to(root) else target})")
        return target
    print(f"model: training inputs changed, training {target.name} (about 1-2 minutes on 2 cores)...", flush=True)
    seconds = train(target, root)
    print(f"model: trained {target.name} in {seconds:.0f} s", flush=True)
    return target


def train(target: Path, root: Path = PROJECT_ROOT, cache_dir: Optional[Path] = None) -> float:
    """`rasa train` into `target`; returns the seconds it took. `cache_dir`: Rasa's component cache (an empty
    one times a training from scratch; by default Rasa reuses components whose inputs did not change)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    command = [
        str(Path(sys.executable).with_name("rasa")),
        "train",
        "--config", "config.yml",
        "--domain", "domain.yml",
        "--data", "bot/data",
        "--out", str(target.parent),
        "--fixed-model-name", target.name[: -len(".tar.gz")],
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    if cache_dir is not None:
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    result = subprocess.run(command, cwd=root, env=env, stderr=subprocess.STDOUT)  # progress shown as it runs
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"rasa train failed (exit {result.returncode}); see the output above")
    return time.monotonic() - started


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.training", description=__doc__)
    parser.add_argument("--print-path", action="store_true", help="print the current model path and exit")
    args = parser.parse_args(argv)
    if args.print_path:
        print(model_path())
        return 0
    try:
        ensure_model()
    except RuntimeError as error:
        print(f"model: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
