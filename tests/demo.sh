#!/bin/bash
# va-devices: none
# va-timeout: 900
#
# `make demo`: run inside the test VM by tests/vm/run, on its console. Shows
# the module loaded next to the kernel's own vhost-net, the device, and what a
# client sees through the ioctls; then (when it exists) a nested QEMU guest
# whose virtio-net is served by /dev/vhost-accel.
set -euo pipefail

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "vhost-accel demo on $(uname -r), $(nproc) CPUs (QEMU TCG)"

printf '\n$ lsmod\n'
lsmod | grep -E '^(Module|vhost|tun|tap|macvtap)' || true
run ls -l /dev/vhost-net /dev/vhost-accel
run modinfo -F depends "$VA_ROOT/drivers/vhost/vhost_accel.ko"

for dev in /dev/vhost-net /dev/vhost-accel; do
	printf '\n$ VA_DEV=%s tests/cases/smoke.sh\n' "$dev"
	VA_DEV=$dev bash "$VA_ROOT/tests/cases/smoke.sh"
done

if [[ -x $VA_ROOT/tools/vhostctl/vhostctl ]]; then
	run "$VA_ROOT/tools/vhostctl/vhostctl" dev show || true
fi

# The nested guest: a QEMU inside this VM whose NIC is
#   -netdev tap,vhost=on,vhostfd=3  with  3<>/dev/vhost-accel
# (see vm-recipe.md). tests/guest/ builds what it boots.
if [[ -x $VA_ROOT/tests/guest/demo.sh ]]; then
	run bash "$VA_ROOT/tests/guest/demo.sh"
else
	echo
	echo "(no tests/guest/demo.sh yet: the nested-guest part of the demo is not written)"
fi
