#!/bin/sh
# Makes sure memcached is on the PATH before `npm start` / `npm test`: the sidecar runs it and the
# tests spawn their own instances. On a Debian/Ubuntu machine where we are root (CI, containers),
# install it with apt-get; otherwise say what to install and fail.
set -eu
if command -v memcached >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "memcached not found: installing the Debian package (apt-get install memcached)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends memcached >&2
  # Debian may start a memcached service on 11211; the sidecar and the tests start their own.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop memcached >/dev/null 2>&1 || true; fi
  pkill -x memcached >/dev/null 2>&1 || true
  exit 0
fi
echo "memcached is not installed: install it (e.g. 'apt-get install memcached', 'brew install memcached')" >&2
exit 1
