#!/usr/bin/env bash
# Makes sure everything the test suite talks to is installed and answering on
# 127.0.0.1: PostgreSQL, MariaDB, Redis, Debian's Chromium, python3-openid,
# ruby-openid, Perl's Net::OpenID and openid4java (with a JDK to compile its drivers).
# Idempotent and non-interactive: a server already answering on its port is
# used as it is; a missing one is installed from Debian's packages and started
# listening on loopback only. Needs root (or sudo) only when something is missing.
set -uo pipefail

log() { printf 'test-env: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2 i
  for i in $(seq 1 60); do
    if port_open "$port"; then return 0; fi
    sleep 1
  done
  log "$name did not start answering on 127.0.0.1:$port"
  return 1
}

APT_UPDATED=0
apt_install() {
  if [ "$SUDO" = none ]; then
    log "cannot install $* (not root, no sudo): the tests that need it will skip and say so"
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" = 0 ]; then
    $SUDO apt-get update -qq >/dev/null || log 'apt-get update failed'
    APT_UPDATED=1
  fi
  log "installing $*"
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

run() { if [ -n "$SUDO" ] && [ "$SUDO" != none ]; then $SUDO "$@"; else "$@"; fi; }

# The store fault tests find a private server's processes with ss and pgrep (SIGSTOP/SIGCONT).
if ! command -v ss >/dev/null 2>&1; then apt_install iproute2; fi
if ! command -v pgrep >/dev/null 2>&1; then apt_install procps; fi

# --- PostgreSQL ------------------------------------------------------------
if port_open 5432; then
  log 'PostgreSQL answers on 127.0.0.1:5432'
else
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  if ls /etc/postgresql/*/main >/dev/null 2>&1; then
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    conf=/etc/postgresql/$ver/main
    # Loopback only, and trust for loopback connections: this is a throwaway test server.
    run sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$conf/postgresql.conf"
    if ! run grep -q 'openid2-test' "$conf/pg_hba.conf"; then
      run sed -i '1i host all all 127.0.0.1/32 trust # openid2-test\nhost all all ::1/128 trust # openid2-test' "$conf/pg_hba.conf"
    fi
    run pg_ctlcluster --skip-systemctl-redirect "$ver" main start >/dev/null 2>&1 || run pg_ctlcluster "$ver" main start || true
    wait_port 5432 PostgreSQL && log 'PostgreSQL started'
  fi
fi

# --- MariaDB ---------------------------------------------------------------
if port_open 3306; then
  log 'MariaDB answers on 127.0.0.1:3306'
else
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then apt_install mariadb-server; fi
  if [ -x /usr/sbin/mariadbd ]; then
    run mkdir -p /run/mysqld && run chown mysql:mysql /run/mysqld 2>/dev/null || true
    run start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --bind-address=127.0.0.1 >/dev/null 2>&1 || true
    if wait_port 3306 MariaDB; then
      # A fresh Debian install lets root in through the unix socket only; the tests log in over TCP.
      run mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; CREATE DATABASE IF NOT EXISTS test;" >/dev/null 2>&1 || true
      log 'MariaDB started'
    fi
  fi
fi

# --- Redis -----------------------------------------------------------------
if port_open 6379; then
  log 'Redis answers on 127.0.0.1:6379'
else
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server; fi
  if command -v redis-server >/dev/null 2>&1; then
    run mkdir -p /var/lib/redis /var/log/redis
    run redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no --dir /var/lib/redis \
      --logfile /var/log/redis/openid2-test.log >/dev/null || true
    wait_port 6379 Redis && log 'Redis started'
  fi
fi

# --- PgBouncer (the PostgreSQL store and queue behind a transaction pooler) --
# Only the binary: each test starts its own instance on a free port.
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  log 'PgBouncer present'
else
  apt_install pgbouncer || true
fi

# --- Chromium (browser tests) ----------------------------------------------
if [ -x /usr/bin/chromium ]; then
  log 'Chromium present at /usr/bin/chromium'
else
  apt_install chromium fonts-dejavu-core || true
fi

# --- python3-openid (interop tests; Debian's python, not the one on PATH) ---
if /usr/bin/python3 -c 'import openid' >/dev/null 2>&1; then
  log 'python3-openid present'
else
  apt_install python3-openid || true
fi

# --- Net::OpenID (Perl interop tests; Debian's perl, its modules, a user agent and an HTTP server) ---
if /usr/bin/perl -MNet::OpenID::Consumer -MNet::OpenID::Server -MLWP::UserAgent -MHTTP::Daemon -e 1 >/dev/null 2>&1; then
  log 'Net::OpenID (Perl) present'
else
  apt_install libnet-openid-consumer-perl libnet-openid-server-perl libwww-perl libhttp-daemon-perl || true
fi

# --- ruby-openid (interop tests; Debian's ruby, its provider served by WEBrick) ---
if [ -x /usr/bin/ruby ] && /usr/bin/ruby -e 'require "openid"; require "webrick"' >/dev/null 2>&1; then
  log 'ruby-openid present'
else
  apt_install ruby ruby-openid ruby-webrick || true
fi

# --- openid4java (Java interop tests; Debian's jar, drivers compiled with javac at test time) ---
if [ -e /usr/share/java/openid4java.jar ] && [ -x /usr/bin/javac ] && [ -x /usr/bin/java ]; then
  log 'openid4java present'
else
  apt_install libopenid4java-java default-jdk-headless || true
fi

# --- Bun, Deno, workerd (real-runtime tests; devDependencies from npm) --------
# `npm ci` installs them; their install scripts put the native binary in place.
# If a binary does not run (scripts skipped), run the scripts once more.
cd "$(dirname "$0")/.." || exit 0
for rt in bun deno workerd; do
  if [ -x "node_modules/.bin/$rt" ] && "node_modules/.bin/$rt" --version >/dev/null 2>&1; then
    log "$rt $("node_modules/.bin/$rt" --version 2>/dev/null | head -1)"
  else
    log "$rt does not run yet: npm rebuild $rt"
    npm rebuild "$rt" >/dev/null 2>&1 || log "npm rebuild $rt failed: its runtime tests will skip and say so"
  fi
done

exit 0
