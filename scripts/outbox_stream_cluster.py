"""A throw-away PostgreSQL cluster with ``wal_level=logical``, for the outbox stream test.

``TempCluster`` runs PostgreSQL's own ``initdb`` and ``pg_ctl`` (from ``$PG_BINDIR``, else the
newest ``/usr/lib/postgresql/<version>/bin``, else ``pg_config --bindir``) in a temporary folder,
listening on 127.0.0.1 only, on a free port (``$SCOPE3_STREAM_PG_PORT`` if set), with a
superuser ``scope3`` and ``trust`` authentication (loopback only, deleted afterwards).

PostgreSQL refuses to run as root: as root, the commands run as the OS user
``$SCOPE3_STREAM_PG_OS_USER`` (default ``postgres``, which Debian's packages create) through
``runuser``, and the folder is given to that user.

Every missing piece raises :class:`ClusterError` with what to install; nothing is skipped.
"""

import contextlib
import os
import pathlib
import pwd
import re
import shutil
import socket
import subprocess
import tempfile

SUPERUSER = "scope3"


class ClusterError(RuntimeError):
    """The temporary cluster cannot be set up (a tool is missing or failed)."""


def find_bindir():
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(pathlib.Path(os.environ["PG_BINDIR"]))
    root = pathlib.Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = [p for p in root.iterdir() if re.fullmatch(r"\d+(\.\d+)?", p.name)]
        versions.sort(key=lambda p: [int(x) for x in p.name.split(".")], reverse=True)
        candidates.extend(p / "bin" for p in versions)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(pathlib.Path(out.stdout.strip()))
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise ClusterError(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found in $PG_BINDIR, "
        "/usr/lib/postgresql/<version>/bin or `pg_config --bindir`: install the PostgreSQL "
        "server package (Debian: postgresql) or set PG_BINDIR"
    )


def free_port():
    """``$SCOPE3_STREAM_PG_PORT`` if set, else a port free on 127.0.0.1 now."""
    if os.environ.get("SCOPE3_STREAM_PG_PORT"):
        return int(os.environ["SCOPE3_STREAM_PG_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TempCluster:
    """``with TempCluster() as cluster:`` a running cluster, removed on exit."""

    def __init__(self, settings=None):
        self.bindir = find_bindir()
        self.port = free_port()
        self.settings = {
            "wal_level": "logical",
            "max_wal_senders": "4",
            "max_replication_slots": "4",
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            # a throw-away cluster: durability is not needed, speed is
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            **(settings or {}),
        }
        self.tmp = None
        self.datadir = None
        self.run_as = None
        self.started = False

    # -- commands ---------------------------------------------------------------------------
    def _command(self, *args):
        cmd = [str(arg) for arg in args]
        if self.run_as:
            # util-linux installs it in /usr/sbin, which a minimal PATH may leave out
            runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
            if not runuser:
                raise ClusterError("running as root: `runuser` (util-linux) is needed")
            cmd = [runuser, "-u", self.run_as, "--", *cmd]
        return cmd

    def _run(self, *args):
        out = subprocess.run(
            self._command(*args), capture_output=True, text=True, check=False, timeout=120
        )
        if out.returncode != 0:
            raise ClusterError(
                f"{' '.join(map(str, args[:2]))} failed ({out.returncode}):\n"
                f"{out.stdout}\n{out.stderr}"
            )
        return out.stdout

    # -- life cycle -------------------------------------------------------------------------
    def start(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="scope3-stream-pg."))
        self.datadir = self.tmp / "data"
        if os.geteuid() == 0:
            self.run_as = os.environ.get("SCOPE3_STREAM_PG_OS_USER", "postgres")
            try:
                user = pwd.getpwnam(self.run_as)
            except KeyError:
                raise ClusterError(
                    f"running as root, and there is no OS user {self.run_as!r} to run PostgreSQL "
                    "as (PostgreSQL refuses root): create one or set SCOPE3_STREAM_PG_OS_USER"
                ) from None
            os.chown(self.tmp, user.pw_uid, user.pw_gid)
        self._run(
            self.bindir / "initdb",
            "-D",
            self.datadir,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        options += f" -c unix_socket_directories={self.tmp}"
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.datadir,
            "-l",
            self.tmp / "postgres.log",
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.started = True
        return self

    def stop(self):
        if self.started:
            with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
                self._run(self.bindir / "pg_ctl", "-D", self.datadir, "-m", "immediate", "stop")
            self.started = False
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def log(self):
        """The server's log so far (for failure messages)."""
        path = self.tmp and self.tmp / "postgres.log"
        return path.read_text(errors="replace") if path and path.exists() else ""

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # -- connections ------------------------------------------------------------------------
    def dsn(self, dbname="postgres"):
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname}"

    def odoo_db_args(self):
        """odoo-bin options to use this cluster."""
        return ["--db_host", "127.0.0.1", "--db_port", str(self.port), "--db_user", SUPERUSER]
