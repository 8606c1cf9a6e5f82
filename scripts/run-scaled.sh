#!/usr/bin/env bash
# Scale-out on one machine: PostgreSQL (conversations and records), Redis (conversation locks, Socket.IO
# messages, WeChat token), one action server, two Rasa replicas and nginx in front. Stops everything on Ctrl-C.
# Usage: scripts/run-scaled.sh   (normally through `make run-scaled`, which installs the Debian packages)
# Settings: SCALED_DIR (var/scaled: data and logs), SCALED_PORT (8080, nginx), REPLICA_PORTS ("5006 5007"),
#           ACTION_PORT (5055), POSTGRES_PORT (5433), REDIS_PORT (6380), RASA_AUTH_TOKEN (enables Rasa's API).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${SCALED_DIR:=var/scaled}" "${SCALED_PORT:=8080}" "${REPLICA_PORTS:=5006 5007}" "${ACTION_PORT:=5055}"
: "${POSTGRES_PORT:=5433}" "${REDIS_PORT:=6380}"
# A local demo: without REST_CHANNEL_TOKEN the REST channel is in development mode (loopback, nginx included).
if [ -z "${REST_CHANNEL_TOKEN:-}" ]; then export TP_DEV_MODE="${TP_DEV_MODE:-1}"; fi
# The replicas are reached through nginx, which sets X-Real-IP: log-in limits and the development mode's
# loopback check then see the client's own address, not nginx's.
export SANIC_REAL_IP_HEADER="${SANIC_REAL_IP_HEADER:-X-Real-IP}"
source scripts/lib.sh
MODEL=$(current_model)
read -r -a replicas <<<"$REPLICA_PORTS"
[ "${#replicas[@]}" -ge 2 ] || { echo "run-scaled: REPLICA_PORTS needs two ports or more" >&2; exit 2; }

pg_bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)")
for needed in "$pg_bin/initdb" /usr/bin/redis-server /usr/sbin/nginx; do
    [ -x "$needed" ] || { echo "run-scaled: $needed is missing (make run-scaled installs it as root)" >&2; exit 1; }
done

mkdir -p "$SCALED_DIR"/{log,redis,nginx/tmp}
SCALED_DIR=$(cd "$SCALED_DIR" && pwd)
logs=$SCALED_DIR/log
trap stop EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL: a cluster of the project's own (as root it runs as the 'postgres' user) --------------------
as_postgres=()
if [ "$(id -u)" = 0 ]; then as_postgres=(runuser -u postgres --); fi
pg_data=$SCALED_DIR/postgres
if [ ! -f "$pg_data/PG_VERSION" ]; then
    mkdir -p "$pg_data"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pg_data"; fi
    "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        >"$logs/initdb.log"
fi
"${as_postgres[@]}" "$pg_bin/postgres" -D "$pg_data" -p "$POSTGRES_PORT" -c listen_addresses=127.0.0.1 \
    -k "$pg_data" -c max_connections=300 >"$logs/postgres.log" 2>&1 &
pids+=($!)
printf 'run-scaled: starting PostgreSQL '
until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"; do printf '.'; sleep 1; done
echo ' ready'
for database in tp tp_conversations; do
    "$pg_bin/psql" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$database'" \
        | grep -q 1 || "$pg_bin/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres "$database"
done
export DATABASE_URL="postgresql://postgres@127.0.0.1:${POSTGRES_PORT}/tp"
export TRACKER_STORE_URL="postgresql://postgres@127.0.0.1:${POSTGRES_PORT}/tp_conversations"

# --- Redis: locks and messages only, nothing worth persisting ------------------------------------------------
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$SCALED_DIR/redis" --save "" --appendonly no \
    >"$logs/redis.log" 2>&1 &
pids+=($!)
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
printf 'run-scaled: starting Redis '
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do printf '.'; sleep 1; done
echo ' ready'

# --- records, action server, replicas -------------------------------------------------------------------------
.venv/bin/python -m bot.store init --demo
demo_agent
export ACTION_SERVER_URL="http://127.0.0.1:${ACTION_PORT}/webhook"
supervise "action server" "$logs/actions.log" "$RASA" run actions --actions bot.actions --port "$ACTION_PORT"
wait_for "action server" "http://127.0.0.1:${ACTION_PORT}/health" "$logs/actions.log" 120

api_args=()
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then api_args=(--enable-api --auth-token "$RASA_AUTH_TOKEN"); fi
# Rasa's conversation table, created once here so that the replicas can start together.
.venv/bin/python -m bot.store.conversations >"$logs/tracker-tables.log" 2>&1
upstreams=()
for i in "${!replicas[@]}"; do
    port=${replicas[$i]}
    "$PYTHON" -m bot.server run --model "$MODEL" --port "$port" --endpoints endpoints.yml --credentials credentials.yml \
        "${api_args[@]}" >"$logs/rasa-$((i + 1)).log" 2>&1 &
    pids+=($!)
    upstreams+=("127.0.0.1:$port")
done
for i in "${!replicas[@]}"; do
    wait_for "Rasa replica $((i + 1))" "http://127.0.0.1:${replicas[$i]}/" "$logs/rasa-$((i + 1)).log" 300
done

# --- nginx: the template deploy/nginx/tp.conf.template, as in deploy/docker-compose.yml --------------------
nginx_dir=$SCALED_DIR/nginx
chmod 1777 "$nginx_dir/tmp"  # nginx's workers (user nobody) buffer request bodies there
LISTEN_PORT=$SCALED_PORT RASA_1=${upstreams[0]} RASA_2=${upstreams[1]} \
    envsubst '${LISTEN_PORT} ${RASA_1} ${RASA_2}' <deploy/nginx/tp.conf.template >"$nginx_dir/tp.conf"
for extra in "${upstreams[@]:2}"; do  # replicas beyond two join both upstreams
    sed -i "s|^\(    server ${upstreams[1]}\)\(.*\);|&\n    server $extra\2;|" "$nginx_dir/tp.conf"
done
cat >"$nginx_dir/nginx.conf" <<CONF
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log $logs/nginx-access.log;
    client_body_temp_path $nginx_dir/tmp/body;
    proxy_temp_path $nginx_dir/tmp/proxy;
    fastcgi_temp_path $nginx_dir/tmp/fastcgi;
    uwsgi_temp_path $nginx_dir/tmp/uwsgi;
    scgi_temp_path $nginx_dir/tmp/scgi;
    include $nginx_dir/tp.conf;
}
CONF
nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -g 'daemon off;' >"$logs/nginx.log" 2>&1 &
pids+=($!)
wait_for "nginx" "http://127.0.0.1:${SCALED_PORT}/" "$logs/nginx-error.log" 30

cat <<INFO

TP customer-service assistant is running with ${#replicas[@]} Rasa replicas behind nginx.
  Everything:     http://127.0.0.1:${SCALED_PORT}/   (widget demo page; REST /webhooks/rest/webhook; console /console/)
  Replicas:       ${upstreams[*]}   Action server: 127.0.0.1:${ACTION_PORT}
  Conversations:  PostgreSQL 127.0.0.1:${POSTGRES_PORT}/tp_conversations   Records: …/tp   Redis: 127.0.0.1:${REDIS_PORT}
  Data and logs:  ${SCALED_DIR}
Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}"
echo "run-scaled: a server stopped unexpectedly; see $logs/" >&2
exit 1
