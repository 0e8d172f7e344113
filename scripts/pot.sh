#!/usr/bin/env bash
# `make pot`: export the translation templates of every add-on (<addon>/i18n/<addon>.pot)
# from a fresh database where they are installed (with demo data, as in `make test`), then
# write them into the add-ons. `make test` checks that the committed templates are current.
#
# Variables: ODOO_SRC, VENV (scripts/env.sh), PGHOST/PGPORT/PGUSER, POT_DB (default
# scope3_pot_<pid>, dropped at the end), POT_HTTP_PORT (8179).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make pot"
cd "$REPO_ROOT"

bash "$REPO_ROOT/scripts/bootstrap.sh" || die "$who" "bootstrap failed (see above)"
require_odoo_src "$who"
require_postgres "$who"
mapfile -t addons < <(list_addons)
addons_csv="$(IFS=,; echo "${addons[*]}")"
db="${POT_DB:-scope3_pot_$$}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/scope3-pot.XXXXXX")"
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    "$VENV/bin/python" "$REPO_ROOT/scripts/pg_helper.py" drop "$db" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
common=(--addons-path "$ODOO_ADDONS_PATH" --data-dir "$tmp/data" --log-level=warn
    --stop-after-init --http-port "${POT_HTTP_PORT:-8179}" "${ODOO_DB_ARGS[@]}")
echo "== $who: installing ${addons_csv} on $db"
odoo_bin -d "$db" -i "purchase_stock,$addons_csv" "${common[@]}" >"$tmp/install.log" 2>&1 \
    || { tail -n 30 "$tmp/install.log" >&2; die "$who" "installing ${addons_csv} failed"; }
export_pots "$db" "$tmp" "${addons[@]}" -- "${common[@]}"
"$VENV/bin/python" scripts/pot.py update "$tmp" "${addons[@]}"
