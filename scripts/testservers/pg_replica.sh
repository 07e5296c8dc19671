#!/usr/bin/env bash
# A throwaway PostgreSQL primary and a hot standby streaming from it (docs/deploy.md 「読み取りレプリカ」):
# the read-replica tests start one, and so can a developer who wants to try the router by hand.
#
#   scripts/testservers/pg_replica.sh start DIR PRIMARY_PORT STANDBY_PORT
#   scripts/testservers/pg_replica.sh stop-standby DIR   (the standby only: reads must fall back)
#   scripts/testservers/pg_replica.sh stop DIR
#
# Both listen on 127.0.0.1 only, with trust authentication for the postgres user (test data only).
# The clusters run as the postgres user (PostgreSQL refuses root); DIR is created and handed to it. If
# the postgres user cannot reach DIR (a checkout under a private home), a directory under /tmp is used
# and DIR/location says where. The server on port 5432 is never touched.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?DIR}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL のサーバープログラム (initdb, pg_ctl, pg_basebackup) が見つかりません: apt-get install postgresql" >&2
  exit 3
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data_root() {
  if [ -f "$dir/location" ]; then cat "$dir/location"; else echo "$dir"; fi
}

case "$cmd" in
start)
  primary_port=${3:?PRIMARY_PORT}
  standby_port=${4:?STANDBY_PORT}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  root=$dir
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      root=$(mktemp -d /tmp/saiteki-pg.XXXXXX)
      chown postgres "$root"
      echo "$root" >"$dir/location"
    fi
  fi
  as_pg "$bindir/initdb" -D "$root/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$root/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $primary_port
unix_socket_directories = '$root'
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
CONF
  as_pg "$bindir/pg_ctl" -D "$root/primary" -l "$root/primary.log" -w -t 60 start >/dev/null
  # -R writes standby.signal and primary_conninfo: the copy starts as a streaming hot standby.
  as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$root/standby" -R -X stream -c fast
  echo "port = $standby_port" >>"$root/standby/postgresql.auto.conf"
  as_pg "$bindir/pg_ctl" -D "$root/standby" -l "$root/standby.log" -w -t 60 start >/dev/null
  for _ in $(seq 1 60); do
    if as_pg "$bindir/psql" -h 127.0.0.1 -p "$standby_port" -U postgres -d postgres -Atqc "SELECT pg_is_in_recovery()" 2>/dev/null | grep -q t; then
      echo "primary 127.0.0.1:$primary_port, hot standby 127.0.0.1:$standby_port ($root)"
      exit 0
    fi
    sleep 0.5
  done
  echo "ホットスタンバイが起動しませんでした ($root/standby.log)" >&2
  exit 1
  ;;
stop-standby)
  dir=$(cd "$dir" && pwd)
  root=$(data_root)
  as_pg "$bindir/pg_ctl" -D "$root/standby" -m immediate -w stop >/dev/null
  ;;
stop)
  [ -d "$dir" ] || exit 0
  dir=$(cd "$dir" && pwd)
  root=$(data_root)
  for cluster in standby primary; do
    if [ -f "$root/$cluster/postmaster.pid" ]; then
      as_pg "$bindir/pg_ctl" -D "$root/$cluster" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  if [ "$root" != "$dir" ]; then rm -rf "$root"; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start DIR PRIMARY_PORT STANDBY_PORT | stop-standby DIR | stop DIR" >&2
  exit 2
  ;;
esac
