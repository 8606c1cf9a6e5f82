#!/usr/bin/env bash
# Make Debian's PostgreSQL server binaries available for the PostgreSQL run of the store tests.
# The tests start their own throwaway cluster; nothing is started or configured here.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[postgres] installing Debian's postgresql package for the store tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
else
    echo "[postgres] PostgreSQL is not installed and cannot be installed here (needs root and apt-get);" \
        "the PostgreSQL run of the store tests will be skipped"
fi
