#!/usr/bin/env bash
# A throwaway OpenLDAP server (Debian's slapd) seeded from an LDIF file, without systemd: the directory
# login tests start one, and so can a developer who wants to try LDAP login by hand.
#
#   scripts/testservers/slapd.sh start DIR PORT SUFFIX SEED.ldif   (root DN cn=admin,SUFFIX, password "admin")
#   scripts/testservers/slapd.sh stop DIR
#
# It listens on ldap://127.0.0.1:PORT/ only. The configuration is a plain slapd.conf in DIR (core,
# cosine, inetorgperson and nis schemas, one mdb database); it is stopped through its pidfile.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?DIR}
slapd=$(command -v slapd || echo /usr/sbin/slapd)
slapadd=$(command -v slapadd || echo /usr/sbin/slapadd)

case "$cmd" in
start)
  port=${3:?PORT}
  suffix=${4:?SUFFIX}
  seed=${5:?SEED.ldif}
  if [ ! -x "$slapd" ] || [ ! -x "$slapadd" ]; then
    echo "slapd が見つかりません: apt-get install slapd ldap-utils" >&2
    exit 3
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/data"
  modulepath=$(dirname "$(ls /usr/lib/ldap/back_mdb.so /usr/lib/*/ldap/back_mdb.so 2>/dev/null | head -n1)")
  cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath $modulepath
moduleload back_mdb
database mdb
maxsize 10485760
suffix "$suffix"
rootdn "cn=admin,$suffix"
rootpw admin
directory $dir/data
access to attrs=userPassword by anonymous auth by self read by * none
access to * by * read
CONF
  "$slapadd" -q -f "$dir/slapd.conf" -l "$seed"
  "$slapd" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/"
  for _ in $(seq 1 50); do
    if ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "$suffix" -s base "(objectClass=*)" dn >/dev/null 2>&1; then
      echo "slapd ldap://127.0.0.1:$port/ ($dir)"
      exit 0
    fi
    sleep 0.2
  done
  echo "slapd が起動しませんでした" >&2
  exit 1
  ;;
stop)
  [ -d "$dir" ] || exit 0
  if [ -f "$dir/slapd.pid" ]; then
    pid=$(cat "$dir/slapd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start DIR PORT SUFFIX SEED.ldif | stop DIR" >&2
  exit 2
  ;;
esac
