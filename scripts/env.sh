# Shared settings for the project scripts (sourced, not executed). Every value can be
# overridden from the environment. Never put a path of one particular machine here: defaults
# are relative to $HOME.
# shellcheck shell=bash
if [ -z "${HOME:-}" ]; then HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"; export HOME; fi
: "${ODOO_SRC:=$HOME/odoo-18.0}"
: "${VENV:=$HOME/.cache/scope3-carbon/venv-odoo18}"
: "${PYTHON:=python3}"
: "${ODOO_GIT_URL:=https://github.com/odoo/odoo.git}"
: "${ODOO_HTTP_PORT:=8069}"
# `make run`: database served, and Odoo's data dir (the filestore lives in $RUN_DATA_DIR/filestore/<db>)
: "${RUN_DB:=scope3_demo}"
: "${RUN_DATA_DIR:=$HOME/.local/share/scope3-carbon}"
# `make test`: HTTP port of the test server (HttpCase tests); the database name defaults to
# scope3_test_<pid> (TEST_DB) and is dropped afterwards unless KEEP_DB=1
: "${TEST_HTTP_PORT:=8169}"
export ODOO_SRC VENV PYTHON ODOO_GIT_URL ODOO_HTTP_PORT RUN_DB RUN_DATA_DIR TEST_HTTP_PORT
