#!/usr/bin/env bash
# Install Debian's Chromium when missing; the console tests drive it headless with playwright-core.
set -eu
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
