#!/usr/bin/env bash
# Vendor socket.io-client's browser bundle for the website widget, from the npm registry, at build time:
# the widget is served by the project itself, no CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.8.4
target=bot/channels/widget_assets/vendor/socket.io.min.js
stamp=bot/channels/widget_assets/vendor/VERSION
if [ -f "$target" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "[widget] npm is not installed: the website widget cannot be served (install Node.js and npm)" >&2
    exit 0
fi
echo "[widget] vendoring socket.io-client $VERSION from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "socket.io-client@$VERSION" --silent >/dev/null)
tar -xzf "$work"/socket.io-client-"$VERSION".tgz -C "$work" package/dist/socket.io.min.js
mkdir -p "$(dirname "$target")"
cp "$work/package/dist/socket.io.min.js" "$target"
echo "$VERSION" >"$stamp"
