#!/usr/bin/env bash
# Install and start what the tests (and the benchmark) need on a Debian machine:
# Chromium for the browser tests, PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth for
# 127.0.0.1) and Redis on 127.0.0.1:6379 (and the redis-server program: the fault tests run
# their own), and Node with npm for the mini-program's tests. Servers that already answer are
# left alone.
# Usage: .ci/setup-services.sh [chromium] [postgres] [redis] [node] [wrk]   (default: all but wrk)
set -euo pipefail

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(chromium postgres redis node)
want() { [[ " ${wanted[*]} " == *" $1 "* ]]; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

# 1. Install the Debian packages that are missing, in one apt-get run.
packages=()
if want chromium && [ ! -x /usr/bin/chromium ]; then packages+=(chromium); fi
# A Chinese font, so that screenshots of the Chinese pages show characters, not boxes.
if want chromium && [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  packages+=(fonts-wqy-microhei)
fi
if want postgres && ! answers 5432 && [ -z "$(pg_version)" ]; then packages+=(postgresql); fi
# Debian's python3 cannot make a virtualenv without python3-venv.
if ! "${PYTHON:-python3}" -c "import ensurepip" 2>/dev/null; then packages+=(python3-venv); fi
# redis-server even when a Redis answers: the fault tests start and stop servers of their own.
if want redis && ! command -v redis-server >/dev/null; then packages+=(redis-server); fi
# Node and npm run the mini-program's tests (jest, eslint, tsc in miniprogram/).
if want node && ! command -v node >/dev/null; then packages+=(nodejs); fi
if want node && ! command -v npm >/dev/null; then packages+=(npm); fi
if want wrk && ! command -v wrk >/dev/null; then packages+=(wrk); fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing ${packages[*]} ..."
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

wait_for() {
  for _ in $(seq 1 30); do answers "$1" && return 0; sleep 1; done
  echo "nothing answers on 127.0.0.1:$1" >&2
  return 1
}

# 2. PostgreSQL: start the local cluster if it is down; the tests connect as postgres without a
# password, so a cluster we install or start gets trust auth for that user on 127.0.0.1.
if want postgres && { [[ " ${packages[*]} " == *" postgresql "* ]] || ! answers 5432; }; then
  version=$(pg_version)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  rule="host all postgres 127.0.0.1/32 trust"
  if ! as_root grep -qxF "$rule" "$hba"; then
    as_root sed -i "1i $rule" "$hba"
  fi
  if answers 5432; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  else
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  wait_for 5432
fi

# 3. Redis: a throwaway server with no persistence.
if want redis && ! answers 6379; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_for 6379
fi
exit 0
