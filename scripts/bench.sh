#!/usr/bin/env bash
# `make bench ARGS="..."`: run benchmarks/bench_attribution.py with the project's virtualenv.
# The arguments are passed to the script unchanged. ODOO_SRC, VENV and the PG* variables are in
# its environment (scripts/env.sh); the bootstrap messages go to stderr, so stdout is the script's.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make bench"
cd "$REPO_ROOT"

bench="benchmarks/bench_attribution.py"
[ -f "$bench" ] || die "$who" "$bench does not exist yet"
bash "$REPO_ROOT/scripts/bootstrap.sh" >&2 || die "$who" "bootstrap failed (see above)"
require_odoo_src "$who"
require_postgres "$who"
export REPO_ROOT ODOO_ADDONS_PATH
exec "$VENV/bin/python" "$bench" "$@"
