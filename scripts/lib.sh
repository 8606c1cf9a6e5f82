# Shared by scripts/run.sh and scripts/run-scaled.sh (sourced, not run).

# Channel credentials (credentials.yml): every variable must exist; empty disables the channel.
export TELEGRAM_TOKEN="${TELEGRAM_TOKEN:-}" TELEGRAM_SECRET_TOKEN="${TELEGRAM_SECRET_TOKEN:-}"
export TELEGRAM_API_URL="${TELEGRAM_API_URL:-https://api.telegram.org}"
export WECHAT_TOKEN="${WECHAT_TOKEN:-}" WECHAT_APP_ID="${WECHAT_APP_ID:-}" WECHAT_APP_SECRET="${WECHAT_APP_SECRET:-}"
export WECHAT_AES_KEY="${WECHAT_AES_KEY:-}" WECHAT_API_URL="${WECHAT_API_URL:-https://api.weixin.qq.com/cgi-bin/}"
export WECHAT_REPLY_BUDGET="${WECHAT_REPLY_BUDGET:-4}"
export RASA_TELEMETRY_ENABLED="${RASA_TELEMETRY_ENABLED:-false}"
# Sanic (Rasa and the action server) closes idle keep-alive connections after 5 s, aiohttp (Rasa's client of the
# action server) and nginx reuse them for 15 s and 60 s: under load a request then goes out on a connection
# the server is closing ("Cannot write to closing transport", the action's events lost). The servers wait longer.
export SANIC_KEEP_ALIVE_TIMEOUT="${SANIC_KEEP_ALIVE_TIMEOUT:-75}"

RASA=.venv/bin/rasa
pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }

wait_for() { # name url log seconds
    local name=$1 url=$2 log=$3 deadline=$((SECONDS + $4))
    printf '%s: starting %s ' "${0##*/}" "$name"
    until .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            echo; echo "${0##*/}: $name did not start; last lines of $log:" >&2; tail -n 20 "$log" >&2; exit 1
        fi
        printf '.'; sleep 2
    done
    echo ' ready'
}

current_model() {
    local model
    model=$(.venv/bin/python -m bot.training --print-path)
    [ -f "$model" ] || { echo "${0##*/}: no trained model for the current inputs; run 'make model' first" >&2; exit 1; }
    echo "$model"
}
