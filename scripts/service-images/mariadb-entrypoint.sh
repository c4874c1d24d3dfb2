#!/bin/sh
# Test image entrypoint with the official mariadb/mysql images' interface:
# MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), MARIADB_DATABASE, MARIADB_USER and
# MARIADB_PASSWORD (or their MYSQL_ names); data in /var/lib/mysql, initialised on first start.
set -eu
case "${1:-}" in mariadbd|mysqld) ;; *) exec "$@" ;; esac
root_pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
database=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
user=${MARIADB_USER:-${MYSQL_USER:-}}
password=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
mkdir -p /var/lib/mysql /run/mysqld
chown -R mysql:mysql /var/lib/mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
  if [ -z "$root_pw" ]; then
    echo "error: MARIADB_ROOT_PASSWORD is not set" >&2
    exit 1
  fi
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
  mariadbd --user=mysql --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket=/run/mysqld/init.sock ping >/dev/null 2>&1 && break
    sleep 1
  done
  sql_quote() { printf "%s" "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sql_quote "$root_pw")';"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$(sql_quote "$root_pw")';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "$database" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"; fi
    if [ -n "$user" ]; then
      echo "CREATE USER '$user'@'%' IDENTIFIED BY '$(sql_quote "$password")';"
      if [ -n "$database" ]; then echo "GRANT ALL ON \`$database\`.* TO '$user'@'%';"; fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket=/run/mysqld/init.sock -uroot
  kill "$pid"
  wait "$pid" || true
  echo "database initialised"
fi
exec "$@" --user=mysql --bind-address=0.0.0.0
