#!/usr/bin/env bash
# Make Debian's Chromium available for the browser end-to-end tests (driven by Playwright, installed in .venv).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[chromium] installing Debian's chromium and chromium-driver and a Chinese font (fonts-wqy-zenhei, for readable screenshots) for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-wqy-zenhei >/dev/null
else
    echo "[chromium] Chromium is not installed and cannot be installed here (needs root and apt-get);" \
        "the browser tests will be skipped"
fi
