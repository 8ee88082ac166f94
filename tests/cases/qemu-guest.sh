#!/bin/bash
# va-devices: both
# va-timeout: 1800
#
# A nested QEMU guest (TCG) whose virtio-net data path is $VA_DEV, handed to QEMU
# as an open fd (vhostfd=), once with mergeable RX buffers and once without:
#
#   test VM                                             nested guest (tests/guest/init)
#   xfer.py serve :5001 --\                        /--- wget http://10.0.2.1:5001/get
#   xfer.py fetch ---------- vatap0 10.0.2.1/24 -- $VA_DEV -- virtio-net-pci -- eth0 10.0.2.15/24
#   ping 10.0.2.15 -------/  (tap, vnet_hdr)      (worker)  \--- httpd :8080 /put (= what it got)
#
# Checks: ping both ways; VA_NESTED_BYTES (8 MiB) each way over TCP with equal
# sha256 on both ends; the guest negotiated MRG_RXBUF as configured; QEMU holds
# $VA_DEV at the fd it was given and the device's worker thread (vhost-<qemu pid>,
# or a longer name ending in that pid) exists and burned CPU during each transfer,
# i.e. the packets did not go through QEMU's userspace virtio-net.
set -euo pipefail

# shellcheck source=lib/nested.sh
. "$VA_ROOT/tests/cases/lib/nested.sh"
ng_require

SIZE=${VA_NESTED_BYTES:-8388608}
CONFIGS=${VA_NESTED_CONFIGS:-mrg-on mrg-off}
BOOT_TIMEOUT=${VA_NESTED_BOOT_TIMEOUT:-360}
XFER_TIMEOUT=${VA_NESTED_XFER_TIMEOUT:-480}
TAP=vatap0
HOST_IP=10.0.2.1
GUEST_IP=10.0.2.15
GET_PORT=5001
PUT_PORT=8080
VIRTIO_NET_F_MRG_RXBUF=15

qpid=
serve_pid=
fetch_pid=
cleanup() {
	local rc=$?
	set +e
	ng_stop "$qpid"
	ng_stop "$serve_pid"
	ng_stop "$fetch_pid"
	ip link del "$TAP" 2>/dev/null
	exit "$rc"
}
trap cleanup EXIT

initrd=$(ng_initramfs)
kernel=$(ng_kernel)
log "device $VA_DEV, kernel $kernel, initramfs $initrd, $SIZE bytes each way"

ip tuntap add dev "$TAP" mode tap vnet_hdr
ip addr add "$HOST_IP/24" dev "$TAP"
ip link set "$TAP" up

head -c "$SIZE" /dev/urandom >"$VA_TMP/get.bin"
get_sha=$(sha256sum "$VA_TMP/get.bin" | cut -d' ' -f1)

# wait until a background helper wrote $2 into its output $1 (bounded)
wait_output() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1"
	die "helper did not print '$2'"
}

run_guest() {
	local cfg=$1 devopt want d console t0 t_up t_get t_put workers cpu0 cpu1 cpu2
	local feats got_sha put_sha fetch_sha tx0 rx0 tx rx target
	case "$cfg" in
	mrg-on) devopt= want=1 ;;
	mrg-off) devopt=,mrg_rxbuf=off want=0 ;;
	*) die "unknown configuration $cfg" ;;
	esac
	d=$VA_TMP/$cfg
	mkdir -p "$d"
	console=$d/console.log
	: >"$console"
	log "== $cfg: starting transfer endpoints and the nested guest"

	"$NG_PY" "$NG_LIB/xfer.py" serve "$HOST_IP" "$GET_PORT" "$VA_TMP/get.bin" "$((BOOT_TIMEOUT + XFER_TIMEOUT))" >"$d/serve.out" 2>&1 &
	serve_pid=$!
	wait_output "$d/serve.out" listening

	tx0=$(ng_tapstat "$TAP" tx_bytes)
	rx0=$(ng_tapstat "$TAP" rx_bytes)
	t0=$(date +%s)
	qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-machine pc,accel=tcg -m 384 -smp 1 \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$NG_APPEND va.ip=$GUEST_IP/24 va.peer=$HOST_IP va.get=$GET_PORT:$SIZE va.put=$PUT_PORT:$SIZE va.putsrc=get" \
		-serial "file:$console" \
		-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no,vhost=on,vhostfd=7" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,romfile=$devopt" \
		7<>"$VA_DEV" 2>"$d/console.err" &
	qpid=$!

	ng_wait "$console" '^VA-GUEST up' "$BOOT_TIMEOUT" "$qpid"
	t_up=$(date +%s)
	log "$cfg: guest up after $((t_up - t0))s: $NG_LINE"

	# the device QEMU drives is the one we opened, and it has a worker
	target=$(readlink "/proc/$qpid/fd/7" || true)
	[ "$target" = "$(readlink -f "$VA_DEV")" ] || die "QEMU's fd 7 is '$target', not $VA_DEV"
	workers=$(ng_workers "$qpid")
	[ -n "$workers" ] || die "no worker task (vhost-PID or vaccel-PID) for QEMU pid $qpid: is QEMU using $VA_DEV at all?"
	# shellcheck disable=SC2086
	log "$cfg: QEMU pid $qpid fd 7 -> $target; worker(s): $(ng_comms $workers)"
	# shellcheck disable=SC2086
	cpu0=$(ng_cputime $workers)

	ng_wait "$console" '^VA-GUEST features ' 30 "$qpid"
	feats=${NG_LINE#VA-GUEST features }
	[ "$(ng_feature "$feats" "$VIRTIO_NET_F_MRG_RXBUF")" = "$want" ] ||
		die "$cfg: guest's MRG_RXBUF feature bit is not $want: $feats"
	log "$cfg: MRG_RXBUF negotiated = $want"

	ng_ping -c 3 -W 10 "$GUEST_IP" >"$d/ping.out" 2>&1 || { cat "$d/ping.out"; die "$cfg: ping test VM -> guest failed"; }
	log "$cfg: ping test VM -> guest: $(grep -E 'transmitted' "$d/ping.out")"
	ng_wait "$console" '^VA-GUEST ping ok' 120 "$qpid"
	log "$cfg: ping guest -> test VM: ${NG_LINE#VA-GUEST ping ok }"

	ng_wait "$console" '^VA-GUEST get start' "$XFER_TIMEOUT" "$qpid"
	t_get=$(date +%s)
	ng_wait "$console" '^VA-GUEST get bytes=' "$XFER_TIMEOUT" "$qpid"
	# shellcheck disable=SC2086
	cpu1=$(ng_cputime $workers)
	got_sha=${NG_LINE##*sha256=}
	log "$cfg: test VM -> guest: $SIZE bytes in $(($(date +%s) - t_get))s: $NG_LINE"
	[ "$got_sha" = "$get_sha" ] || die "$cfg: guest received data with sha256 $got_sha, sent $get_sha"
	t_get=$(($(date +%s) - t_get))

	ng_wait "$console" '^VA-GUEST put-data ' 60 "$qpid"
	put_sha=${NG_LINE##*sha256=}
	# the guest sends back what it received: the test VM knows what to expect
	[ "$put_sha" = "$get_sha" ] || die "$cfg: guest is to send back $put_sha, not $get_sha"
	ng_wait "$console" '^VA-GUEST put ready' "$XFER_TIMEOUT" "$qpid"
	t_put=$(date +%s)
	"$NG_PY" "$NG_LIB/xfer.py" fetch "http://$GUEST_IP:$PUT_PORT/put" "$SIZE" "$XFER_TIMEOUT" >"$d/fetch.out" 2>&1 &
	fetch_pid=$!
	ng_wait "$d/fetch.out" '^(fetched|error|timeout)' "$XFER_TIMEOUT" "$qpid"
	# shellcheck disable=SC2086
	cpu2=$(ng_cputime $workers)
	wait "$fetch_pid" || { cat "$d/fetch.out"; die "$cfg: fetching the guest's data failed"; }
	fetch_pid=
	fetch_sha=$(sed -n 's/.*sha256=\([0-9a-f]*\).*/\1/p' "$d/fetch.out")
	t_put=$(($(date +%s) - t_put))
	log "$cfg: guest -> test VM: $(grep '^fetched' "$d/fetch.out")"
	[ "$fetch_sha" = "$put_sha" ] || die "$cfg: test VM received data with sha256 $fetch_sha, guest sent $put_sha"
	"$NG_PY" "$NG_LIB/xfer.py" poke "$GUEST_IP" "$((PUT_PORT + 1))" 60 || die "$cfg: cannot tell the guest to finish"

	ng_wait "$console" '^VA-GUEST RESULT ' 60 "$qpid"
	[ "$NG_LINE" = "VA-GUEST RESULT pass" ] || { ng_dump "$console"; die "$cfg: $NG_LINE"; }
	ng_wait_exit "$qpid" 60 || die "$cfg: QEMU did not exit after the guest powered off"
	wait "$qpid" || die "$cfg: QEMU exit status $?"
	qpid=
	ng_wait_exit "$serve_pid" 10 || die "$cfg: server still running"
	wait "$serve_pid" || { cat "$d/serve.out"; die "$cfg: server failed"; }
	serve_pid=
	ng_console_ok "$console"

	tx=$(($(ng_tapstat "$TAP" tx_bytes) - tx0))
	rx=$(($(ng_tapstat "$TAP" rx_bytes) - rx0))
	log "$cfg: $TAP moved $tx bytes to the guest, $rx bytes from it; worker CPU ticks: boot $cpu0, get +$((cpu1 - cpu0)), put +$((cpu2 - cpu1))"
	[ "$tx" -ge "$SIZE" ] && [ "$rx" -ge "$SIZE" ] || die "$cfg: tap counters too small for the transfers"
	[ "$cpu1" -gt "$cpu0" ] || die "$cfg: the worker used no CPU while the guest received $SIZE bytes"
	[ "$cpu2" -gt "$cpu1" ] || die "$cfg: the worker used no CPU while the guest sent $SIZE bytes"
	[ -s "$d/console.err" ] && sed 's/^/qemu: /' "$d/console.err"
	log "ok $cfg: boot $((t_up - t0))s, get ${t_get}s, put ${t_put}s, total $(($(date +%s) - t0))s"
}

for cfg in $CONFIGS; do
	run_guest "$cfg"
done
log "PASS: nested guest ($CONFIGS) through $VA_DEVNAME"
