"""`python -m bot.store`: create or upgrade the database, import records, load the demo data.

The database is DATABASE_URL (any SQLAlchemy URL), by default the SQLite file var/tp.db.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.knowledge import KNOWLEDGE_DIR, load_knowledge
from bot.store import schema
from bot.store.db import database_url, get_engine, transaction
from bot.store.importer import ImportFailed, catalogue_document, import_document, import_file
from bot.store.models import Customer

DEMO_RECORDS = Path(__file__).with_name("demo_records.yml")


def _safe_url() -> str:
    return get_engine().url.render_as_string(hide_password=True)


def cmd_upgrade(args: argparse.Namespace) -> None:
    schema.upgrade()
    print(f"store: schema up to date ({_safe_url()})")


def cmd_import(args: argparse.Namespace) -> None:
    schema.upgrade()
    for path in args.files:
        summary = import_file(path)
        print(f"store: imported {path}: {summary}")


def cmd_init(args: argparse.Namespace) -> None:
    """Schema, the product catalogue from knowledge/, and with --demo the demo records into an empty database."""
    schema.upgrade()
    catalogue = catalogue_document(load_knowledge(KNOWLEDGE_DIR).products)
    print(f"store: product catalogue: {import_document(catalogue)}")
    if args.demo:
        with transaction() as session:
            has_customers = session.execute(select(func.count(Customer.id))).scalar() > 0
        if has_customers:
            print("store: the database already has customers; demo records not loaded")
        else:
            print(f"store: demo records: {import_file(DEMO_RECORDS)}")
    print(f"store: ready ({_safe_url()})")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.store", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="create or upgrade the schema").set_defaults(run=cmd_upgrade)
    importer = commands.add_parser("import", help="import records from JSON or YAML files (see README)")
    importer.add_argument("files", nargs="+", type=Path)
    importer.set_defaults(run=cmd_import)
    init = commands.add_parser("init", help="upgrade the schema and load the product catalogue")
    init.add_argument("--demo", action="store_true", help="also load the demo records into an empty database")
    init.set_defaults(run=cmd_init)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        args.run(args)
    except ImportFailed as failure:
        print(f"store: {failure}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"store: database error at {database_url().split('@')[-1]}: {error.__class__.__name__}: {error}",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
