#!/usr/bin/env bash
# Start MariaDB and PostgreSQL on loopback when they are not already running (the offset-storage
# and XA tests use them). Uses the machine's Debian packages; installs them if missing. K10 also
# runs private mariadbd instances it crashes, so the server binaries must be here even when a
# MariaDB is already listening.
set -u
command -v mariadb-install-db >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; }
up() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; echo "service on port $1 did not start" >&2; return 1; }

if ! up 3306; then
  command -v mariadbd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; }
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_up 3306
fi
if ! up 5432; then
  ls /etc/postgresql >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  wait_up 5432
fi
