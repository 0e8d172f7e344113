#!/usr/bin/env python3
"""Compare or update the translation templates (``<addon>/i18n/<addon>.pot``).

Usage: pot.py check|update EXPORTED_DIR ADDON...

EXPORTED_DIR holds ``<addon>.pot`` files exported by Odoo (``odoo-bin --i18n-export``)
from a database where the add-ons are installed. ``check`` fails when a committed template
differs from the export (other than its creation and revision dates) or is missing;
``update`` writes the exports into the add-ons.
"""

import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
#: header lines that change with every export
VOLATILE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$')


def normalised(text):
    return [line for line in text.splitlines() if not VOLATILE.match(line)]


def main(argv):
    if len(argv) < 4 or argv[1] not in ("check", "update"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, exported_dir, addons = argv[1], pathlib.Path(argv[2]), argv[3:]
    stale = []
    for addon in addons:
        exported = (exported_dir / f"{addon}.pot").read_text(encoding="utf-8")
        committed_path = REPO / addon / "i18n" / f"{addon}.pot"
        if mode == "update":
            committed_path.parent.mkdir(exist_ok=True)
            committed_path.write_text(exported, encoding="utf-8")
            print(f"pot: wrote {committed_path.relative_to(REPO)}")
            continue
        if not committed_path.exists():
            stale.append(f"{committed_path.relative_to(REPO)} is missing")
        elif normalised(committed_path.read_text(encoding="utf-8")) != normalised(exported):
            stale.append(f"{committed_path.relative_to(REPO)} differs from the code's terms")
    for message in stale:
        print(f"pot: {message} (run `make pot`)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
