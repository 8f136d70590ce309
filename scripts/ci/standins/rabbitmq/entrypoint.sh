#!/bin/sh
set -eu
# /etc/rabbitmq when it can be written; otherwise (a read-only root filesystem, as the charts run
# it) /tmp, which they mount writable, with RabbitMQ told where through RABBITMQ_CONFIG_FILE.
conf_dir=/etc/rabbitmq
[ -w "$conf_dir" ] || conf_dir="${TMPDIR:-/tmp}"
{
  echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
  echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
  echo "loopback_users = none"
} > "$conf_dir/rabbitmq.conf"
export RABBITMQ_CONFIG_FILE="$conf_dir/rabbitmq.conf"
exec "$@"
