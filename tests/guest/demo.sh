#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nested-guest part of `make demo`, run inside the test VM by tests/demo.sh:
# a QEMU guest whose virtio-net data path is /dev/vhost-accel pings the test VM
# and moves 8 MiB each way over TCP (checked by sha256), exactly as the
# qemu-guest case does, while vhostctl shows the device and its counters moving.
set -euo pipefail

: "${VA_ROOT:?run by tests/demo.sh inside the test VM}"
: "${VA_TMP:?run by tests/demo.sh inside the test VM}"
export VA_DEV=/dev/vhost-accel VA_DEVNAME=vhost-accel
export VA_NESTED_CONFIGS=mrg-on
vhostctl=$VA_ROOT/tools/vhostctl/vhostctl

echo "nested guest on $VA_DEV (booting it takes minutes under TCG)"
bash "$VA_ROOT/tests/cases/qemu-guest.sh" &
guest=$!

# While it runs: what an operator sees.
if [[ -x $vhostctl ]]; then
	while kill -0 "$guest" 2>/dev/null; do
		sleep 40
		if "$vhostctl" dev show 2>/dev/null | grep -q .; then
			printf '\n$ vhostctl -s dev show\n'
			"$vhostctl" -s dev show || true
			printf '\n$ vhostctl dev stats\n'
			"$vhostctl" dev stats || true
		fi
	done
fi

wait "$guest"
