#!/usr/bin/env bash
# `make screenshots`: PNG screenshots of the Carbon app for the README, in docs/screenshots/:
#   dashboard.png              the Carbon overview (Carbon > Overview)
#   purchase_order.png         a confirmed purchase order with its kg CO2e
#   inventory_report_page1.png the first page of the Scope 3 inventory PDF
#   entry_calculation.png      an emission entry and its calculation, step by step
#   emission_analysis.png      the Emission Analysis pivot (this year, t CO2e, weighted DQ)
#   dashboard_fr.png, inventory_report_page1_fr.png: the overview and the PDF in French
#
# Steps:
#   1. the tools: Chromium (Debian's `chromium`), wkhtmltopdf (Debian's `wkhtmltopdf`, which
#      Odoo runs to make PDFs) and pdftoppm (Debian's `poppler-utils`) are installed with
#      apt-get when missing (as root, or through sudo); without them the command stops;
#   2. the database $SCREENSHOTS_DB (default scope3_screenshots) is created with this
#      repository's add-ons and their demo data, or updated (-u) when it exists;
#   3. Odoo serves it on 127.0.0.1:$SCREENSHOTS_PORT (default 8179) while
#      scripts/screenshots.py adds a year of purchase orders (once), runs the attribution
#      cron, takes the screenshots in headless Chromium and prints the inventory PDF;
#   4. the server is stopped.
#
# Variables: ODOO_SRC, VENV, RUN_DATA_DIR (scripts/env.sh), PGHOST/PGPORT/PGUSER/PGPASSWORD,
# SCREENSHOTS_DB, SCREENSHOTS_PORT, SCREENSHOTS_DIR (default docs/screenshots).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make screenshots"
cd "$REPO_ROOT"

db="${SCREENSHOTS_DB:-scope3_screenshots}"
port="${SCREENSHOTS_PORT:-8179}"
out="${SCREENSHOTS_DIR:-$REPO_ROOT/docs/screenshots}"
[[ "$db" =~ ^[A-Za-z0-9_.-]+$ ]] || die "$who" "invalid database name SCREENSHOTS_DB=$db"

# --- 1. tools ----------------------------------------------------------------------------------
# apt_install PACKAGE COMMAND: install Debian's PACKAGE unless COMMAND is on the PATH
apt_updated=0
apt_install() {
    local package="$1" command="$2" as_root=()
    command -v "$command" >/dev/null 2>&1 && return 0
    echo "$who: $command not found: installing Debian's $package"
    command -v apt-get >/dev/null 2>&1 \
        || die "$who" "$command is missing and there is no apt-get: install $package by hand"
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "$who" "installing $package needs root or sudo"
        as_root=(sudo -n)
    fi
    if [ "$apt_updated" = 0 ]; then
        "${as_root[@]}" apt-get update -q || die "$who" "apt-get update failed"
        apt_updated=1
    fi
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" \
        || die "$who" "could not install $package"
    command -v "$command" >/dev/null 2>&1 || die "$who" "$package installed, but no $command"
}
apt_install chromium chromium
apt_install wkhtmltopdf wkhtmltopdf
apt_install poppler-utils pdftoppm

bash "$REPO_ROOT/scripts/bootstrap.sh" || die "$who" "bootstrap failed (see above)"
require_odoo_src "$who"
require_postgres "$who"
require_free_port "$who" "$port" SCREENSHOTS_PORT

mapfile -t addons < <(list_addons)
addons_csv="$(IFS=,; echo "${addons[*]}")"
mkdir -p "$RUN_DATA_DIR" "$out"
common=(--addons-path "$ODOO_ADDONS_PATH" --data-dir "$RUN_DATA_DIR" "${ODOO_DB_ARGS[@]}")

# --- 2. database -------------------------------------------------------------------------------
log="$(mktemp "${TMPDIR:-/tmp}/scope3-screenshots.XXXXXX.log")"
if [ "$("$VENV/bin/python" scripts/pg_helper.py exists "$db")" = no ]; then
    echo "$who: creating database $db with ${addons_csv} and demo data (a few minutes); log: $log"
    odoo_bin -d "$db" -i "$addons_csv" --stop-after-init --no-http "${common[@]}" >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "$who" "could not create database $db"; }
else
    echo "$who: updating ${addons_csv} in database $db; log: $log"
    odoo_bin -d "$db" -u "$addons_csv" --stop-after-init --no-http "${common[@]}" >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "$who" "could not update database $db"; }
fi

# --- 3. serve, drive, capture ------------------------------------------------------------------
# odoo-bin itself in the background (not through a shell function) so that $! is its pid
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -d "$db" --db-filter "^${db}\$" \
    --http-interface 127.0.0.1 --http-port "$port" "${common[@]}" >>"$log" 2>&1 &
odoo_pid=$!
# shellcheck disable=SC2317  # invoked by the EXIT trap
stop_odoo() {
    kill -TERM "$odoo_pid" 2>/dev/null || true
    wait "$odoo_pid" 2>/dev/null || true
}
trap stop_odoo EXIT
for _ in $(seq 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/web/health" 2>/dev/null && break
    kill -0 "$odoo_pid" 2>/dev/null || { tail -n 30 "$log" >&2; die "$who" "Odoo stopped (log: $log)"; }
    sleep 1
done
"$VENV/bin/python" scripts/screenshots.py --url "http://127.0.0.1:$port" --db "$db" --out "$out" \
    || die "$who" "screenshots failed (Odoo's log: $log)"
echo "$who: done; screenshots in $out (Odoo's log: $log)"
