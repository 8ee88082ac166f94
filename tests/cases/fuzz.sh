#!/bin/bash
# va-devices: both
# va-timeout: 150
#
# tests/vafuzz against $VA_DEV for VA_FUZZ_SECS (default 60) seconds: random,
# partly valid ioctl sequences and ring contents, opens/closes, forked owners
# that exit. Fails if any ioctl returns an errno outside the set allowed for
# it, an ioctl hangs, a fresh device no longer answers GET_FEATURES/SET_OWNER
# afterwards, or the module's refcount does not return to its value before
# the run. The seed is printed first: replay with VA_FUZZ_SEED=N.
set -euo pipefail

SECS=${VA_FUZZ_SECS:-60}
log() { printf '%s\n' "$*"; }

[[ -c ${VA_DEV:-} ]] || { log "FAIL: VA_DEV '${VA_DEV:-}' is not a character device"; exit 1; }

src=$VA_ROOT/tests/vafuzz
bin=$src/vafuzz
if [[ ! -x $bin || $src/vafuzz.c -nt $bin ]]; then
	command -v cc >/dev/null || { log "FAIL: $bin is missing or stale and there is no cc to build it"; exit 1; }
	log "building vafuzz in $VA_TMP (run 'make tools' on the host to skip this)"
	cc -Wall -Wextra -O2 -o "$VA_TMP/vafuzz" "$src/vafuzz.c" || { log "FAIL: vafuzz does not build"; exit 1; }
	bin=$VA_TMP/vafuzz
fi

args=(--dev "$VA_DEV" --time "$SECS")
[[ -z ${VA_FUZZ_SEED:-} ]] || args+=(--seed "$VA_FUZZ_SEED")

rc=0
timeout -k 5 $((SECS + 60)) "$bin" "${args[@]}" || rc=$?
case $rc in
0)	log "ok: $VA_DEVNAME survived ${SECS}s of ioctl fuzzing" ;;
124|137) log "FAIL: vafuzz killed after $((SECS + 60))s (hung in the kernel?)"; exit 1 ;;
*)	log "FAIL: vafuzz exited with status $rc"; exit 1 ;;
esac
