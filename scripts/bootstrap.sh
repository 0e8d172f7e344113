#!/usr/bin/env bash
# Bootstrap the development environment for the Scope 3 Carbon add-ons.
#
# - finds an Odoo 18.0 source tree at $ODOO_SRC (default: ~/odoo-18.0); where it is missing,
#   clones Odoo's official 18.0 branch there when the machine can reach it, else stops with a
#   clear message;
# - creates a virtualenv at $VENV (default: ~/.cache/scope3-carbon/venv-odoo18) and installs
#   Odoo's Python requirements plus ours (requirements.txt, test-requirements.txt).
#
# Idempotent: a stamp file records what was installed; re-running is a no-op when nothing changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$here/scripts/env.sh"

die() { echo "bootstrap: ERROR: $*" >&2; exit 1; }

# --- Odoo source tree ------------------------------------------------------------------------
if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -d "$ODOO_SRC/odoo/addons/base" ]; then
    if [ -e "$ODOO_SRC" ] && [ -n "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
        die "$ODOO_SRC exists but is not an Odoo 18.0 source tree (no odoo-bin / odoo/addons/base).
Point ODOO_SRC at an Odoo 18.0 source tree (the folder holding odoo-bin, odoo/ and addons/)."
    fi
    echo "bootstrap: no Odoo source tree at $ODOO_SRC; trying to clone Odoo 18.0 from $ODOO_GIT_URL"
    src_existed=0
    [ -e "$ODOO_SRC" ] && src_existed=1
    if ! timeout 900 git clone --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_SRC"; then
        # remove what the failed clone left, never a folder that was there before
        if [ "$src_existed" = 0 ]; then rm -rf "$ODOO_SRC"; fi
        die "could not clone Odoo 18.0 (no internet access?).
Put an Odoo 18.0 community source tree (the folder holding odoo-bin, odoo/ and addons/) at
    $ODOO_SRC
or set ODOO_SRC to the folder where you have one, then run this command again."
    fi
fi
grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
    || die "$ODOO_SRC is not Odoo 18.0 (see $ODOO_SRC/odoo/release.py)"

# --- virtualenv ------------------------------------------------------------------------------
[ -x "$VENV/bin/python" ] || {
    echo "bootstrap: creating virtualenv $VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
}
py_ver=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$py_ver" in 3.10|3.11|3.12) ;; *) die "Python $py_ver in $VENV; Odoo 18.0 needs 3.10 to 3.12" ;; esac

# Odoo's requirements, adapted for this environment:
# - python-ldap needs OpenLDAP headers and only serves the auth_ldap add-on: dropped;
# - cbor2 5.4.2 does not build on Python 3.11 here: 5.4.6 is the same API.
odoo_reqs="$(mktemp)"
trap 'rm -f "$odoo_reqs"' EXIT
sed -e '/^python-ldap/d' -e 's/^cbor2==5\.4\.2/cbor2==5.4.6/' "$ODOO_SRC/requirements.txt" >"$odoo_reqs"

stamp="$VENV/.scope3-bootstrap-stamp"
want="$(cat "$odoo_reqs" "$here/requirements.txt" "$here/test-requirements.txt" | sha256sum | cut -d' ' -f1) $ODOO_SRC"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: installing Python requirements into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade "pip<25" "setuptools<70" wheel
    "$VENV/bin/python" -m pip install --quiet -r "$odoo_reqs"
    "$VENV/bin/python" -m pip install --quiet -r "$here/requirements.txt" -r "$here/test-requirements.txt"
    echo "$want" >"$stamp"
fi
echo "bootstrap: ok (Odoo: $ODOO_SRC, venv: $VENV)"
