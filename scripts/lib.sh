# Helpers shared by the project scripts (sourced, not executed).
# shellcheck shell=bash
# shellcheck disable=SC2034  # variables set here are used by the scripts that source this file

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$REPO_ROOT/scripts/env.sh"

# die PREFIX MESSAGE...: print an error and exit 1
die() {
    local who="$1"
    shift
    echo "$who: ERROR: $*" >&2
    exit 1
}

# The add-ons of this repository: every top-level folder holding a __manifest__.py, sorted,
# printed one per line.
list_addons() {
    local manifest
    for manifest in "$REPO_ROOT"/*/__manifest__.py; do
        [ -f "$manifest" ] || continue
        basename "$(dirname "$manifest")"
    done | LC_ALL=C sort
}

# Fail unless $ODOO_SRC is an Odoo 18.0 source tree.
require_odoo_src() {
    local who="$1"
    if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -d "$ODOO_SRC/odoo/addons/base" ] \
        || [ ! -d "$ODOO_SRC/addons" ]; then
        die "$who" "no Odoo 18.0 source tree at ODOO_SRC=$ODOO_SRC (odoo-bin, odoo/addons/base and
addons/ are required). Set ODOO_SRC to the folder of an Odoo 18.0 community checkout."
    fi
    grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" 2>/dev/null \
        || die "$who" "$ODOO_SRC is not Odoo 18.0 (see $ODOO_SRC/odoo/release.py)"
}

# Fail with a clear message unless PostgreSQL answers (PG* variables honoured) and the role may
# create databases.
require_postgres() {
    local who="$1"
    "$VENV/bin/python" "$REPO_ROOT/scripts/pg_helper.py" check >&2 \
        || die "$who" "PostgreSQL is not usable (see above)"
}

# require_free_port WHO PORT VARIABLE: fail unless TCP port PORT is free on 127.0.0.1.
require_free_port() {
    local who="$1" port="$2" var="$3"
    "$VENV/bin/python" - "$port" <<'EOF' || die "$who" "port $port on 127.0.0.1 is in use; set $var to a free port"
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Odoo does: TIME_WAIT is fine
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# ODOO_DB_ARGS: odoo-bin connection options, from the standard PG* variables, only when set.
# PGPASSWORD is not turned into --db_password: a command-line option is visible to every user in
# the process list, and libpq (hence Odoo) reads PGPASSWORD from the environment anyway.
ODOO_DB_ARGS=()
if [ -n "${PGHOST:-}" ]; then ODOO_DB_ARGS+=(--db_host "$PGHOST"); fi
if [ -n "${PGPORT:-}" ]; then ODOO_DB_ARGS+=(--db_port "$PGPORT"); fi
if [ -n "${PGUSER:-}" ]; then ODOO_DB_ARGS+=(--db_user "$PGUSER"); fi

# The add-ons path: Odoo's two add-on folders, then this repository.
ODOO_ADDONS_PATH="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$REPO_ROOT"

# odoo-bin with the project's interpreter
odoo_bin() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "$@"
}

# export_pots DB OUTDIR ADDON... -- ODOO_ARGS...: each add-on's translation template,
# exported by Odoo from DB (where the add-ons are installed) to OUTDIR/<addon>.pot
export_pots() {
    local db="$1" outdir="$2" addon
    shift 2
    local addons=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        addons+=("$1")
        shift
    done
    shift
    for addon in "${addons[@]}"; do
        odoo_bin -d "$db" --i18n-export="$outdir/$addon.pot" --modules="$addon" "$@" \
            >"$outdir/$addon-export.log" 2>&1 || {
            tail -n 20 "$outdir/$addon-export.log" >&2
            return 1
        }
    done
}
