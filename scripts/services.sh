#!/usr/bin/env bash
# Run the four services and the web console as background processes on this machine (no Docker).
#
#   scripts/services.sh up       start needs, training, evaluation, notifications, console; wait until ready
#   scripts/services.sh down     stop the ones this script started
#   scripts/services.sh status   one line per service, with its readiness
#
# Ports: NEEDS_PORT (8001), TRAINING_PORT (8002), EVALUATION_PORT (8003), NOTIFICATIONS_PORT (8004),
# CONSOLE_PORT (8000). The console calls the services at these ports (NEEDS_URL, ... unless set) and shows
# FISCAL_YEAR's plan, by default next year's: the one scripts/demo_data.py loads.
# Other settings (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI, JWT_SECRET, ...) pass through the environment;
# FERRETDB_POSTGRESQL_URL defaults to infra/local.sh's PostgreSQL (FERRETDB_PG_PORT), for the lookup indexes.
set -euo pipefail
export FERRETDB_POSTGRESQL_URL=${FERRETDB_POSTGRESQL_URL:-postgres://ferretdb@127.0.0.1:${FERRETDB_PG_PORT:-54329}/ferretdb}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${RUN_DIR:-$repo/.run}
PYTHON=${PYTHON:-$repo/.venv/bin/python}
HOST=${HTTP_HOST:-127.0.0.1}
START_TIMEOUT=${SERVICES_START_TIMEOUT:-90}
SERVICES=(needs training evaluation notifications console)

port_of() {
  case $1 in
    needs) echo "${NEEDS_PORT:-8001}" ;;
    training) echo "${TRAINING_PORT:-8002}" ;;
    evaluation) echo "${EVALUATION_PORT:-8003}" ;;
    notifications) echo "${NOTIFICATIONS_PORT:-8004}" ;;
    console) echo "${CONSOLE_PORT:-8000}" ;;
  esac
}

say() { printf '[services] %s\n' "$*" >&2; }

running_pid() {
  local pidfile=$RUN_DIR/$1.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "services.$1.main" || return 1
  echo "$pid"
}

ready() { curl -fsS -m 3 "http://$HOST:$(port_of "$1")/health/ready" >/dev/null 2>&1; }

up() {
  mkdir -p "$RUN_DIR"
  local name
  for name in needs training evaluation notifications; do
    local var="${name^^}_URL"
    export "$var=${!var:-http://$HOST:$(port_of "$name")}"
  done
  export FISCAL_YEAR=${FISCAL_YEAR:-$(($(date +%Y) + 1))}
  local svc pid
  for svc in "${SERVICES[@]}"; do
    if pid=$(running_pid "$svc"); then say "$svc already running (pid $pid)"; continue; fi
    say "starting $svc on $HOST:$(port_of "$svc")"
    HTTP_HOST=$HOST HTTP_PORT=$(port_of "$svc") setsid nohup "$PYTHON" -m uvicorn "services.$svc.main:create_app" \
      --factory --host "$HOST" --port "$(port_of "$svc")" --no-access-log \
      >>"$RUN_DIR/$svc.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/$svc.pid"
  done
  local deadline=$((SECONDS + START_TIMEOUT))
  for svc in "${SERVICES[@]}"; do
    until ready "$svc"; do
      running_pid "$svc" >/dev/null || { say "$svc exited; last lines of $RUN_DIR/$svc.log:"; tail -n 20 "$RUN_DIR/$svc.log" >&2; exit 1; }
      ((SECONDS < deadline)) || { say "$svc not ready after ${START_TIMEOUT}s; see $RUN_DIR/$svc.log"; exit 1; }
      sleep 0.5
    done
    if [[ $svc == console ]]; then say "console is ready: http://$HOST:$(port_of console)"; else say "$svc is ready: http://$HOST:$(port_of "$svc")/docs"; fi
  done
}

down() {
  local svc pid
  for svc in "${SERVICES[@]}"; do
    pid=$(running_pid "$svc") || { rm -f "$RUN_DIR/$svc.pid"; continue; }
    say "stopping $svc (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$RUN_DIR/$svc.pid"
  done
}

status() {
  local svc pid
  for svc in "${SERVICES[@]}"; do
    if pid=$(running_pid "$svc"); then
      if ready "$svc"; then state=ready; else state=not-ready; fi
      printf '%-14s %-9s pid %-7s http://%s:%s\n' "$svc" "$state" "$pid" "$HOST" "$(port_of "$svc")"
    else
      printf '%-14s stopped\n' "$svc"
    fi
  done
}

case ${1:-status} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
