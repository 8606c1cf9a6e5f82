#!/usr/bin/env bash
# Provide .venv with the locked dependencies on any machine, starting from nothing.
#
# Rasa Open Source 3.6 runs on Python 3.9 or 3.10 only, and machines usually ship something newer.
# The interpreter is found or provided in this order:
#   0. $TP_PYTHON, when set (an explicit choice always wins);
#   1. `uv python find --system '>=3.9,<3.11'` (interpreters on PATH; never the project's own .venv);
#   2. uv-managed and pyenv-installed versions (uv cannot use pyenv shims of versions that are not active);
#   3. `uv python install 3.10` (needs the internet);
#   4. on Debian 12 as root: Debian 11's python3.9, pinned so that nothing else comes from bullseye.
# Otherwise it stops and says which interpreter is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
TOOLS_DIR=".cache/tools"
PY_SPEC=">=3.9,<3.11"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# --- uv -------------------------------------------------------------------------------------------

ensure_uv() {
    if [ -x "$TOOLS_DIR/bin/uv" ]; then
        UV="$TOOLS_DIR/bin/uv"
        return
    fi
    command -v python3 >/dev/null || die "python3 is needed to install uv (apt-get install python3 python3-venv)"
    log "installing uv $UV_VERSION into $TOOLS_DIR"
    if python3 -m venv "$TOOLS_DIR" >/dev/null 2>&1; then
        "$TOOLS_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    else
        # Debian without python3-venv: install the wheel into a plain folder instead.
        rm -rf "$TOOLS_DIR"
        python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS_DIR/lib" "uv==$UV_VERSION"
        mkdir -p "$TOOLS_DIR/bin"
        ln -sf "../lib/bin/uv" "$TOOLS_DIR/bin/uv"
    fi
    UV="$TOOLS_DIR/bin/uv"
}

# --- interpreter ----------------------------------------------------------------------------------

is_supported() {
    [ -n "$1" ] && [ -x "$1" ] &&
        "$1" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] < (3, 11) else 1)' 2>/dev/null
}

find_with_uv() {
    local found
    found=$("$UV" python find --system "$PY_SPEC" 2>/dev/null) || return 1
    is_supported "$found" && printf '%s\n' "$found"
}

find_on_machine() {
    local root="${PYENV_ROOT:-$HOME/.pyenv}" managed candidate
    managed=$("$UV" python dir 2>/dev/null || echo /nonexistent)
    for candidate in \
        "$managed"/cpython-3.10.*/bin/python3.10 "$managed"/cpython-3.9.*/bin/python3.9 \
        "$root"/versions/3.10.*/bin/python3.10 "$root"/versions/3.9.*/bin/python3.9 \
        /usr/bin/python3.10 /usr/bin/python3.9 /usr/local/bin/python3.10 /usr/local/bin/python3.9; do
        if is_supported "$candidate"; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

debian_mirror() {
    # Reuse the machine's own Debian mirror rather than naming one here.
    local uri
    uri=$(grep -hoE '^URIs:[[:space:]]*[^[:space:]]+/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 |
        sed -E 's/^URIs:[[:space:]]*//')
    [ -n "$uri" ] || uri=$(grep -hoE '^deb[[:space:]]+[^[:space:]]+/debian/?[[:space:]]' /etc/apt/sources.list 2>/dev/null |
        head -n1 | awk '{print $2}')
    printf '%s\n' "${uri%/}"
}

install_debian_python39() {
    grep -q '^VERSION_ID="12"' /etc/os-release 2>/dev/null || return 1
    [ "$(id -u)" = 0 ] || { log "Debian 11's python3.9 can be installed only as root"; return 1; }
    local mirror
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || { log "no Debian mirror found in the apt sources"; return 1; }
    log "installing python3.9 from Debian 11 (bullseye), pinned to priority 100"
    echo "deb $mirror bullseye main" >/etc/apt/sources.list.d/bullseye-python39.list
    cat >/etc/apt/preferences.d/bullseye-python39 <<'PREF'
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PREF
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3.9/bullseye python3.9-minimal/bullseye python3.9-dev/bullseye \
        libpython3.9/bullseye libpython3.9-dev/bullseye libpython3.9-minimal/bullseye libpython3.9-stdlib/bullseye \
        >/dev/null
    # distutils and lib2to3 declare python3 (<3.10), which Debian 12 cannot satisfy; uv needs distutils for 3.9.
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq python3-distutils/bullseye python3-lib2to3/bullseye)
    for deb in "$tmp"/*.deb; do dpkg -x "$deb" /; done
    rm -rf "$tmp"
    is_supported /usr/bin/python3.9
}

find_python() {
    if [ -n "${TP_PYTHON:-}" ]; then
        is_supported "$TP_PYTHON" || die "TP_PYTHON=$TP_PYTHON is not a Python 3.9 or 3.10 interpreter"
        printf '%s\n' "$TP_PYTHON"
        return
    fi
    find_with_uv && return
    find_on_machine && return
    log "no Python 3.9/3.10 found; trying 'uv python install 3.10'"
    if timeout 120 "$UV" python install 3.10 >/dev/null 2>&1; then
        find_on_machine && return
    fi
    log "'uv python install' is not possible here (no internet?)"
    if install_debian_python39; then
        printf '%s\n' /usr/bin/python3.9
        return
    fi
    die "Rasa 3.6 needs Python 3.9 or 3.10. Install one (e.g. 'uv python install 3.10' or your OS package) and
           run again, or point TP_PYTHON at it."
}

# --- main -----------------------------------------------------------------------------------------

ensure_uv
PYTHON=$(find_python)
log "using $PYTHON ($("$PYTHON" --version 2>&1))"
log "syncing .venv from uv.lock (the first run downloads about 1 GB; later runs take seconds)"
"$UV" sync --frozen --python "$PYTHON"
