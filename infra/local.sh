#!/usr/bin/env bash
# Local infrastructure without Docker: Apache Kafka (KRaft) from Maven Central jars on the machine's
# Java, and FerretDB (MongoDB wire protocol) built from the Go module proxy, storing into a private
# PostgreSQL cluster from Debian's packages (FERRETDB_HANDLER=sqlite uses SQLite files instead).
#
#   infra/local.sh install   resolve Kafka jars and build FerretDB (cached)
#   infra/local.sh up        install, then start both and wait until they answer (idempotent)
#   infra/local.sh down      stop only what this script started (pid files)
#   infra/local.sh status    one line per component
#   infra/local.sh clean     down, then delete all local data
#
# Everything lives under $INFRA_DIR (default: .infra/ in the repo, git-ignored).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INFRA_DIR=${INFRA_DIR:-$repo/.infra}
KAFKA_HOST=${KAFKA_HOST:-127.0.0.1}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${KAFKA_HEAP:-1g}
MONGODB_HOST=${MONGODB_HOST:-127.0.0.1}
MONGODB_PORT=${MONGODB_PORT:-27017}
# PostgreSQL is FerretDB v1's main backend and, measured here, ~10x faster than SQLite on updates at
# a few thousand documents per collection (FerretDB's SQLite backend scans the table for every update).
FERRETDB_HANDLER=${FERRETDB_HANDLER:-postgresql}
PG_PORT=${FERRETDB_PG_PORT:-54329}
# FerretDB v1 holds one PostgreSQL connection per open cursor and per statement, from a pool of 50 by
# default; seen here, 50 requests each holding a cursor while asking for one more connection wedged it
# for good (every goroutine waiting on the pool, its metadata lock held). A larger pool keeps that out of
# reach of the test suite and the benchmarks; PostgreSQL allows it with room to spare.
FERRETDB_PG_POOL_MAX=${FERRETDB_PG_POOL_MAX:-150}
PG_MAX_CONNECTIONS=${PG_MAX_CONNECTIONS:-300}
START_TIMEOUT=${INFRA_START_TIMEOUT:-120}

kafka_dir=$INFRA_DIR/kafka
fdb_dir=$INFRA_DIR/ferretdb
pg_dir=$INFRA_DIR/postgres
bin_dir=$INFRA_DIR/bin
# As root, the cluster runs as Debian's postgres user, who must be able to reach its folder; when a
# parent of the repo is private (say, under /root), the cluster lives under /var/tmp instead.
if [[ $(id -u) == 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$INFRA_DIR" 2>/dev/null \
  && ! { mkdir -p "$INFRA_DIR" && runuser -u postgres -- test -x "$INFRA_DIR" 2>/dev/null; }; then
  pg_dir=/var/tmp/asn-competency-postgres-$(printf '%s' "$INFRA_DIR" | sha256sum | cut -c1-12)
fi

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A pid file counts only while its process is alive and is the program we started.
running_pid() {
  local pidfile=$1 marker=$2 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$marker" || return 1
  echo "$pid"
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

install_kafka() {
  local libs=$kafka_dir/libs stamp
  stamp=$(stamp_of "$repo/infra/kafka/pom.xml")
  if [[ -f $libs/.stamp && $(<"$libs/.stamp") == "$stamp" ]]; then return; fi
  command -v java >/dev/null || die "java not found: install a JDK 17 (Debian: apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "mvn not found: install Maven (Debian: apt-get install maven)"
  say "resolving Kafka jars from Maven Central (first run only)..."
  rm -rf "$libs" && mkdir -p "$libs"
  mvn -q -B -f "$repo/infra/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime >"$kafka_dir/maven.log" 2>&1 ||
    die "maven could not resolve the Kafka jars; see $kafka_dir/maven.log"
  echo "$stamp" >"$libs/.stamp"
}

install_ferretdb() {
  local src=$repo/infra/ferretdb stamp
  stamp=$(stamp_of "$src/go.mod" "$src/go.sum" "$src/main.go")
  if [[ -x $bin_dir/ferretdb-local && -f $bin_dir/.ferretdb.stamp && $(<"$bin_dir/.ferretdb.stamp") == "$stamp" ]]; then
    return
  fi
  command -v go >/dev/null || die "go not found: install Go >= 1.24 to build FerretDB"
  say "building FerretDB from the Go module proxy (first run only)..."
  mkdir -p "$bin_dir" "$fdb_dir"
  (cd "$src" && go build -trimpath -o "$bin_dir/ferretdb-local" .) >"$fdb_dir/build.log" 2>&1 ||
    die "building FerretDB failed; see $fdb_dir/build.log"
  echo "$stamp" >"$bin_dir/.ferretdb.stamp"
}

wait_for() {
  local what=$1 check=$2 deadline=$((SECONDS + START_TIMEOUT))
  until eval "$check"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
  say "$what is ready"
}

# kafka_started LOG LINES INODE: whether LOG says the broker started after its first LINES lines (all of
# them when LOG is no longer the file with INODE, i.e. it was rolled over).
# grep -c reads to the end: grep -q would close the pipe early and fail it under pipefail.
kafka_started() {
  local log=$1 lines=$2 inode=$3
  [[ -f $log ]] || return 1
  [[ $(stat -c %i "$log") == "$inode" ]] || lines=0
  tail -n +$((lines + 1)) "$log" | grep -c 'Kafka Server started' >/dev/null
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's postgres user.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install_postgres() {
  [[ $FERRETDB_HANDLER == postgresql ]] || return 0
  [[ -n $(pg_bin) ]] && return 0
  [[ $(id -u) == 0 ]] || die "PostgreSQL server binaries not found: apt-get install postgresql (or FERRETDB_HANDLER=sqlite)"
  say "installing PostgreSQL from Debian's packages..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >"$INFRA_DIR/apt.log" 2>&1 ||
    die "apt-get install postgresql failed; see $INFRA_DIR/apt.log"
}

pg_running() { [[ -f $pg_dir/data/postmaster.pid ]] && as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; }

start_postgres() {
  [[ $FERRETDB_HANDLER == postgresql ]] || return 0
  local bin; bin=$(pg_bin)
  if pg_running; then return; fi
  mkdir -p "$pg_dir"
  [[ $(id -u) == 0 ]] && chown postgres "$pg_dir"
  if [[ ! -f $pg_dir/data/PG_VERSION ]]; then
    say "creating the PostgreSQL cluster for FerretDB"
    as_pg "$bin/initdb" -D "$pg_dir/data" -U ferretdb --auth=trust --encoding=UTF8 --no-locale \
      >"$pg_dir/initdb.log" 2>&1 || die "initdb failed; see $pg_dir/initdb.log"
  fi
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  # synchronous_commit=off: a crash may lose the last few milliseconds of commits, never corrupts.
  as_pg "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t "$START_TIMEOUT" \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c synchronous_commit=off -c max_connections=$PG_MAX_CONNECTIONS" \
    start >/dev/null || die "PostgreSQL did not start; see $pg_dir/postgres.log"
  if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U ferretdb -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" | grep -q 1; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U ferretdb -E UTF8 -T template0 ferretdb ||
      die "creating the ferretdb database failed"
  fi
}

# FerretDB's lookups use the GIN indexes the services create (shared/ferretdb.py) only in custom plans,
# where the bound key is a constant; a generic plan of its prepared statements (PostgreSQL may switch
# after five executions) scans. Set on the database, so it holds for FerretDB's next connections
# without a restart; idempotent, and run at every `up`.
configure_postgres() {
  [[ $FERRETDB_HANDLER == postgresql ]] || return 0
  as_pg "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U ferretdb -d ferretdb -qtAc \
    "ALTER DATABASE ferretdb SET plan_cache_mode = force_custom_plan" >/dev/null ||
    die "configuring the ferretdb database failed"
}

stop_postgres() {
  pg_running || return 0
  say "stopping PostgreSQL"
  as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
}

start_kafka() {
  local pidfile=$kafka_dir/kafka.pid pid cp log before
  if pid=$(running_pid "$pidfile" kafka.Kafka); then
    say "Kafka already running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"; return
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    say "something not started by this script already listens on $KAFKA_HOST:$KAFKA_PORT; using it as Kafka"
    return
  fi
  mkdir -p "$kafka_dir/data" "$kafka_dir/logs"
  sed -e "s|@KAFKA_HOST@|$KAFKA_HOST|g" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$kafka_dir/data|g" \
    "$repo/infra/kafka/server.properties.in" >"$kafka_dir/server.properties"
  cp="$kafka_dir/libs/*"
  if [[ ! -f $kafka_dir/data/meta.properties ]]; then
    say "formatting Kafka storage (KRaft, standalone controller)"
    java -cp "$cp" kafka.tools.StorageTool format --standalone --ignore-formatted \
      -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" -c "$kafka_dir/server.properties" \
      >"$kafka_dir/logs/format.log" 2>&1 || die "formatting Kafka storage failed; see $kafka_dir/logs/format.log"
  fi
  log=$kafka_dir/logs/server.log
  # The line count of the log as it was, and its inode: log4j2 rolls server.log over at 50 MB, also at
  # start-up, and the new file's lines all count then.
  before=$( [[ -f $log ]] && wc -l <"$log" || echo 0)
  before_inode=$( [[ -f $log ]] && stat -c %i "$log" || echo none)
  say "starting Kafka on $KAFKA_HOST:$KAFKA_PORT"
  setsid nohup java "-Xms256m" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$repo/infra/kafka/log4j2.properties" "-Dkafka.logs.dir=$kafka_dir/logs" \
    -cp "$cp" kafka.Kafka "$kafka_dir/server.properties" >"$kafka_dir/logs/stdout.log" 2>&1 </dev/null &
  pid=$!
  echo $pid >"$pidfile"
  # (kill -0, not the command-line marker: right after the fork the child has not exec'd java yet)
  wait_for "Kafka" "kafka_started '$log' $before $before_inode || ! kill -0 $pid 2>/dev/null" ||
    die "Kafka did not start within ${START_TIMEOUT}s; see $log"
  kill -0 "$pid" 2>/dev/null || die "Kafka exited at startup; see $log and $kafka_dir/logs/stdout.log"
}

start_ferretdb() {
  local pidfile=$fdb_dir/ferretdb.pid pid url
  if pid=$(running_pid "$pidfile" ferretdb-local); then
    say "FerretDB already running (pid $pid) on $MONGODB_HOST:$MONGODB_PORT"; return
  fi
  if port_open "$MONGODB_HOST" "$MONGODB_PORT"; then
    say "something not started by this script already listens on $MONGODB_HOST:$MONGODB_PORT; using it as the database"
    return
  fi
  mkdir -p "$fdb_dir/data"
  say "starting FerretDB ($FERRETDB_HANDLER) on $MONGODB_HOST:$MONGODB_PORT"
  setsid nohup "$bin_dir/ferretdb-local" -listen-addr "$MONGODB_HOST:$MONGODB_PORT" -handler "$FERRETDB_HANDLER" \
    -sqlite-url "file:$fdb_dir/data/" -log-level warn \
    -postgresql-url "postgres://ferretdb@127.0.0.1:$PG_PORT/ferretdb?pool_max_conns=$FERRETDB_PG_POOL_MAX" \
    >"$fdb_dir/ferretdb.log" 2>&1 </dev/null &
  pid=$!
  echo $pid >"$pidfile"
  wait_for "FerretDB" "port_open '$MONGODB_HOST' '$MONGODB_PORT' || ! kill -0 $pid 2>/dev/null" ||
    die "FerretDB did not start within ${START_TIMEOUT}s; see $fdb_dir/ferretdb.log"
  kill -0 "$pid" 2>/dev/null || die "FerretDB exited at startup; see $fdb_dir/ferretdb.log"
}

stop_one() {
  local name=$1 pidfile=$2 marker=$3 pid
  if ! pid=$(running_pid "$pidfile" "$marker"); then rm -f "$pidfile"; return; fi
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return; }
    sleep 0.5
  done
  say "$name did not stop in 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

status_one() {
  local name=$1 pidfile=$2 marker=$3 host=$4 port=$5 pid
  if pid=$(running_pid "$pidfile" "$marker"); then
    printf '%-9s running   pid %-7s %s:%s\n' "$name" "$pid" "$host" "$port"
  elif port_open "$host" "$port"; then
    printf '%-9s external  %-11s %s:%s (not started by infra/local.sh)\n' "$name" "" "$host" "$port"
  else
    printf '%-9s stopped   %-11s %s:%s\n' "$name" "" "$host" "$port"
  fi
}

case ${1:-up} in
  install) install_kafka; install_ferretdb; install_postgres ;;
  up) install_kafka; install_ferretdb; install_postgres; start_postgres; configure_postgres; start_ferretdb; start_kafka ;;
  down)
    stop_one Kafka "$kafka_dir/kafka.pid" kafka.Kafka
    stop_one FerretDB "$fdb_dir/ferretdb.pid" ferretdb-local
    stop_postgres ;;
  status)
    status_one kafka "$kafka_dir/kafka.pid" kafka.Kafka "$KAFKA_HOST" "$KAFKA_PORT"
    status_one ferretdb "$fdb_dir/ferretdb.pid" ferretdb-local "$MONGODB_HOST" "$MONGODB_PORT"
    if [[ $FERRETDB_HANDLER == postgresql ]]; then
      if pg_running; then printf '%-9s running   %-11s 127.0.0.1:%s (FerretDB storage)\n' postgres "" "$PG_PORT"
      else printf '%-9s stopped   %-11s 127.0.0.1:%s\n' postgres "" "$PG_PORT"; fi
    fi ;;
  clean) "$0" down; rm -rf "$kafka_dir/data" "$kafka_dir/logs" "$fdb_dir/data" "$pg_dir" ;;
  *) die "usage: $0 install|up|down|status|clean" ;;
esac
