#!/usr/bin/env bash
# `make lint`: ruff (lint + format check, .ruff.toml) on the add-ons, scripts/, benchmarks/ and
# tests/, then pylint-odoo's mandatory checks (.pylintrc-mandatory) on each add-on. Any message
# fails the command. The tools are pinned in test-requirements.txt.
#
# `scripts/lint.sh --fix` (make fix) first lets ruff fix what it can and reformat the files.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make lint"
cd "$REPO_ROOT"

fix=0
case "${1:-}" in
    "") ;;
    --fix) fix=1 ;;
    *) die "$who" "unknown argument $1 (usage: scripts/lint.sh [--fix])" ;;
esac

bash "$REPO_ROOT/scripts/bootstrap.sh" || die "$who" "bootstrap failed (see above)"

mapfile -t addons < <(list_addons)
[ "${#addons[@]}" -gt 0 ] || die "$who" "no add-on (top-level folder with a __manifest__.py) in $REPO_ROOT"

targets=("${addons[@]}")
for extra in scripts benchmarks tests; do
    [ -d "$extra" ] && targets+=("$extra")
done

status=0
fail() {
    echo "$who: FAILED: $*" >&2
    status=1
}

if [ "$fix" = 1 ]; then
    echo "== ruff check --fix / ruff format: ${targets[*]}"
    "$VENV/bin/ruff" check --fix "${targets[@]}" || true
    "$VENV/bin/ruff" format "${targets[@]}"
fi

echo "== ruff check: ${targets[*]}"
"$VENV/bin/ruff" check --no-fix "${targets[@]}" || fail "ruff check"

echo "== ruff format --check: ${targets[*]}"
"$VENV/bin/ruff" format --check --diff "${targets[@]}" || fail "ruff format (run \`make fix\`)"

echo "== add-on READMEs generated from readme/ fragments (scripts/gen_addon_readme.py)"
"$VENV/bin/python" scripts/gen_addon_readme.py --check "${addons[@]}" \
    || fail "README.md out of date (run python3 scripts/gen_addon_readme.py)"

for addon in "${addons[@]}"; do
    echo "== pylint-odoo (.pylintrc-mandatory): $addon"
    "$VENV/bin/pylint" --rcfile=.pylintrc-mandatory --output-format=text "$addon" \
        || fail "pylint-odoo on $addon"
done

if [ "$status" = 0 ]; then
    echo "lint: ok (${addons[*]})"
fi
exit "$status"
