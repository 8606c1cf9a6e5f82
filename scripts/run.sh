#!/usr/bin/env bash
# Start the action server and the Rasa server on the current model; stop both on Ctrl-C.
# Usage: scripts/run.sh [--shell]   (normally through `make run` / `make shell`, which set the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${REST_CHANNEL_TOKEN:-}" ]; then export TP_DEV_MODE="${TP_DEV_MODE:-1}"; fi
source scripts/lib.sh
MODEL=$(current_model)

mkdir -p var/log
demo_agent
trap stop EXIT
trap 'exit 130' INT TERM

# Supervised: if the action server dies it is started again, and Rasa keeps serving (FAQ answers need no action;
# the customer is told when a look-up cannot be done meanwhile).
: >var/log/actions.log
supervise "action server" var/log/actions.log "$RASA" run actions --actions bot.actions --port "$ACTION_PORT"
wait_for "action server" "http://127.0.0.1:${ACTION_PORT}/health" var/log/actions.log 120

if [ "${1:-}" = "--shell" ]; then
    "$RASA" shell --model "$MODEL" --endpoints endpoints.yml
    exit
fi

api_args=()
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then api_args=(--enable-api --auth-token "$RASA_AUTH_TOKEN"); fi
"$PYTHON" -m bot.server run --model "$MODEL" --port "$RASA_PORT" --endpoints endpoints.yml --credentials credentials.yml \
    "${api_args[@]}" >var/log/rasa.log 2>&1 &
pids+=($!)
wait_for "Rasa server" "http://127.0.0.1:${RASA_PORT}/" var/log/rasa.log 300

telegram="off (set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN)"
if [ -n "$TELEGRAM_TOKEN" ] && [ -n "$TELEGRAM_SECRET_TOKEN" ]; then
    telegram="POST http://127.0.0.1:${RASA_PORT}/webhooks/telegram/webhook (make telegram-poll to try it locally)"
fi
wechat="off (set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET)"
if [ -n "$WECHAT_TOKEN" ] && [ -n "$WECHAT_APP_ID" ] && [ -n "$WECHAT_APP_SECRET" ]; then
    wechat="http://127.0.0.1:${RASA_PORT}/webhooks/wechat/webhook (register its public HTTPS address in the WeChat admin)"
fi
rest_access="(needs Authorization: Bearer \$REST_CHANNEL_TOKEN)"
if [ -z "$REST_CHANNEL_TOKEN" ]; then rest_access="(development mode: open to this machine only; set REST_CHANNEL_TOKEN)"; fi
records="var/tp.db (SQLite)"
if [ -n "${DATABASE_URL:-}" ]; then records='$DATABASE_URL'; fi  # never print credentials
conversations="var/tracker.db (SQLite)"
if [ "$TRACKER_STORE_URL" != "sqlite:///var/tracker.db" ]; then conversations='$TRACKER_STORE_URL'; fi
cat <<INFO

TP customer-service assistant is running.
  REST webhook:   POST http://127.0.0.1:${RASA_PORT}/webhooks/rest/webhook   ${rest_access}
                  curl -s localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"demo","message":"保修期多久"}'
                  agent replies: GET http://127.0.0.1:${RASA_PORT}/webhooks/rest/outbox?sender=demo&after=0
  Website widget: http://127.0.0.1:${RASA_PORT}/   (demo page; embed: <script src=".../widget/widget.js" async>)
  Agent console:  http://127.0.0.1:${RASA_PORT}/console/   (demo agent: demo / ${CONSOLE_DEMO_PASSWORD:-tp-demo-2026})
  Telegram:       ${telegram}
  WeChat:         ${wechat}
  Action server:  http://127.0.0.1:${ACTION_PORT}/webhook
  Conversations:  ${conversations}      Records: ${records}      Logs: var/log/
Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}"
echo "run: the Rasa server stopped unexpectedly; see var/log/" >&2
exit 1
