#!/usr/bin/env bash
# `make test-stream`: the outbox streams through PostgreSQL logical replication as Debezium's
# outbox event router reads it (tests/test_outbox_stream.py).
#
# The test starts its own temporary PostgreSQL cluster (initdb + pg_ctl of the PostgreSQL server
# package, wal_level=logical, 127.0.0.1, a free port; as root it runs them as the OS user
# `postgres`, see scripts/outbox_stream_cluster.py), installs scope3_carbon there with Odoo,
# confirms documents and reads the replication slot. It fails, never skips: a missing tool
# (PostgreSQL server binaries, runuser, Odoo's source tree) is a failure, and so is any test
# that did not pass. Takes about 1-2 minutes (the Odoo installation).
#
# Variables: ODOO_SRC, VENV (scripts/env.sh); PG_BINDIR (folder of initdb/pg_ctl, default the
# newest /usr/lib/postgresql/<version>/bin); SCOPE3_STREAM_PG_PORT (default: any free port);
# SCOPE3_STREAM_PG_OS_USER (default postgres, used when running as root).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
who="make test-stream"
cd "$REPO_ROOT"

bash "$REPO_ROOT/scripts/bootstrap.sh" || die "$who" "bootstrap failed (see above)"
require_odoo_src "$who"

out="$(mktemp "${TMPDIR:-/tmp}/scope3-stream.XXXXXX")"
trap 'rm -f "$out"' EXIT
echo "== pytest tests/test_outbox_stream.py (temporary PostgreSQL cluster, wal_level=logical)"
rc=0
SCOPE3_OUTBOX_STREAM_TEST=1 ODOO_SRC="$ODOO_SRC" \
    "$VENV/bin/python" -m pytest -p no:odoo tests/test_outbox_stream.py -q -rs 2>&1 | tee "$out" || rc=$?
[ "$rc" = 0 ] || die "$who" "pytest exited with code $rc"
# the closing line must count passed tests and nothing skipped, failed or in error
summary="$(grep -E '^[0-9]+ (passed|failed|skipped|errors?)\b.* in [0-9.]+s' "$out" | tail -n 1 || true)"
if [[ ! "$summary" =~ ^[0-9]+\ passed ]] || [[ "$summary" =~ failed|skipped|error|xfail|xpass|deselected ]]; then
    die "$who" "some outbox stream tests did not run or did not pass (pytest: ${summary:-no summary line})"
fi
