#!/usr/bin/env bash
# Install Debian packages a test or a run needs, if what they provide is missing.
# Usage: scripts/ensure-debian.sh LABEL PATH-GLOB "WHAT FOR" PACKAGE...
#   e.g. scripts/ensure-debian.sh redis /usr/bin/redis-server "the scale test" redis-server
# Needs root and apt-get; otherwise it says so and whatever needs the packages skips with a visible reason.
set -euo pipefail
label=$1 provides=$2 purpose=$3
shift 3
if compgen -G "$provides" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[$label] installing Debian's $* for $purpose"
    apt-get update -qq
    # Only the binaries are wanted: keep the packages' own services from starting on default ports.
    policy=/usr/sbin/policy-rc.d
    created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1; fi
    trap '[ "$created" = 1 ] && rm -f "$policy"' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
else
    echo "[$label] $* not installed and cannot be installed here (needs root and apt-get); $purpose will be skipped"
fi
