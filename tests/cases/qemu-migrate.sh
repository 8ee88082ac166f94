#!/bin/bash
# va-devices: accel
# va-timeout: 1500
#
# Live migration of a nested guest whose data path is $VA_DEV, in the middle of
# a download into the guest, with the migration throttled so that the device
# keeps writing guest memory while the pages are being copied: only the device's
# dirty log tells QEMU to copy those pages again.
#
#                   vabr0 10.0.2.1/24 (xfer.py serve :5001, fetch, ping)
#                   /                 \
#   vatap0 -- $VA_DEV (fd) -- QEMU A     vatap1 -- $VA_DEV (another fd) -- QEMU B
#             guest eth0 10.0.2.15      ==== migrate tcp:127.0.0.1:PORT ====>  -incoming
#
# Each QEMU opens its tap by name and gets its own open $VA_DEV as vhostfd=7;
# VA_MIGRATE_ATTACH=1 starts each with "vhostctl attach --tap vatapN -- qemu
# ... fd={tapfd},vhostfd={vhostfd}" instead.
#
# The guest downloads VA_MIGRATE_BYTES (32 MiB) with wget, served at
# VA_MIGRATE_RATE (512 KiB/s, so that the download outlasts the migration
# however fast the device is); once part of it has arrived, QEMU A migrates to
# B at max-bandwidth 8 MiB/s. Measured: the migration takes about 20 s, and
# the server is then at most 4 MiB + 20 s of its rate + what the sockets
# buffer ahead of the guest (about 8 MB), 22 MiB; the nested guest itself takes
# only 100-400 KB/s, so every byte past that costs seconds after the migration
# (64 MiB at 1 MiB/s: 930 s for the case, 320 s of it after the migration).
# The guest then checks
# the sha256 of what it received (before, during and after the migration), and
# the test VM fetches VA_MIGRATE_PUT_BYTES (8 MiB) of random data the guest made
# at boot from the guest on B and checks their sha256 too.
# The download must still be running when the migration completes, or the case
# fails for not testing what it should (raise VA_MIGRATE_BYTES then).
#
# Both devices must pass; each runs in its own pair of QEMUs.
#
# QEMU before 9.0 loses guest stores while it migrates a TCG guest: the fast
# path of cpu_physical_memory_sync_dirty_bitmap(), taken for a RAM block whose
# size is a multiple of 64 pages, clears the dirty bits without resetting the
# TCG TLB's not-dirty marks, so a store through a TLB entry made while its page
# was dirty sets no bit again and the page is not sent again (fixed upstream by
# "system/physmem: Fix migration dirty bitmap coherency with TCG memory
# access", QEMU 9.0; Debian 12 has 7.2). The migrated guest then crashes on
# corrupt page-allocator lists with any backend, QEMU's own virtio-net
# included. With such a QEMU the guest gets 384 MiB + 8 KiB (not a multiple of
# 64 pages): the sync then takes its per-page path, which does reset the TLB.
# VA_MIGRATE_MEM=384 reproduces the crash.
#
# For diagnosis, VA_MIGRATE_BACKEND=userspace runs the same with QEMU's own
# virtio-net (vhost=off; $VA_DEV unused), VA_MIGRATE_BANDWIDTH etc. change the
# migration (see below).
set -euo pipefail

# shellcheck source=lib/nested.sh
. "$VA_ROOT/tests/cases/lib/nested.sh"
ng_require

SIZE=${VA_MIGRATE_BYTES:-33554432}
PUT_SIZE=${VA_MIGRATE_PUT_BYTES:-8388608}
START_AFTER=${VA_MIGRATE_START_AFTER:-4194304}
RATE=${VA_MIGRATE_RATE:-524288}
BANDWIDTH=${VA_MIGRATE_BANDWIDTH:-8388608}
DOWNTIME_MS=${VA_MIGRATE_DOWNTIME_MS:-1000}
BOOT_TIMEOUT=${VA_NESTED_BOOT_TIMEOUT:-360}
XFER_TIMEOUT=${VA_NESTED_XFER_TIMEOUT:-480}
MIGRATE_TIMEOUT=${VA_MIGRATE_TIMEOUT:-420}
BR=vabr0
TAPS="vatap0 vatap1"
HOST_IP=10.0.2.1
GUEST_IP=10.0.2.15
GET_PORT=5001
PUT_PORT=8080
MIG_PORT=4444
QMP=$NG_LIB/qmp.py
VHOSTCTL=$VA_ROOT/tools/vhostctl/vhostctl
BACKEND=${VA_MIGRATE_BACKEND:-vhost}
# the nested QEMU (VA_MIGRATE_QEMU: another build, e.g. one unpacked from
# bookworm-backports; VA_MIGRATE_QEMU_ARGS: its -L firmware directories) and
# the guest's memory size (VA_MIGRATE_MEM, as for -m)
QEMU=${VA_MIGRATE_QEMU:-qemu-system-x86_64}
read -r -a QEMU_ARGS <<<"${VA_MIGRATE_QEMU_ARGS:-}"
qemu_version=$("$QEMU" -version 2>&1 | head -n 1)
[[ $qemu_version =~ ^QEMU\ emulator\ version\ ([0-9]+)\. ]] || die "cannot tell $QEMU's version: $qemu_version"
mem_why=
if [ "${BASH_REMATCH[1]}" -lt 9 ]; then
	MEM=${VA_MIGRATE_MEM:-393224K}
	mem_why=" (QEMU before 9.0 loses TCG stores under migration unless the RAM is not a multiple of 64 pages: see the top of this file)"
else
	MEM=${VA_MIGRATE_MEM:-384}
fi
# VA_MIGRATE_ATTACH=1: QEMUs started by "vhostctl attach" (the fds passed), else
# QEMU opens the tap by name and gets $VA_DEV as fd 7
ATTACH=${VA_MIGRATE_ATTACH:-0}
[ "$BACKEND" = userspace ] || [ -x "$VHOSTCTL" ] || die "$VHOSTCTL not built (make tools)"

# After the switchover, what the migrated guest's kernel said goes with the failure
migrated=
die() {
	if [ -n "$migrated" ] && [ -s "$VA_TMP/b.log" ]; then
		grep -a -m 3 -E "$NG_TROUBLE|segfault|Segmentation" "$VA_TMP/b.log" | ng_quote || true
	fi
	log "FAIL: $*"
	exit 1
}

pid_a=
pid_b=
serve_pid=
fetch_pid=
cleanup() {
	local rc=$?
	set +e
	if [ "$rc" -ne 0 ]; then
		for f in "$VA_TMP"/*.err "$VA_TMP"/migrate.out; do
			[ -s "$f" ] && { log "--- $f:"; tail -n 20 "$f" | ng_quote; }
		done
		log "--- QEMU A pid ${pid_a:-none}, B pid ${pid_b:-none}; worker threads:"
		grep -s -H -E "$NG_WORKER_RE" /proc/[0-9]*/task/[0-9]*/comm | ng_quote
		[ "$VA_DEVNAME" = vhost-accel ] && [ -x "$VHOSTCTL" ] && "$VHOSTCTL" dev show 2>&1 | ng_quote
	fi
	ng_stop "$pid_a"
	ng_stop "$pid_b"
	ng_stop "$serve_pid"
	ng_stop "$fetch_pid"
	for t in $TAPS; do ip link del "$t" 2>/dev/null; done
	ip link del "$BR" 2>/dev/null
	exit "$rc"
}
trap cleanup EXIT

initrd=$(ng_initramfs)
kernel=$(ng_kernel)
log "nested QEMU: $qemu_version, -m $MEM$mem_why"
log "device $VA_DEV ($BACKEND), kernel $kernel, initramfs $initrd; $SIZE bytes in at $RATE B/s, migrate at $BANDWIDTH B/s after $START_AFTER"

ip link add "$BR" type bridge
ip link set "$BR" type bridge forward_delay 0 stp_state 0
ip addr add "$HOST_IP/24" dev "$BR"
for t in $TAPS; do
	ip tuntap add dev "$t" mode tap vnet_hdr
	ip link set "$t" master "$BR"
	ip link set "$t" up
done
ip link set "$BR" up

head -c "$SIZE" /dev/urandom >"$VA_TMP/get.bin"
get_sha=$(sha256sum "$VA_TMP/get.bin" | cut -d' ' -f1)

# start_qemu NAME TAP [EXTRA...]: sets QPID; console in $VA_TMP/NAME.log
start_qemu() {
	local name=$1 tap=$2
	shift 2
	local -a attach=() netdev=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=off")
	if [ "$BACKEND" = vhost ] && [ "$ATTACH" = 1 ]; then
		attach=("$VHOSTCTL" attach --device "$VA_DEV" --tap "$tap" --)
		netdev=(-netdev "tap,id=n0,fd={tapfd},vhost=on,vhostfd={vhostfd}")
	elif [ "$BACKEND" = vhost ]; then
		netdev=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=on,vhostfd=7")
		exec 7<>"$VA_DEV"
	fi
	: >"$VA_TMP/$name.log"
	"${attach[@]}" "$QEMU" "${QEMU_ARGS[@]}" -nodefaults -no-user-config -display none -no-reboot \
		-machine pc,accel=tcg -m "$MEM" -smp 1 \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$NG_APPEND va.ip=$GUEST_IP/24 va.peer=$HOST_IP va.get=$GET_PORT:$SIZE va.put=$PUT_PORT:$PUT_SIZE" \
		-serial "file:$VA_TMP/$name.log" \
		-qmp "unix:$VA_TMP/$name.qmp,server=on,wait=off" \
		"${netdev[@]}" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,romfile=" \
		"$@" 2>"$VA_TMP/$name.err" &
	QPID=$!
	# QEMU has its copy; ours would keep the device alive after it exits
	exec 7<&-
}

# check_fd NAME PID: QEMU holds $VA_DEV once (fd 7, or the one vhostctl attach opened)
check_fd() {
	local f dev held=0
	[ "$BACKEND" = vhost ] || return 0
	dev=$(readlink -f "$VA_DEV")
	for f in /proc/"$2"/fd/*; do
		[ "$(readlink "$f" || true)" = "$dev" ] && held=$((held + 1))
	done
	[ "$held" -eq 1 ] || die "QEMU $1 (pid $2) holds $VA_DEV $held times, not once"
}

# bytes the server has sent so far (from its progress lines)
served() { awk '$1 == "progress" { n = $2 } /^served/ { d = 1 } END { print d ? "done" : n + 0 }' "$VA_TMP/serve.out"; }

t0=$(date +%s)
start_qemu a vatap0
pid_a=$QPID
start_qemu b vatap1 -incoming "tcp:127.0.0.1:$MIG_PORT"
pid_b=$QPID

ng_wait "$VA_TMP/a.log" '^VA-GUEST up' "$BOOT_TIMEOUT" "$pid_a"
ng_wait "$VA_TMP/a.log" '^VA-GUEST put-data ' 60 "$pid_a"
put_sha=${NG_LINE##*sha256=}
log "A: guest up after $(($(date +%s) - t0))s"
check_fd A "$pid_a"
kill -0 "$pid_b" 2>/dev/null || { ng_dump "$VA_TMP/b.log"; die "QEMU B (incoming) exited"; }
check_fd B "$pid_b"
workers_a=$(ng_workers "$pid_a")
[ -n "$workers_a" ] || [ "$BACKEND" != vhost ] || die "no worker task for QEMU A (pid $pid_a)"
# shellcheck disable=SC2086
log "A: pid $pid_a, worker(s) $(ng_comms $workers_a); B: pid $pid_b, waiting for the migration"
ng_ping -c 2 -W 10 "$GUEST_IP" >"$VA_TMP/ping-a.out" 2>&1 || { cat "$VA_TMP/ping-a.out"; die "ping test VM -> guest on A failed"; }
ng_wait "$VA_TMP/a.log" '^VA-GUEST ping ok' 120 "$pid_a"
log "A: ping both ways ok"

# The server listens only now, and the guest's wget retries until it does:
# the download then starts here, not when the guest came up. On the debug
# kernel the checks above took 80 s, and a server listening from the start
# had sent 26.7 of the 32 MiB before the migration began, so the download
# ended before the migration did.
"$NG_PY" "$NG_LIB/xfer.py" serve "$HOST_IP" "$GET_PORT" "$VA_TMP/get.bin" "$((BOOT_TIMEOUT + XFER_TIMEOUT + MIGRATE_TIMEOUT))" "$RATE" >"$VA_TMP/serve.out" 2>&1 &
serve_pid=$!

# start the migration once part of the download has arrived
ng_wait "$VA_TMP/a.log" '^VA-GUEST get start' "$XFER_TIMEOUT" "$pid_a"
t_get=$(date +%s)
for ((i = 0; ; i++)); do
	n=$(served)
	[ "$n" = "done" ] && die "the download ended before the migration started: raise VA_MIGRATE_BYTES"
	[ "$n" -ge "$START_AFTER" ] && break
	[ "$i" -lt $((XFER_TIMEOUT * 5)) ] || die "download too slow: $n bytes after ${XFER_TIMEOUT}s"
	kill -0 "$pid_a" 2>/dev/null || { ng_dump "$VA_TMP/a.log"; die "QEMU A exited"; }
	sleep 0.2
done
# shellcheck disable=SC2086
cpu_a0=$(ng_cpu_ns $workers_a)
log "migrating A -> B with $(served) of $SIZE bytes sent ($(($(date +%s) - t_get))s into the download)"
t_mig=$(date +%s)
"$NG_PY" "$QMP" "$VA_TMP/a.qmp" \
	"{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": $BANDWIDTH, \"downtime-limit\": $DOWNTIME_MS}}" \
	"{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:$MIG_PORT\"}}" >"$VA_TMP/qmp-start.out" ||
	{ cat "$VA_TMP/qmp-start.out"; die "QMP migrate failed"; }
migrated=1
if ! "$NG_PY" "$QMP" "$VA_TMP/a.qmp" --wait-migration "$MIGRATE_TIMEOUT" >"$VA_TMP/migrate.out" 2>&1; then
	ng_quote <"$VA_TMP/migrate.out"
	ng_dump "$VA_TMP/b.log"
	die "migration did not complete"
fi
t_mig=$(($(date +%s) - t_mig))
# shellcheck disable=SC2086
cpu_a1=$(ng_cpu_ns $workers_a)
at_switch=$(served)
log "migration: $(tail -n 1 "$VA_TMP/migrate.out") after ${t_mig}s, $(grep -c '^status=active' "$VA_TMP/migrate.out") progress lines; server at $at_switch of $SIZE"
if [ "$at_switch" = "done" ] || grep -a -q '^VA-GUEST get bytes=' "$VA_TMP/a.log"; then
	die "the download ended before the migration completed: nothing tested; raise VA_MIGRATE_BYTES or lower VA_MIGRATE_RATE"
fi
log "A's worker ran $(((cpu_a1 - cpu_a0) / 1000000)) ms during the migration"

"$NG_PY" "$QMP" "$VA_TMP/b.qmp" '{"execute": "query-status"}' >"$VA_TMP/b-status.out" || true
if ! grep -q '"status": "running"' "$VA_TMP/b-status.out"; then
	cat "$VA_TMP/b-status.out"
	kill -0 "$pid_b" 2>/dev/null || log "QEMU B (pid $pid_b) has exited"
	ng_dump "$VA_TMP/b.log"
	die "QEMU B is not running after the migration"
fi
"$NG_PY" "$QMP" "$VA_TMP/a.qmp" '{"execute": "quit"}' >/dev/null 2>&1 || true
ng_wait_exit "$pid_a" 30 || die "QEMU A did not quit"
wait "$pid_a" || log "QEMU A exit status $? (after quit)"
pid_a=
workers_b=$(ng_workers "$pid_b")
if [ -z "$workers_b" ] && [ "$BACKEND" = vhost ]; then
	if kill -0 "$pid_b" 2>/dev/null; then
		log "QEMU B (pid $pid_b) runs; its fds: $(ls -l /proc/"$pid_b"/fd | awk '{print $9 $10 $11}' | tr '\n' ' ')"
	else
		wait "$pid_b"
		log "QEMU B (pid $pid_b) has exited with status $?"
	fi
	ng_dump "$VA_TMP/b.log"
	die "no worker task for QEMU B (pid $pid_b) after the migration"
fi
# shellcheck disable=SC2086
log "B: worker(s) $(ng_comms $workers_b)"
# shellcheck disable=SC2086
cpu_b0=$(ng_cpu_ns $workers_b)

ng_wait "$VA_TMP/b.log" '^VA-GUEST get bytes=' "$XFER_TIMEOUT" "$pid_b"
t_get=$(($(date +%s) - t_get))
log "B: guest received: $NG_LINE (download took ${t_get}s)"
[ "${NG_LINE##*sha256=}" = "$get_sha" ] || die "data received across the migration is corrupt: sha256 ${NG_LINE##*sha256=}, sent $get_sha"
# shellcheck disable=SC2086
cpu_b1=$(ng_cpu_ns $workers_b)
log "B's worker ran $(((cpu_b1 - cpu_b0) / 1000000)) ms for the rest of the download"

ng_wait "$VA_TMP/b.log" '^VA-GUEST put ready' "$XFER_TIMEOUT" "$pid_b"
t_put=$(date +%s)
"$NG_PY" "$NG_LIB/xfer.py" fetch "http://$GUEST_IP:$PUT_PORT/put" "$PUT_SIZE" "$XFER_TIMEOUT" >"$VA_TMP/fetch.out" 2>&1 &
fetch_pid=$!
ng_wait "$VA_TMP/fetch.out" '^(fetched|error|timeout)' "$XFER_TIMEOUT" "$pid_b"
# shellcheck disable=SC2086
cpu_b2=$(ng_cpu_ns $workers_b)
wait "$fetch_pid" || { cat "$VA_TMP/fetch.out"; die "fetching from the migrated guest failed"; }
fetch_pid=
log "B: guest -> test VM: $(grep '^fetched' "$VA_TMP/fetch.out") ($(($(date +%s) - t_put))s)"
fetch_sha=$(sed -n 's/.*sha256=\([0-9a-f]*\).*/\1/p' "$VA_TMP/fetch.out")
[ "$fetch_sha" = "$put_sha" ] || die "data sent by the migrated guest is corrupt: sha256 $fetch_sha, the guest made $put_sha"
[ $((cpu_b2 - cpu_b1)) -ge "$NG_BUSY_NS" ] || [ "$BACKEND" != vhost ] ||
	die "B's worker ran $((cpu_b2 - cpu_b1)) ns, under $NG_BUSY_NS ns, while the migrated guest sent $PUT_SIZE bytes: is B's QEMU using $VA_DEV?"
ng_ping -c 2 -W 10 "$GUEST_IP" >"$VA_TMP/ping-b.out" 2>&1 || { cat "$VA_TMP/ping-b.out"; die "ping test VM -> migrated guest failed"; }
ng_finish "$GUEST_IP" "$((PUT_PORT + 1))" "$VA_TMP/b.log" "$pid_b"
pid_b=
wait "$serve_pid" || { cat "$VA_TMP/serve.out"; die "server failed"; }
serve_pid=
ng_console_ok "$VA_TMP/a.log"
ng_console_ok "$VA_TMP/b.log"
for f in a.err b.err; do
	[ -s "$VA_TMP/$f" ] && sed "s/^/qemu ${f%.err}: /" "$VA_TMP/$f"
done
log "PASS: migration mid-download through $VA_DEVNAME: migration ${t_mig}s, total $(($(date +%s) - t0))s"
