#!/usr/bin/env bash
# Install Debian's ZooKeeper (server jar and Java) when missing; tests start private servers from it.
set -eu
if [ ! -f /usr/share/java/zookeeper.jar ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper >/dev/null
fi
