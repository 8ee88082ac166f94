#!/bin/bash
# va-devices: accel
# Harness self-test: a vhost-accel-only case. With --devices vhost-net it is
# one skip; with --reference as well it runs on vhost-net, and passes.
set -euo pipefail
[[ $VA_DEVNAME == vhost-net && $VA_DEV == /dev/vhost-net && -c $VA_DEV ]]
echo "the reference half ran on $VA_DEV"
