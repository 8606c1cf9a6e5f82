# Shared by scripts/run.sh and scripts/run-scaled.sh (sourced, not run).

# Every setting with its default, validated once (bot/core/settings.py): a bad value stops here, naming the
# variable. endpoints.yml reads ACTION_SERVER_URL, TRACKER_STORE_URL and REDIS_URL from the environment.
# SANIC_KEEP_ALIVE_TIMEOUT: Sanic (Rasa and the action server) closes idle keep-alive connections after 5 s,
# aiohttp (Rasa's client of the action server) and nginx reuse them for 15 s and 60 s: under load a request then
# goes out on a connection the server is closing; the default (75) makes the servers wait longer.
exports=$(.venv/bin/python -m bot.core.settings shell) || exit 2
eval "$exports"

RASA=.venv/bin/rasa
PYTHON=.venv/bin/python
pids=()

supervise() { # name log command...: run the command in the background and start it again whenever it exits
    local name=$1 log=$2
    shift 2
    (
        child=""
        trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM INT
        while true; do
            "$@" >>"$log" 2>&1 &
            child=$!
            status=0
            wait "$child" || status=$?
            echo "${0##*/}: $name exited ($status), starting it again" | tee -a "$log" >&2
            sleep "${SUPERVISE_DELAY:-2}"
        done
    ) &
    pids+=($!)
}

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

# The demo agent (CONSOLE_DEMO_AGENT=1) and starter quick replies. Being the only account, it also does a
# supervisor's part (quick replies, others' conversations) unless HANDOFF_SUPERVISORS names someone.
demo_agent() {
    if [ "$CONSOLE_DEMO_AGENT" != 1 ]; then return; fi
    "$PYTHON" -m bot.handoff demo-agent
    if [ -z "${HANDOFF_SUPERVISORS:-}" ]; then export HANDOFF_SUPERVISORS=demo; fi
}
