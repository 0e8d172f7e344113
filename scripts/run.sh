#!/usr/bin/env bash
# `make run`: serve Odoo 18.0 with this repository's add-ons on http://127.0.0.1:$ODOO_HTTP_PORT
#
# - creates the database $RUN_DB (default scope3_demo) with every add-on of the repository and
#   demo data when it does not exist yet;
# - when it exists: installs the add-ons that are missing from it (e.g. a new add-on), and
#   updates (-u) all of ours first only when UPDATE=1;
# - then serves that database only (--db-filter), bound to the loopback interface.
#
# Variables: ODOO_SRC, VENV, ODOO_HTTP_PORT (default 8069), RUN_DB, RUN_DATA_DIR (Odoo's data dir,
# default ~/.local/share/scope3-carbon), UPDATE=1, PGHOST/PGPORT/PGUSER/PGPASSWORD.
# Extra arguments are passed to odoo-bin when serving (e.g. `make run ARGS=--dev=xml`).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make run"
cd "$REPO_ROOT"

bash "$REPO_ROOT/scripts/bootstrap.sh" || die "$who" "bootstrap failed (see above)"
require_odoo_src "$who"
require_postgres "$who"

mapfile -t addons < <(list_addons)
[ "${#addons[@]}" -gt 0 ] || die "$who" "no add-on (top-level folder with a __manifest__.py) in $REPO_ROOT"
addons_csv="$(IFS=,; echo "${addons[*]}")"

db="$RUN_DB"
[[ "$db" =~ ^[A-Za-z0-9_.-]+$ ]] || die "$who" "invalid database name RUN_DB=$db"
require_free_port "$who" "$ODOO_HTTP_PORT" ODOO_HTTP_PORT
mkdir -p "$RUN_DATA_DIR"

common=(
    --addons-path "$ODOO_ADDONS_PATH"
    --data-dir "$RUN_DATA_DIR"
    "${ODOO_DB_ARGS[@]}"
)
# while initialising: no HTTP server at all
init=(-d "$db" --stop-after-init --no-http "${common[@]}")

if [ "$("$VENV/bin/python" scripts/pg_helper.py exists "$db")" = no ]; then
    echo "$who: creating database $db with ${addons_csv} and demo data (a few minutes)"
    odoo_bin "${init[@]}" -i "$addons_csv" || die "$who" "could not create database $db (see the log above)"
else
    missing="$("$VENV/bin/python" scripts/pg_helper.py not-installed "$db" "${addons[@]}")" \
        || die "$who" "database $db exists but is not an Odoo database; choose another RUN_DB"
    if [ -n "$missing" ]; then
        echo "$who: installing ${missing} in database $db"
        odoo_bin "${init[@]}" -i "$missing" || die "$who" "could not install ${missing} (see the log above)"
    fi
    if [ "${UPDATE:-0}" = 1 ]; then
        echo "$who: updating ${addons_csv} in database $db (UPDATE=1)"
        odoo_bin "${init[@]}" -u "$addons_csv" || die "$who" "could not update ${addons_csv} (see the log above)"
    fi
fi

cat <<EOF

  Odoo 18.0 with ${addons_csv}
  URL:    http://127.0.0.1:${ODOO_HTTP_PORT}/odoo   (database ${db})
  Login:  admin / admin
  Stop:   Ctrl-C

EOF
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -d "$db" --db-filter "^${db}\$" \
    --http-interface 127.0.0.1 --http-port "$ODOO_HTTP_PORT" \
    "${common[@]}" "$@"
