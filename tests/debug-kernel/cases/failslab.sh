#!/bin/bash
# va-devices: both
# va-timeout: 180
#
# Allocation failures injected into the device (vadriver's failslab test):
# during setup the n-th allocation fails for n = 1, 2, ... until a setup
# runs clean, and during traffic 1 in 10 of the worker's slab and page
# allocations fail. Needs the kernel's fault injection (CONFIG_FAILSLAB,
# CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS): make check-debug
# runs it on the debug kernel, which has them; Debian's kernel does not, so
# it is not among tests/cases.
set -uo pipefail

[[ -c ${VA_DEV:-} ]] || { echo "FAIL: VA_DEV '${VA_DEV:-}' is not a character device"; exit 1; }
bin=$VA_ROOT/tests/vadriver/vadriver
[[ -x $bin ]] || { echo "FAIL: $bin not built (make tools)"; exit 1; }
if [[ ! -e /sys/kernel/debug/failslab ]]; then
	echo "FAIL: no /sys/kernel/debug/failslab: this kernel has no fault injection; run it with make check-debug"
	exit 1
fi
scale=${VA_TIME_SCALE:-1}
exec timeout -k 5 $((170 * scale)) "$bin" --dev "$VA_DEV" --time-scale "$scale" --only failslab
