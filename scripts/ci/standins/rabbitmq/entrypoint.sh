#!/bin/sh
set -eu
{
  echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
  echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
  echo "loopback_users = none"
} > /etc/rabbitmq/rabbitmq.conf
exec "$@"
