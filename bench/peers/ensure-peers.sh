#!/usr/bin/env bash
# Install Debian's NATS server, RabbitMQ and Redis when missing; `npm run bench:peers` starts them.
set -eu
if ! command -v nats-server >/dev/null 2>&1 || ! command -v rabbitmq-server >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server rabbitmq-server redis-server >/dev/null
fi
