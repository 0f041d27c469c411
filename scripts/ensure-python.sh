#!/usr/bin/env bash
# Python 3 and Debian's kazoo for the Python client's tests (clients/python; cluster mode needs
# kazoo), with venv, pip and setuptools for the test that installs the client with pip.
set -eu
# Debian's own interpreter: python3-kazoo installs for it, not for a pyenv or venv python3 on PATH.
if ! /usr/bin/python3 -c 'import kazoo, setuptools, ensurepip, pip' 2>/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-kazoo python3-venv python3-pip python3-setuptools >/dev/null
fi
