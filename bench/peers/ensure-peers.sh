#!/usr/bin/env bash
# Install Debian's NATS server, RabbitMQ and Redis when missing; `npm run bench:peers` starts them
# (RabbitMQ as a private node with the rabbitmq_stream plugin, which Debian's package ships).
set -eu
if ! command -v nats-server >/dev/null 2>&1 || ! command -v rabbitmq-server >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server rabbitmq-server redis-server >/dev/null
fi
if ! compgen -G '/usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins/rabbitmq_stream-*' >/dev/null; then
  echo 'ensure-peers: the rabbitmq_stream plugin is missing from the rabbitmq-server package' >&2
  exit 1
fi
