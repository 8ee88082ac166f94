# Helpers for the cases that boot a nested QEMU guest on $VA_DEV (qemu-guest.sh,
# qemu-migrate.sh). Sourced, not run. The guest is tests/guest/init.
# shellcheck shell=bash

NG_LIB=$VA_ROOT/tests/cases/lib
NG_PY=/usr/bin/python3
[ -x "$NG_PY" ] || NG_PY=$(command -v python3 || echo python3)
NG_T0=$(date +%s)
# The nested guest's kernel release: the test VM's own, or VA_NESTED_KVER
# (make check-debug: the debug kernel has no /boot/vmlinuz-RELEASE and the
# VM's /lib/modules is its own, so the nested guest boots Debian's kernel,
# whose vmlinux and initramfs tests/debug-kernel/check makes on the host).
NG_KVER=${VA_NESTED_KVER:-$VA_KVER}
# The nested guest's kernel arguments before the va.* ones. That guest is only
# the device's client: its kernel's self-checks test nothing of ours, and
# under nested emulation they cost minutes. The crypto self-tests are a tenth
# of its boot; rodata=off skips the W+X walk of every page table (seen: 27 s
# in ptdump_walk_pgd on a busy host). nosoftlockup: a nested vCPU goes
# unscheduled for tens of seconds on a busy or slow host (seen: the detector
# fired in that walk, and 600 s into a boot under make check-debug's kernel),
# so the detector judges the emulation. The test VM's kernel, the module's,
# keeps every detector of its own, and a nested guest that hangs still fails
# its case by timeout.
NG_APPEND="console=ttyS0 loglevel=5 panic=-1 cryptomgr.notests=1 rodata=off nosoftlockup"

log() { printf '[%4ds] %s\n' "$(($(date +%s) - NG_T0))" "$*"; }
die() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 4; }

ng_require() {
	local c
	for c in qemu-system-x86_64 ip sha256sum busybox; do
		command -v "$c" >/dev/null || skip "$c not installed"
	done
	[ -x "$NG_PY" ] || skip "python3 not found"
	[ -r "/boot/vmlinuz-$NG_KVER" ] || skip "no /boot/vmlinuz-$NG_KVER for the nested guest"
	[ -c "$VA_DEV" ] || die "$VA_DEV is not a character device"
	[ -d "$VA_TMP" ] || die "VA_TMP is not a directory"
}

# The initramfs built on the host (tests/.build/KVER/guest-initramfs.cpio.gz), or
# a fresh one in $VA_TMP if it is missing or older than its sources.
ng_initramfs() {
	local built=$VA_BUILD/$NG_KVER/guest-initramfs.cpio.gz
	local src=$VA_ROOT/tests/guest
	if [ -f "$built" ] && [ ! "$src/init" -nt "$built" ] && [ ! "$src/build-initramfs" -nt "$built" ]; then
		echo "$built"
		return
	fi
	"$src/build-initramfs" "$NG_KVER" "$VA_TMP/guest-initramfs.cpio.gz" >&2 ||
		die "tests/guest/build-initramfs failed"
	echo "$VA_TMP/guest-initramfs.cpio.gz"
}

# ng_kernel: what the nested guest boots: the uncompressed ELF vmlinux of
# /boot/vmlinuz-KVER (booted directly through its PVH entry, much faster under
# nested TCG), prebuilt in tests/.build/KVER/guest-vmlinux or extracted now;
# the bzImage itself if that fails.
ng_kernel() {
	local built=$VA_BUILD/$NG_KVER/guest-vmlinux
	local bz=/boot/vmlinuz-$NG_KVER
	if [ -f "$built" ] && [ ! "$bz" -nt "$built" ]; then
		echo "$built"
	elif [ -n "${VA_NESTED_BZIMAGE:-}" ]; then
		echo "$bz"
	elif "$VA_ROOT/tests/guest/extract-vmlinux" "$bz" "$VA_TMP/guest-vmlinux" >&2; then
		echo "$VA_TMP/guest-vmlinux"
	else
		echo "$bz"
	fi
}

ng_ping() {
	if command -v ping >/dev/null && ping -V >/dev/null 2>&1; then
		ping "$@"
	else
		busybox ping "$@"
	fi
}

# ng_lines LOG: the complete lines of LOG, without CRs. QEMU writes the serial
# console as the guest prints it, so the last line may be half written
# ("VA-GUEST RESULT " without its "pass", a sha256 cut short).
ng_lines() {
	local c
	c=$(tr -d '\r\000' <"$1"; echo .)
	c=${c%.}
	case $c in
	*$'\n') printf '%s' "$c" ;;
	*$'\n'*) printf '%s\n' "${c%$'\n'*}" ;;
	esac
}

# ng_wait LOG REGEX TIMEOUT PID: wait until a complete line of LOG matches
# REGEX; sets NG_LINE.
# Fails at once when the guest reports failure, the guest kernel dies, or PID exits.
ng_wait() {
	local logf=$1 re=$2 t=$3 pid=$4 i
	for ((i = 0; i < t * 5; i++)); do
		NG_LINE=$(ng_lines "$logf" | grep -a -m1 -E -- "$re" || true)
		[ -n "$NG_LINE" ] && return 0
		if grep -a -q -E 'VA-GUEST RESULT fail|Kernel panic|BUG:|Oops' "$logf"; then
			ng_dump "$logf"
			die "nested guest failed while waiting for /$re/"
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			ng_dump "$logf"
			die "QEMU (pid $pid) exited while waiting for /$re/"
		fi
		sleep 0.2
	done
	ng_dump "$logf"
	die "timeout (${t}s) waiting for /$re/ in the nested guest's console"
}

NG_TROUBLE='BUG:|Oops|WARNING:|general protection|soft lockup|hung_task|Kernel panic|Call Trace'

# The nested guest's kernel lines, shown in the test VM's console, must not look
# like the test VM's own (tests/vm/run fails a run on any "[ 1.23] ... BUG:"
# line): "[   94.790242] X" becomes "(nested 94.790242) X".
ng_quote() { sed -E 's/\[ *([0-9]+\.[0-9]+)\]/(nested \1)/g; s/^/    | /'; }

# ng_dump LOG: the nested guest's first kernel trouble, or the end of its console
ng_dump() {
	local first
	first=$(grep -a -n -m1 -E "$NG_TROUBLE" "$1" | cut -d: -f1 || true)
	if [ -n "$first" ]; then
		log "--- nested guest console ($1), from line $((first > 5 ? first - 5 : 1)):"
		tail -n +"$((first > 5 ? first - 5 : 1))" "$1" | head -n 70 | ng_quote
	else
		log "--- nested guest console ($1), last 40 lines:"
		tail -n 40 "$1" | ng_quote
	fi
	local e=${1%.log}.err
	if [ -s "$e" ]; then
		log "--- QEMU stderr:"
		ng_quote <"$e"
	fi
}

# ng_console_ok LOG: no kernel trouble in the nested guest's console
ng_console_ok() {
	if grep -a -q -E "$NG_TROUBLE" "$1"; then
		grep -a -E "$NG_TROUBLE" "$1" | ng_quote
		ng_dump "$1"
		die "kernel trouble in the nested guest's console"
	fi
}

# ng_workers QEMU_PID: task ids of the device's worker for that QEMU. A vhost
# worker is named after its owner's pid ("vhost-PID" for vhost-net, "vaccel-PID"
# for vhost-accel; comm is cut at 15 characters, so a long name may end in a
# prefix of the PID). The owner is the QEMU thread that called VHOST_SET_OWNER,
# so any of QEMU's thread ids counts. The worker is a kernel thread on older
# kernels and a thread of QEMU itself (vhost_task) on newer ones.
NG_WORKER_RE=${VA_WORKER_RE:-'^(vhost|vaccel)[^ ]*-[0-9]+$'}
ng_workers() {
	local qpid=$1 f comm sfx tid owner
	local -a owners=()
	for f in /proc/"$qpid"/task/[0-9]*; do owners+=("${f##*/}"); done
	grep -s -H -E "$NG_WORKER_RE" /proc/[0-9]*/task/[0-9]*/comm | while IFS= read -r f; do
		comm=${f#*/comm:}
		f=${f%%/comm:*}
		sfx=${comm##*-}
		tid=${f##*/}
		for owner in "${owners[@]}"; do
			if [ "$sfx" = "$owner" ] ||
				{ [ "${#comm}" -ge 15 ] && [ "${owner#"$sfx"}" != "$owner" ]; }; then
				echo "$tid"
				break
			fi
		done
	done | sort -un || true
}

# ng_cputime TID...: user+system clock ticks of those tasks, summed
ng_cputime() {
	local tid sum=0 stat rest
	for tid in "$@"; do
		stat=$(cat "/proc/$tid/stat" 2>/dev/null) || continue
		rest=${stat##*) }
		# fields after "(comm) ": state=1 ... utime=12 stime=13
		set -- $rest
		sum=$((sum + ${12} + ${13}))
	done
	echo "$sum"
}

# ng_cpu_ns TID...: nanoseconds those tasks have run, summed: the scheduler's
# own count (/proc/TID/schedstat), exact where the tick counts of ng_cputime
# are samples (a worker that moves megabytes in a few milliseconds can be
# charged no tick at all); ticks turned into nanoseconds without schedstat.
ng_cpu_ns() {
	local tid sum=0 ns rest hz
	for tid in "$@"; do
		if read -r ns rest 2>/dev/null <"/proc/$tid/schedstat"; then
			sum=$((sum + ns))
		else
			hz=$(getconf CLK_TCK)
			sum=$((sum + $(ng_cputime "$tid") * 1000000000 / hz))
		fi
	done
	echo "$sum"
}

# What ng_cpu_ns must grow by for a worker to count as having carried a
# transfer: one that carried an 8 MiB transfer ran for 100 ms or more
# (measured: 307 ms on vhost-accel); one that was only woken now and then for
# another NIC's ARP or a neighbour probe, or not at all (QEMU fell back on its
# own virtio-net), for well under a millisecond (measured: 0.4 to 0.5 ms in 26 s).
NG_BUSY_NS=${VA_NESTED_BUSY_NS:-5000000}

# ng_comms TID...: "tid:comm" list, for the log
ng_comms() {
	local tid
	for tid in "$@"; do
		printf '%s:%s ' "$tid" "$(cat "/proc/$tid/comm" 2>/dev/null || echo gone)"
	done
}

# ng_feature BITS N: bit N of the guest's feature string (from the "features" line)
ng_feature() { echo "${1:$2:1}"; }

ng_tapstat() { cat "/sys/class/net/$1/statistics/$2"; }

# ng_stop PID: terminate a process we started, bounded
ng_stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

# ng_wait_exit PID SECS: wait for a child to exit by itself; 0 if it did
ng_wait_exit() {
	local pid=$1 t=$2 i
	for ((i = 0; i < t * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# ng_finish ADDR PORT LOG PID: tell the guest at ADDR to finish (a connection
# to PORT), wait for its "VA-GUEST RESULT pass" in LOG and for its QEMU, the
# child PID, to exit with status 0
ng_finish() {
	"$NG_PY" "$NG_LIB/xfer.py" poke "$1" "$2" 60 || die "cannot tell the guest to finish"
	ng_wait "$3" '^VA-GUEST RESULT ' 60 "$4"
	[ "$NG_LINE" = "VA-GUEST RESULT pass" ] || { ng_dump "$3"; die "$NG_LINE"; }
	ng_wait_exit "$4" 60 || die "QEMU (pid $4) did not exit after the guest powered off"
	wait "$4" || die "QEMU (pid $4) exit status $?"
}
