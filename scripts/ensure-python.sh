#!/usr/bin/env bash
# Python 3 and Debian's kazoo for the Python client's tests (clients/python; cluster mode needs kazoo).
set -eu
# Debian's own interpreter: python3-kazoo installs for it, not for a pyenv or venv python3 on PATH.
if ! /usr/bin/python3 -c 'import kazoo' 2>/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-kazoo >/dev/null
fi
