"""PostgreSQL helper for the project scripts (run it with the project's virtualenv).

The connection takes its parameters from the standard libpq variables (PGHOST, PGPORT,
PGUSER, PGPASSWORD, ...), as Odoo does when no --db_* option is given.

    pg_helper.py check          exit 1 with a clear message if PostgreSQL is
                                unreachable or the role may not create databases
    pg_helper.py exists DB      print "yes" or "no"
    pg_helper.py drop DB        drop DB if it exists (closing its connections first)
    pg_helper.py not-installed DB ADDON...
                                print, comma-separated, the add-ons among ADDON...
                                that are not installed in DB
"""

import os
import sys

try:
    import psycopg2
    from psycopg2 import sql
except ImportError:  # the virtualenv has it: Odoo requires it
    sys.exit("pg_helper: psycopg2 is missing; run `make bootstrap` first")

# the database Odoo itself connects to for CREATE/DROP DATABASE
MAINTENANCE_DB = "postgres"


def _where():
    host = os.environ.get("PGHOST") or "(default Unix socket)"
    port = os.environ.get("PGPORT") or "5432"
    user = os.environ.get("PGUSER") or "(current OS user)"
    return f"host={host} port={port} user={user}"


def connect(dbname=MAINTENANCE_DB):
    try:
        cnx = psycopg2.connect(dbname=dbname, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        msg = " ".join(str(exc).split())
        sys.exit(
            f"ERROR: cannot connect to PostgreSQL ({_where()}, database {dbname}): "
            f"{msg}\n"
            "Start PostgreSQL (e.g. `pg_ctlcluster <version> main start`) or point "
            "the standard variables PGHOST, PGPORT, PGUSER, PGPASSWORD at a running "
            "server."
        )
    cnx.autocommit = True
    return cnx


def cmd_check():
    cnx = connect()
    try:
        with cnx.cursor() as cr:
            cr.execute("SHOW server_version")
            version = cr.fetchone()[0]
            cr.execute(
                "SELECT current_user, rolsuper OR rolcreatedb FROM pg_roles "
                "WHERE rolname = current_user"
            )
            user, can_create = cr.fetchone()
    finally:
        cnx.close()
    if user == "postgres":
        sys.exit(
            "ERROR: the PostgreSQL role is 'postgres', which Odoo refuses to use. "
            "Set PGUSER to another role, one that may create databases."
        )
    if not can_create:
        sys.exit(
            f"ERROR: PostgreSQL role {user!r} may not create databases ({_where()}); "
            f'grant it with: ALTER ROLE "{user}" CREATEDB;'
        )
    print(f"PostgreSQL {version} reachable ({_where()}), role {user!r}")


def _exists(cr, name):
    cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    return bool(cr.fetchone())


def cmd_exists(name):
    cnx = connect()
    try:
        with cnx.cursor() as cr:
            print("yes" if _exists(cr, name) else "no")
    finally:
        cnx.close()


def cmd_drop(name):
    cnx = connect()
    try:
        with cnx.cursor() as cr:
            if not _exists(cr, name):
                return
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            query = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
            cr.execute(query)
    finally:
        cnx.close()


def cmd_not_installed(name, addons):
    cnx = connect(name)
    try:
        with cnx.cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module " "WHERE state = 'installed' AND name = ANY(%s)",
                (list(addons),),
            )
            installed = {row[0] for row in cr.fetchall()}
    except psycopg2.Error as exc:
        sys.exit(f"ERROR: database {name} is not an Odoo database? {exc}")
    finally:
        cnx.close()
    print(",".join(a for a in addons if a not in installed))


def main(argv):
    usage = "usage:\n" + __doc__.split("\n\n", 2)[2]
    cmd, args = (argv[0], argv[1:]) if argv else ("", [])
    if cmd == "check" and not args:
        cmd_check()
    elif cmd == "exists" and len(args) == 1:
        cmd_exists(args[0])
    elif cmd == "drop" and len(args) == 1:
        cmd_drop(args[0])
    elif cmd == "not-installed" and len(args) >= 2:
        cmd_not_installed(args[0], args[1:])
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main(sys.argv[1:])
