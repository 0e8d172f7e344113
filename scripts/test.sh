#!/usr/bin/env bash
# `make test`: the plain-Python tests (pytest, repo-level tests/) and the Odoo tests of every
# add-on of this repository, on a fresh database.
#
# Steps:
#   1. bootstrap (Odoo source tree + virtualenv), check that PostgreSQL is usable;
#   2. `python -m pytest tests -q` (no test collected counts as a failure);
#   3. a new database ($TEST_DB, default scope3_test_<pid>) where purchase_stock is installed
#      with its demo data (no tests), then our add-ons installed with --test-enable and
#      --test-tags /<addon>,... (at_install and post_install tests of our add-ons only);
#   4. the Odoo log is checked: non-zero exit, any WARNING/ERROR/CRITICAL line, a missing or
#      failing `odoo.tests.result` summary, or zero tests run fail the command;
#   5. each add-on's translation template is exported from that database and compared with the
#      committed <addon>/i18n/<addon>.pot (`make pot` updates them);
#   6. the same Odoo tests run again with pytest, through pytest-odoo, on that database (now
#      prepared: our add-ons installed): `pytest -p odoo --odoo-database <db> <addon>/tests`
#      (PYTEST_ODOO_PATHS, default every add-on's tests/ folder); a failure fails the command.
# Browser tests (HttpCase tours) run in headless Chromium (`chromium`, which `.ci/run` installs);
# the screenshots they take when they fail are kept in the temporary folder (screenshots/).
# The last line printed is `odoo: <passed> passed, <failed> failed` (`, <n> skipped` is added when
# Odoo skipped tests).
#
# Variables: ODOO_SRC, VENV (scripts/env.sh), PGHOST/PGPORT/PGUSER/PGPASSWORD, TEST_DB,
# KEEP_DB=1 (keep the database and the temporary folder), TEST_HTTP_PORT (default 8169).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make test"
cd "$REPO_ROOT"

# --- prerequisites ---------------------------------------------------------------------------
bash "$REPO_ROOT/scripts/bootstrap.sh" || die "$who" "bootstrap failed (see above)"
require_odoo_src "$who"
require_postgres "$who"

mapfile -t addons < <(list_addons)
[ "${#addons[@]}" -gt 0 ] || die "$who" "no add-on (top-level folder with a __manifest__.py) in $REPO_ROOT"
addons_csv="$(IFS=,; echo "${addons[*]}")"
test_tags="$(printf '/%s,' "${addons[@]}")"
test_tags="${test_tags%,}"

db="${TEST_DB:-scope3_test_$$}"
[[ "$db" =~ ^[A-Za-z0-9_.-]+$ ]] || die "$who" "invalid database name TEST_DB=$db"
if [ "$("$VENV/bin/python" scripts/pg_helper.py exists "$db")" = yes ]; then
    die "$who" "database $db exists already; drop it first or choose another TEST_DB"
fi
require_free_port "$who" "$TEST_HTTP_PORT" TEST_HTTP_PORT

# --- temporary folder, clean-up --------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/scope3-test.XXXXXX")"
db_created=0
odoo_pid=0
tail_pid=0
logs_reported=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    set +e
    if [ "$odoo_pid" != 0 ]; then # interrupted while Odoo runs: stop it before dropping its db
        kill -TERM "$odoo_pid" 2>/dev/null
        wait "$odoo_pid" 2>/dev/null
    fi
    if [ "$tail_pid" != 0 ]; then kill "$tail_pid" 2>/dev/null; fi
    if [ "${KEEP_DB:-0}" = 1 ]; then
        [ "$db_created" = 1 ] && echo "$who: KEEP_DB=1: database $db kept (data dir $tmp/data)" >&2
        echo "$who: KEEP_DB=1: logs kept in $tmp" >&2
    else
        if [ "$db_created" = 1 ]; then
            "$VENV/bin/python" "$REPO_ROOT/scripts/pg_helper.py" drop "$db" \
                || echo "$who: could not drop database $db" >&2
        fi
        # keep the logs of a failed run for inspection
        if [ "$rc" = 0 ]; then
            rm -rf "$tmp"
        else
            rm -rf "$tmp/data"
            [ "$logs_reported" = 1 ] || echo "$who: logs kept in $tmp" >&2
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
fail() {
    echo "$who: FAILED: $*" >&2
    status=1
}

# run_odoo LOG SHOW ARGS...: odoo-bin ARGS with its output in LOG (also shown when SHOW=1);
# returns odoo-bin's exit code. Odoo runs in the background so that a signal sent to this script
# is handled at once (the EXIT trap stops Odoo, then drops the database).
run_odoo() {
    local log="$1" show="$2" rc=0
    shift 2
    odoo_bin "$@" >"$log" 2>&1 &
    odoo_pid=$!
    if [ "$show" = 1 ]; then
        tail -n +1 -f --pid="$odoo_pid" "$log" &
        tail_pid=$!
    fi
    wait "$odoo_pid" || rc=$?
    odoo_pid=0
    if [ "$tail_pid" != 0 ]; then
        wait "$tail_pid" || true
        tail_pid=0
    fi
    return "$rc"
}

# --- 1. plain-Python tests -------------------------------------------------------------------
echo "== pytest (tests/)"
set +e
# pytest-odoo (installed for step 4) imports Odoo when loaded: not for the plain-Python tests
"$VENV/bin/python" -m pytest -p no:odoo tests -q
rc=$?
set -e
case "$rc" in
    0) ;;
    5) fail "pytest collected no test in tests/" ;;
    *) fail "pytest exited with code $rc" ;;
esac

# --- 2. Odoo tests ---------------------------------------------------------------------------
common=(
    --addons-path "$ODOO_ADDONS_PATH"
    --data-dir "$tmp/data"
    --log-level=info
    --http-interface 127.0.0.1
    --http-port "$TEST_HTTP_PORT"
    "${ODOO_DB_ARGS[@]}"
)

deps_log="$tmp/odoo-install-deps.log"
echo "== Odoo: database $db: installing purchase_stock with demo data (about 2 minutes); log: $deps_log"
db_created=1 # from here on the database is ours: Odoo creates it
rc=0
run_odoo "$deps_log" 0 -d "$db" -i purchase_stock --stop-after-init "${common[@]}" || rc=$?
if [ "$rc" != 0 ]; then
    tail -n 40 "$deps_log" >&2
    die "$who" "installing purchase_stock failed (exit code $rc); full log: $deps_log"
fi
# Warnings of the dependencies' installation are Odoo's, not ours: show them, do not fail on them.
if grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$deps_log" >"$tmp/deps-warnings"; then
    echo "$who: note: the installation of purchase_stock logged $(wc -l <"$tmp/deps-warnings") warning(s):" >&2
    head -n 20 "$tmp/deps-warnings" >&2
fi

log="$tmp/odoo-test.log"
echo "== Odoo: installing and testing ${addons_csv} (test tags ${test_tags}); log: $log"
rc=0
run_odoo "$log" 1 -d "$db" -i "$addons_csv" --test-enable --test-tags "$test_tags" \
    --screenshots "$tmp/screenshots" --stop-after-init "${common[@]}" || rc=$?

[ "$rc" = 0 ] || fail "odoo-bin exited with code $rc"

# Every line Odoo logs at WARNING or above fails the run (as OCA's checklog-odoo does in CI).
# Odoo's log format: `2026-11-30 12:00:00,123 1234 WARNING dbname logger: message`.
if grep -nE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$log" >"$tmp/bad-lines"; then
    fail "the Odoo log has $(wc -l <"$tmp/bad-lines") line(s) at WARNING level or above:"
    sed 's/^/    /' "$tmp/bad-lines" >&2
fi

summary="$(grep -oE 'odoo\.tests\.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -n 1 || true)"
passed=0
failed=0
skipped=0
if [ -z "$summary" ]; then
    fail "no 'odoo.tests.result: N failed, N error(s) of M tests' line in the Odoo log"
else
    read -r n_failed n_errors n_tests < <(echo "$summary" | sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/')
    failed=$((n_failed + n_errors))
    # Odoo counts skipped tests as run; it logs each at INFO as `<test module logger>: skipped ...`
    skipped="$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ INFO [^ ]+ odoo\.addons\.[^ ]+: skipped ' "$log" || true)"
    passed=$((n_tests - failed - skipped))
    [ "$passed" -ge 0 ] || passed=0
    if [ "$n_tests" = 0 ]; then
        fail "Odoo ran no test (${summary#odoo.tests.result: })"
    elif [ "$passed" = 0 ] && [ "$failed" = 0 ]; then
        fail "Odoo skipped all of its $n_tests test(s)"
    fi
    [ "$failed" = 0 ] || fail "Odoo tests: ${summary#odoo.tests.result: }"
fi

# --- 3. translation templates ----------------------------------------------------------------
# The committed <addon>/i18n/<addon>.pot must hold the terms of the code as it is (`make pot`).
echo "== translation templates (<addon>/i18n/<addon>.pot) current"
mkdir -p "$tmp/pot"
mapfile -t pot_addons < <(list_addons)
if export_pots "$db" "$tmp/pot" "${pot_addons[@]}" -- "${common[@]}" --stop-after-init; then
    "$VENV/bin/python" scripts/pot.py check "$tmp/pot" "${pot_addons[@]}" \
        || fail "translation templates out of date (run \`make pot\`)"
else
    fail "exporting the translation templates failed"
fi

# --- 4. the Odoo tests with pytest (pytest-odoo) -----------------------------------------------
# The database is prepared (our add-ons installed): pytest-odoo runs each test in it, in its
# own transaction, rolled back, as Odoo's runner does; --odoo-http serves it for the HttpCase
# tests (tours). Odoo is imported from the source tree (PYTHONPATH).
if [ -n "${PYTEST_ODOO_PATHS:-}" ]; then
    read -r -a pytest_paths <<<"$PYTEST_ODOO_PATHS"
else
    pytest_paths=()
    for addon in "${addons[@]}"; do pytest_paths+=("$addon/tests"); done
fi
pytest_extra=(--odoo-extra "data-dir=$tmp/data")
if [ -n "${PGHOST:-}" ]; then pytest_extra+=(--odoo-extra "db_host=$PGHOST"); fi
if [ -n "${PGPORT:-}" ]; then pytest_extra+=(--odoo-extra "db_port=$PGPORT"); fi
if [ -n "${PGUSER:-}" ]; then pytest_extra+=(--odoo-extra "db_user=$PGUSER"); fi
pytest_log="$tmp/pytest-odoo.log"
echo "== pytest-odoo: ${pytest_paths[*]} on database $db; log: $pytest_log"
set +e
# scripts/pytest_plugins/odoo_test_imports.py: no ERROR for importing Odoo's test framework
# while collecting (Odoo's test mode is on then)
PYTHONPATH="$ODOO_SRC:$REPO_ROOT/scripts/pytest_plugins${PYTHONPATH:+:$PYTHONPATH}" \
    "$VENV/bin/python" -m pytest -p odoo -p odoo_test_imports -q \
    --odoo-database "$db" --odoo-addons-path "$ODOO_ADDONS_PATH" --odoo-http \
    --odoo-log-level=warn --odoo-extra test-enable "${pytest_extra[@]}" -W ignore::DeprecationWarning \
    "${pytest_paths[@]}" >"$pytest_log" 2>&1
rc=$?
set -e
tail -n 3 "$pytest_log"
# as for Odoo's runner, a line logged at WARNING or above fails the run
if grep -nE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$pytest_log" >"$tmp/pytest-bad-lines"; then
    fail "the pytest-odoo log has $(wc -l <"$tmp/pytest-bad-lines") line(s) at WARNING level or above:"
    sed 's/^/    /' "$tmp/pytest-bad-lines" >&2
fi
case "$rc" in
    0) ;;
    5) fail "pytest-odoo collected no test in ${pytest_paths[*]}" ;;
    *)
        grep -E '^(FAILED|ERROR) ' "$pytest_log" | head -n 40 >&2 || true
        fail "pytest-odoo exited with code $rc (log: $pytest_log)"
        ;;
esac

if [ "$status" != 0 ]; then
    # browser tests (tours) save a screenshot of the page when they fail
    if [ -d "$tmp/screenshots" ]; then
        echo "$who: screenshots of the failed browser tests: $tmp/screenshots" >&2
    fi
    [ "${KEEP_DB:-0}" = 1 ] || echo "$who: logs kept in $tmp" >&2
    logs_reported=1
fi
if [ "$skipped" -gt 0 ]; then
    echo "odoo: $passed passed, $failed failed, $skipped skipped"
else
    echo "odoo: $passed passed, $failed failed"
fi
exit "$status"
