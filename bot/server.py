"""Start the Rasa server as this assistant needs it: `python -m bot.server run <options of rasa run>`.

The one composition root of the server process: the settings are validated (a bad variable stops the start
with its name), the Rasa hooks are installed (`bot.rasa_hooks`), and the hand-off gate is put in front of the
bot on every channel (`bot.core.adapter.install_gate`); then Rasa's own command line runs. `make run`, the
scale-out, the image and the tests start Rasa this way; plain `rasa run` would serve without the hand-off gate
and the speed-ups.
"""

from __future__ import annotations

import sys
from typing import List, Optional


def prepare() -> None:
    """Everything the server process needs before Rasa starts."""
    from bot import rasa_hooks
    from bot.core.adapter import install_gate
    from bot.core.settings import settings
    from bot.handoff.gate import handle_message

    settings()
    rasa_hooks.install()
    install_gate(handle_message)


def main(argv: Optional[List[str]] = None) -> int:
    from bot.core.settings import SettingsError
    from bot.rasa_hooks import UnsupportedRasa

    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        prepare()
    except (SettingsError, UnsupportedRasa) as error:
        print(f"server: {error}", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
