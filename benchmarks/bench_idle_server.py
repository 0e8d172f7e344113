#!/usr/bin/env python3
"""A fresh demo database served by Odoo with every agent on, left idle: the log must hold
no ERROR or WARNING line and no agent run may fail.

What ``make run`` does, on a database of its own: the database is created with every
add-on of the repository and the demo data, then served (threaded, two cron threads,
loopback). Every agent is active and unpaused and its cron runs every ``--every``
minutes (1 by default, so that the agents run many times, together and with the
attribution cron, during the idle time). After ``--minutes`` minutes the server is
stopped and one JSON document is printed: the log's ERROR and WARNING lines (the first
ones, verbatim), the agent runs by outcome, the failed or stuck runs with their error,
and the outbox events by state.

Usage: python benchmarks/bench_idle_server.py [--minutes 10] [--every 1] [--db NAME]
       [--keep-db]
"""

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_attribution as shared  # noqa: E402 - the shared helpers of the benchmarks

ADDONS = ",".join(sorted(path.parent.name for path in shared.REPO.glob("*/__manifest__.py")))
LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|WARNING|CRITICAL) ")


def psql(db, query):
    out = subprocess.run(
        ["psql", "-X", "-A", "-t", "-F", "\t", "-d", db, "-c", query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=int, default=1, help="agents' cron interval (minutes)")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scope3_bench_idle"))
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="scope3-bench-idle-")
    log_path = pathlib.Path(data_dir) / "odoo.log"
    subprocess.run(["dropdb", "--if-exists", args.db], check=True)
    started = time.perf_counter()
    subprocess.run(
        shared.odoo_cmd(
            args.db,
            "-i",
            ADDONS,
            "--stop-after-init",
            "--no-http",
            f"--data-dir={data_dir}",
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    install_seconds = time.perf_counter() - started
    psql(
        args.db,
        "UPDATE scope3_agent SET active = true, paused = false, "
        f"interval_number = {int(args.every)}, interval_type = 'minutes'; "
        f"UPDATE ir_cron SET active = true, interval_number = {int(args.every)}, "
        "interval_type = 'minutes', nextcall = now() AT TIME ZONE 'UTC' "
        "WHERE id IN (SELECT cron_id FROM scope3_agent);",
    )
    port = shared.free_port()
    cmd = shared.odoo_cmd(
        args.db,
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--max-cron-threads=2",
        f"--data-dir={data_dir}",
        f"--logfile={log_path}",
    )
    cmd[cmd.index("--log-level=warn")] = "--log-level=info"
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        time.sleep(args.minutes * 60)
    finally:
        server.terminate()
        server.wait(timeout=120)
    problems = [
        line
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        if LEVEL.match(line)
    ]
    runs = dict(
        (kind_state, int(n))
        for kind_state, n in psql(
            args.db,
            "SELECT a.code || ':' || r.state, count(*) FROM scope3_agent_run r "
            "JOIN scope3_agent a ON a.id = r.agent_id GROUP BY 1 ORDER BY 1",
        )
    )
    failed = [
        {"agent": code, "state": state, "error": error}
        for code, state, error in psql(
            args.db,
            "SELECT a.code, r.state, coalesce(r.error, '') FROM scope3_agent_run r "
            "JOIN scope3_agent a ON a.id = r.agent_id "
            "WHERE r.state IN ('failed', 'stuck') ORDER BY r.id",
        )
    ]
    events = dict(
        (state, int(n))
        for state, n in psql(
            args.db, "SELECT state, count(*) FROM scope3_outbox_event GROUP BY 1 ORDER BY 1"
        )
    )
    agents = psql(args.db, "SELECT count(*) FROM scope3_agent WHERE active AND NOT paused")
    if not args.keep_db:
        subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    print(
        json.dumps(
            {
                "benchmark": "idle_server",
                "addons": ADDONS,
                "install_seconds": round(install_seconds, 1),
                "idle_minutes": args.minutes,
                "agents_enabled": int(agents[0][0]),
                "agent_interval_minutes": args.every,
                "log_error_warning_lines": len(problems),
                "log_first_problems": problems[:10],
                "agent_runs": runs,
                "failed_or_stuck_runs": failed,
                "outbox_events": events,
                "targets": {"log_error_warning_lines": 0, "failed_or_stuck_runs": 0},
            },
            indent=2,
        )
    )
    return 0 if not problems and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
