#!/bin/bash
# va-devices: both
# va-timeout: 600
#
# tests/vadriver plays a virtio-net guest directly through the vhost ioctls:
# guest memory in its own address space (registered at GPAs unrelated to
# the user addresses), split rings, eventfds, a tap backend; it checks TX and
# RX byte for byte in every header/feature combination, notifications,
# ownership, rejected arguments, backend switching and the dirty log. Each
# of its tests runs as a separate process, so one crash or hang costs one
# test, not the rest.
set -uo pipefail

log() { printf '%s\n' "$*"; }

[[ -c ${VA_DEV:-} ]] || { log "FAIL: VA_DEV '${VA_DEV:-}' is not a character device"; exit 1; }
[[ -c /dev/net/tun ]] || { log "SKIP: no /dev/net/tun (modprobe tun)"; exit 4; }

src=$VA_ROOT/tests/vadriver
bin=$src/vadriver
# The harness builds it on the host (make tools); if that binary is missing
# or older than its sources, build a private copy in VA_TMP.
if [[ ! -x $bin || -n $(find "$src" -maxdepth 1 -name '*.[ch]' -newer "$bin" 2>/dev/null) ]]; then
	command -v cc >/dev/null || { log "FAIL: $bin is missing or stale and there is no cc to build it"; exit 1; }
	log "building vadriver in $VA_TMP (run 'make tools' on the host to skip this)"
	cc -Wall -Wextra -O2 -o "$VA_TMP/vadriver" "$src"/*.c || { log "FAIL: vadriver does not build"; exit 1; }
	bin=$VA_TMP/vadriver
fi

# A slow (debug) kernel gets proportionally longer waits: VA_TIME_SCALE.
scale=${VA_TIME_SCALE:-1}
per_test=$((${VA_VADRIVER_TEST_TIMEOUT:-120} * scale))
failed=()
for t in $("$bin" --list); do
	timeout -k 5 "$per_test" "$bin" --dev "$VA_DEV" --time-scale "$scale" --only "$t"
	rc=$?
	case $rc in
	0)	;;
	1)	failed+=("$t") ;;
	124|137) log "not ok - $t: killed after ${per_test}s (hung?)"; failed+=("$t") ;;
	*)	log "not ok - $t: vadriver exited with status $rc"; failed+=("$t") ;;
	esac
done

if [[ ${#failed[@]} -gt 0 ]]; then
	log "vadriver on $VA_DEV: failed: ${failed[*]}"
	exit 1
fi
log "vadriver on $VA_DEV: every test passed"
exit 0
