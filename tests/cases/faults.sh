#!/bin/bash
# va-devices: both
# va-timeout: 240
#
# The module under the device cannot go while a device is open, and can
# once it is closed: rmmod with an fd open is refused ("in use") and
# changes nothing; after close it succeeds, the device node goes; the module
# is loaded again and a new device carries a frame each way (vadriver
# basic). Both devices: /dev/vhost-net's vhost_net is unloaded and
# reloaded the same way (modprobe), /dev/vhost-accel's vhost_accel.ko is
# insmod'ed from the tree as tests/vm/guest-init does. Whatever happens,
# the module is loaded again at exit: the cases after this one need it.
#
# The faults under traffic (owner SIGKILLed, tap deleted, memory table,
# backend and call eventfd changed) are vadriver's "faults" test, which
# tests/cases/vadriver.sh runs.
set -uo pipefail

log() { printf '%s\n' "$*"; }
fails=0
ok() { log "ok - $*"; }
bad() { log "not ok - $*"; fails=$((fails + 1)); }

[[ -c ${VA_DEV:-} ]] || { log "FAIL: VA_DEV '${VA_DEV:-}' is not a character device"; exit 1; }
bin=$VA_ROOT/tests/vadriver/vadriver
[[ -x $bin ]] || { log "FAIL: $bin not built: run 'make tools' on the host"; exit 1; }

case $VA_DEVNAME in
vhost-accel)
	mod=vhost_accel
	module=$VA_ROOT/drivers/vhost/vhost_accel.ko
	[[ -r $module ]] || { log "FAIL: no $module to load again"; exit 1; }
	load() { insmod "$module"; }
	;;
vhost-net)
	mod=vhost_net
	load() { modprobe vhost_net; }
	;;
*)	log "FAIL: unknown VA_DEVNAME '$VA_DEVNAME'"; exit 1 ;;
esac

refs() { awk -v m="$mod" '$1 == m { print $3; f = 1 } END { if (!f) print "absent" }' /proc/modules; }

unloaded=
cleanup() {
	exec 7>&- 2>/dev/null
	if [[ -n $unloaded && $(refs) == absent ]]; then
		log "# loading $mod again"
		load || log "# could not load $mod: the cases after this one lose it"
		for _ in $(seq 50); do [[ -c $VA_DEV ]] && break; sleep 0.1; done
	fi
}
trap cleanup EXIT

r=$(refs)
if [[ $r == absent ]]; then
	# the debug kernel of make check-debug has every =m built in
	log "SKIP: $mod is built into this kernel ($VA_DEV exists, /proc/modules has no $mod): nothing to unload"
	exit 4
fi
if [[ $r != 0 ]]; then
	log "SKIP: $mod has ${r} users before the test, it cannot be unloaded here"
	exit 4
fi

exec 7<>"$VA_DEV"
r=$(refs)
[[ $r == 1 ]] && ok "an open $VA_DEV holds one reference on $mod" ||
	bad "an open $VA_DEV: $mod reference count $r, want 1"
if out=$(rmmod "$mod" 2>&1); then
	bad "rmmod $mod succeeded with $VA_DEV open"
else
	log "# rmmod: $out"
	[[ $out == *"in use"* ]] && ok "rmmod $mod refused while $VA_DEV is open (in use)" ||
		bad "rmmod $mod refused, but not as 'in use': $out"
fi
[[ $(refs) == 1 && -c $VA_DEV ]] && ok "$mod still loaded, $VA_DEV still there" ||
	bad "after the refused rmmod: refs $(refs), $VA_DEV $( [[ -c $VA_DEV ]] && echo present || echo missing)"
exec 7>&-

r=$(refs)
[[ $r == 0 ]] && ok "closed: $mod reference count 0" || bad "closed: $mod reference count $r, want 0"
if out=$(rmmod "$mod" 2>&1); then
	ok "rmmod $mod once $VA_DEV is closed"
	unloaded=1
	for _ in $(seq 50); do [[ -e $VA_DEV ]] || break; sleep 0.1; done
	[[ ! -e $VA_DEV ]] && ok "$VA_DEV gone with the module" || bad "$VA_DEV still there after rmmod"
	[[ $(refs) == absent ]] || bad "$mod still in /proc/modules after rmmod"
else
	bad "rmmod $mod after close: $out"
fi

if [[ $(refs) == absent ]]; then
	if load; then
		for _ in $(seq 50); do [[ -c $VA_DEV ]] && break; sleep 0.1; done
		[[ -c $VA_DEV ]] && ok "$mod loaded again, $VA_DEV back" || bad "$VA_DEV did not come back"
	else
		bad "loading $mod again failed"
	fi
fi

if [[ -c $VA_DEV ]]; then
	"$bin" --dev "$VA_DEV" --only basic || bad "a device after the reload carries a frame each way (vadriver basic)"
	r=$(refs)
	[[ $r == 0 ]] && ok "after the new device: $mod reference count 0" || bad "after the new device: reference count $r"
fi

if [[ $fails -ne 0 ]]; then
	log "FAIL: $fails check(s) failed"
	exit 1
fi
log "PASS: module unload refused while in use, allowed after, reload works"
exit 0
