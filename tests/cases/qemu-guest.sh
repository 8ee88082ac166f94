#!/bin/bash
# va-devices: accel
# va-timeout: 1800
#
# One nested QEMU guest (TCG, 2 CPUs) whose three virtio-net NICs all have
# $VA_DEV as their data path, so that one boot (minutes under nested
# emulation) proves each configuration:
#
#   NIC   tap (test VM side)           QEMU                               guest
#   mrg-on  vatap0 10.0.2.1/24  ifname=vatap0, vhostfd=7 (an open $VA_DEV) eth0 10.0.2.15
#   mrg-off vatap1 10.0.3.1/24  fd=a vhostfd=b, mrg_rxbuf=off            eth1 10.0.3.15
#   mq      vatap2 10.0.4.1/24  fds=c:d vhostfds=e:f mq=on               eth2 10.0.4.15
#           (multi_queue)
#
# The mrg-on NIC is the classic command line (QEMU opens the tap, the shell
# the device); the other two come from one "vhostctl attach --tap vatap1
# --tap vatap2 --queues 2", which opens their taps and devices and puts the
# fds into QEMU's arguments ({tapfd0} {vhostfd0} {tapfds1} {vhostfds1}).
#
# The test VM serves VA_NESTED_BYTES (4 MiB) to eth0 and to eth1 (xfer.py on
# port 5001 of each tap's address, fetched by the guest's wget), then fetches
# them back from the guest's httpd; on the two-queue NIC the guest makes two
# transfers of VA_NESTED_MQ_BYTES each way at once, one per CPU (a flow's TX
# queue is its CPU's, and the tap sends a flow back on the queue it came from),
# so that each queue pair carries one of them.
#
# Checks: ping both ways on each NIC; every transfer arrives with the sha256
# it was sent with; the guest negotiated MRG_RXBUF as configured and uses two
# queue pairs on the mq NIC; QEMU holds $VA_DEV once per queue pair (4) and
# there is a worker thread per device (vhost-<qemu pid> or vaccel-<qemu pid>)
# which burned CPU during each transfer, i.e. the packets did not go through
# QEMU's userspace virtio-net; during the two-queue transfers at least two
# workers did, and on /dev/vhost-accel the per-queue counters of
# "vhostctl dev show -j" show a good share of the bytes on both queue pairs
# of vatap2.
#
# VA_NESTED_NICS (default "mrg-on mrg-off mq") picks the NICs (make demo uses
# one); VA_NESTED_CONFIGS is its older name.
set -euo pipefail

# shellcheck source=lib/nested.sh
. "$VA_ROOT/tests/cases/lib/nested.sh"
ng_require

SIZE=${VA_NESTED_BYTES:-4194304}
MQ_SIZE=${VA_NESTED_MQ_BYTES:-1048576}
NICS=${VA_NESTED_NICS:-${VA_NESTED_CONFIGS:-mrg-on mrg-off mq}}
BOOT_TIMEOUT=${VA_NESTED_BOOT_TIMEOUT:-480}
XFER_TIMEOUT=${VA_NESTED_XFER_TIMEOUT:-600}
GET_PORT=5001
PUT_PORT=8080
VIRTIO_NET_F_MRG_RXBUF=15
VHOSTCTL=$VA_ROOT/tools/vhostctl/vhostctl

qpid=
servers=()
pids=()
cfg=()
cleanup() {
	local rc=$? p i
	set +e
	ng_stop "$qpid"
	for p in "${servers[@]}" "${pids[@]}"; do ng_stop "$p"; done
	for ((i = 0; i < ${#cfg[@]}; i++)); do ip link del "vatap$i" 2>/dev/null; done
	exit "$rc"
}
trap cleanup EXIT

read -r -a cfg <<<"$NICS"
n=${#cfg[@]}
[ "$n" -ge 1 ] && [ "$n" -le 3 ] ||
	die "VA_NESTED_NICS: one to three of mrg-on mrg-off mq, not '$NICS'"
mq=
for ((i = 0; i < n; i++)); do
	case "${cfg[i]}" in
	mrg-on | mrg-off) ;;
	mq) [ -z "$mq" ] || die "VA_NESTED_NICS: one mq NIC at most"; mq=$i ;;
	*) die "VA_NESTED_NICS: unknown NIC '${cfg[i]}'" ;;
	esac
done
[ "${cfg[*]}" = mrg-on ] || [ -x "$VHOSTCTL" ] || die "$VHOSTCTL not built (make tools): the mrg-off and mq NICs are attached with it"

host_ip() { echo "10.0.$((2 + $1)).1"; }
guest_ip() { echo "10.0.$((2 + $1)).15"; }
# how the guest names NIC I (flow F) in its lines: see tests/guest/init
tag() {
	if [ -n "${2:-}" ]; then echo " eth$1/$2"
	elif [ "$1" -ne 0 ]; then echo " eth$1"
	fi
}
putname() {
	if [ -n "${2:-}" ]; then echo "put$1-$2"
	elif [ "$1" -ne 0 ]; then echo "put$1"
	else echo put
	fi
}
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
# serve ADDR PORT FILE: one GET of FILE at ADDR:PORT, in the background
serve() {
	local out=$VA_TMP/serve-$1-$2.out
	"$NG_PY" "$NG_LIB/xfer.py" serve "$1" "$2" "$3" "$((BOOT_TIMEOUT + 3 * XFER_TIMEOUT))" >"$out" 2>&1 &
	servers+=($!)
	wait_output "$out" listening
}
# fetch URL SIZE OUT: GET URL in the background; its pid in FETCH_PID
fetch() {
	"$NG_PY" "$NG_LIB/xfer.py" fetch "$1" "$2" "$XFER_TIMEOUT" >"$3" 2>&1 &
	FETCH_PID=$!
	pids+=("$FETCH_PID")
}
fetched_sha() { sed -n 's/.*sha256=\([0-9a-f]*\).*/\1/p' "$1"; }
# cpu_each TID...: "tid:nanoseconds run" for each worker
cpu_each() {
	local t
	for t in "$@"; do printf '%s:%s ' "$t" "$(ng_cpu_ns "$t")"; done
}
# busy BEFORE AFTER: how many workers ran NG_BUSY_NS or more between the two
busy() {
	local a b k=0
	for a in $1; do
		for b in $2; do
			[ "${a%%:*}" = "${b%%:*}" ] && [ $((${b#*:} - ${a#*:})) -ge "$NG_BUSY_NS" ] && k=$((k + 1))
		done
	done
	echo "$k"
}

# die_with_state MESSAGE: die, with what tells a device that carried nothing
# from a QEMU that carried the traffic itself: the devices' queues and
# counters (vhost-accel), the nested guest's console and QEMU's stderr
die_with_state() {
	if [ "$VA_DEVNAME" = vhost-accel ] && [ -x "$VHOSTCTL" ]; then
		log "--- vhostctl -s dev show:"
		"$VHOSTCTL" -s dev show 2>&1 | ng_quote
	fi
	ng_dump "$console"
	die "$@"
}

# workers_did I WHAT CPU0 T0: the transfers of NIC I (WHAT: received or sent)
# since T0 kept a worker busy, two for the two-queue NIC (one per queue pair)
workers_did() {
	local c1 k
	c1=$(cpu_each "${workers[@]}")
	k=$(busy "$3" "$c1")
	log "eth$1 (${cfg[$1]}) $2 in $(($(date +%s) - $4))s; $k worker(s) busy (ran ${NG_BUSY_NS} ns or more; before/after: $3/ $c1)"
	[ "$k" -ge 1 ] || die_with_state "eth$1: no worker used CPU while the guest $2 over it"
	[ "${cfg[$1]}" != mq ] || [ "$k" -ge 2 ] ||
		die_with_state "eth$1: one worker did all the work of the two-queue transfers; nanoseconds run before/after: $3/ $c1"
}

initrd=$(ng_initramfs)
kernel=$(ng_kernel)
log "device $VA_DEV, NICs: $NICS; kernel $kernel, initramfs $initrd"

head -c "$SIZE" /dev/urandom >"$VA_TMP/get.bin"
get_sha=$(sha256sum "$VA_TMP/get.bin" | cut -d' ' -f1)
head -c "$MQ_SIZE" /dev/urandom >"$VA_TMP/mq.bin"
mq_sha=$(sha256sum "$VA_TMP/mq.bin" | cut -d' ' -f1)

# the taps and QEMU's arguments, NIC by NIC (the servers start with each
# NIC's transfer)
qargs=()
fds=()
taps=()	# vhostctl attach's arguments: the k-th --tap's fds are {tapfd<k>}...
k=0
ndev=0
for ((i = 0; i < n; i++)); do
	tap=vatap$i
	mac=52:54:00:12:34:$((56 + i))
	pci="addr=$((3 + i)),romfile="
	case "${cfg[i]}" in
	mq)
		ip tuntap add dev "$tap" mode tap multi_queue vnet_hdr
		taps+=(--tap "$tap" --queues 2)
		ndev=$((ndev + 2))
		qargs+=(-netdev "tap,id=n$i,fds={tapfds$k},vhost=on,vhostfds={vhostfds$k}"
			-device "virtio-net-pci,netdev=n$i,mac=$mac,mq=on,vectors=6,$pci")
		k=$((k + 1))
		;;
	mrg-off)
		ip tuntap add dev "$tap" mode tap vnet_hdr
		taps+=(--tap "$tap")
		ndev=$((ndev + 1))
		qargs+=(-netdev "tap,id=n$i,fd={tapfd$k},vhost=on,vhostfd={vhostfd$k}"
			-device "virtio-net-pci,netdev=n$i,mac=$mac,$pci,mrg_rxbuf=off")
		k=$((k + 1))
		;;
	mrg-on)
		ip tuntap add dev "$tap" mode tap vnet_hdr
		fd=$((7 + ${#fds[@]}))
		fds+=("$fd")
		ndev=$((ndev + 1))
		qargs+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no,vhost=on,vhostfd=$fd"
			-device "virtio-net-pci,netdev=n$i,mac=$mac,$pci")
		;;
	esac
	ip addr add "$(host_ip "$i")/24" dev "$tap"
	ip link set "$tap" up
done
attach=()
[ ${#taps[@]} -eq 0 ] || attach=("$VHOSTCTL" attach --device "$VA_DEV" "${taps[@]}" --)
append="$NG_APPEND va.ip=$(guest_ip 0)/24 va.peer=$(host_ip 0) va.nics=$n"
append+=" va.get=$GET_PORT:$SIZE va.put=$PUT_PORT:$SIZE va.putsrc=get"
[ -z "$mq" ] || append+=" va.mq=$mq:$MQ_SIZE"
smp=1
[ -z "$mq" ] || smp=2

for fd in "${fds[@]}"; do eval "exec $fd<>\"\$VA_DEV\""; done
console=$VA_TMP/console.log
: >"$console"
t0=$(date +%s)
"${attach[@]}" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	-machine pc,accel=tcg -m 384 -smp "$smp" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-serial "file:$console" "${qargs[@]}" 2>"$VA_TMP/console.err" &
qpid=$!
# QEMU has its copies; ours would keep the devices alive after it exits
for fd in "${fds[@]}"; do eval "exec $fd<&-"; done

ng_wait "$console" "^VA-GUEST queues eth$((n - 1)) " "$BOOT_TIMEOUT" "$qpid"
t_up=$(date +%s)
log "guest up after $((t_up - t0))s"

# QEMU drives the devices we opened, once per queue pair, each with a worker
dev=$(readlink -f "$VA_DEV")
held=0
for f in /proc/"$qpid"/fd/*; do
	[ "$(readlink "$f" || true)" = "$dev" ] && held=$((held + 1))
done
[ "$held" -eq "$ndev" ] || die "QEMU (pid $qpid) holds $VA_DEV $held times, not $ndev (one per queue pair)"
mapfile -t workers < <(ng_workers "$qpid")
log "QEMU pid $qpid holds $VA_DEV $held times; workers: $(ng_comms "${workers[@]}")"
[ "${#workers[@]}" -eq "$ndev" ] ||
	die "${#workers[@]} worker tasks (vhost-PID or vaccel-PID) for QEMU pid $qpid, not $ndev: is QEMU using $VA_DEV at all?"

for ((i = 0; i < n; i++)); do
	if [ "$i" -eq 0 ]; then re='^VA-GUEST features [01]'; else re="^VA-GUEST features eth$i "; fi
	ng_wait "$console" "$re" 5 "$qpid"
	feats=${NG_LINE##* }
	want=1
	[ "${cfg[i]}" = mrg-off ] && want=0
	[ "$(ng_feature "$feats" "$VIRTIO_NET_F_MRG_RXBUF")" = "$want" ] ||
		die "eth$i (${cfg[i]}): MRG_RXBUF feature bit is not $want: $feats"
	ng_wait "$console" "^VA-GUEST queues eth$i " 5 "$qpid"
	want=1
	[ "${cfg[i]}" = mq ] && want=2
	[ "${NG_LINE##* }" = "$want" ] || die "eth$i (${cfg[i]}): the guest uses ${NG_LINE##* } queue pairs, not $want"
	log "eth$i (${cfg[i]}): MRG_RXBUF negotiated = $([ "${cfg[i]}" = mrg-off ] && echo 0 || echo 1), $want queue pair(s)"
done

for ((i = 0; i < n; i++)); do
	ng_ping -c 3 -W 10 "$(guest_ip "$i")" >"$VA_TMP/ping$i.out" 2>&1 ||
		{ cat "$VA_TMP/ping$i.out"; die "eth$i: ping test VM -> guest failed"; }
	ng_wait "$console" "^VA-GUEST ping ok$(tag "$i") " 120 "$qpid"
	log "eth$i: ping both ways ok: $(grep -E 'transmitted' "$VA_TMP/ping$i.out")"
done

# test VM -> guest, NIC by NIC in the order the guest downloads
ng_wait "$console" '^VA-GUEST get start' "$XFER_TIMEOUT" "$qpid"
for ((i = 0; i < n; i++)); do
	c0=$(cpu_each "${workers[@]}")
	t=$(date +%s)
	# The NIC's server starts only now, after c0: the guest retries until it
	# listens, so the whole transfer falls after c0 however slowly this
	# shell runs (on the debug kernel, an 8 MiB transfer was over before
	# c0 was taken when the servers were started up front).
	if [ "${cfg[i]}" = mq ]; then
		flows="0 1"
		want_sha=$mq_sha
		serve "$(host_ip "$i")" "$GET_PORT" "$VA_TMP/mq.bin"
		serve "$(host_ip "$i")" "$((GET_PORT + 1))" "$VA_TMP/mq.bin"
	else
		flows=-
		want_sha=$get_sha
		serve "$(host_ip "$i")" "$GET_PORT" "$VA_TMP/get.bin"
	fi
	for f in $flows; do
		[ "$f" = - ] && f=
		ng_wait "$console" "^VA-GUEST get$(tag "$i" "$f") bytes=" "$XFER_TIMEOUT" "$qpid"
		[ "${NG_LINE##*sha256=}" = "$want_sha" ] ||
			die "eth$i${f:+/$f}: guest received data with sha256 ${NG_LINE##*sha256=}, sent $want_sha"
		log "test VM -> eth$i${f:+ flow $f}: bytes=${NG_LINE##* bytes=}"
	done
	workers_did "$i" received "$c0" "$t"
done

# guest -> test VM: the guest offers back what it received
ng_wait "$console" '^VA-GUEST put ready' "$XFER_TIMEOUT" "$qpid"
for ((i = 0; i < n; i++)); do
	c0=$(cpu_each "${workers[@]}")
	t=$(date +%s)
	fp=()
	if [ "${cfg[i]}" = mq ]; then
		fetch "http://$(guest_ip "$i"):$PUT_PORT/$(putname "$i" 0)" "$MQ_SIZE" "$VA_TMP/fetch$i-0.out"
		fp+=("$FETCH_PID:$VA_TMP/fetch$i-0.out")
		fetch "http://$(guest_ip "$i"):$((PUT_PORT + 2))/$(putname "$i" 1)" "$MQ_SIZE" "$VA_TMP/fetch$i-1.out"
		fp+=("$FETCH_PID:$VA_TMP/fetch$i-1.out")
		want_sha=$mq_sha
	else
		fetch "http://$(guest_ip "$i"):$PUT_PORT/$(putname "$i")" "$SIZE" "$VA_TMP/fetch$i.out"
		fp+=("$FETCH_PID:$VA_TMP/fetch$i.out")
		want_sha=$get_sha
	fi
	for x in "${fp[@]}"; do
		ng_wait "${x#*:}" '^(fetched|error|timeout)' "$XFER_TIMEOUT" "$qpid"
		wait "${x%%:*}" || { cat "${x#*:}"; die "eth$i: fetching the guest's data failed"; }
		[ "$(fetched_sha "${x#*:}")" = "$want_sha" ] ||
			die "eth$i: test VM received data with sha256 $(fetched_sha "${x#*:}"), guest sent $want_sha"
		log "eth$i -> test VM: $(grep '^fetched' "${x#*:}")"
	done
	workers_did "$i" sent "$c0" "$t"
done

# /dev/vhost-accel counts per queue: both queue pairs of the mq NIC moved packets
if [ -n "$mq" ] && [ "$VA_DEVNAME" = vhost-accel ] && [ -x "$VHOSTCTL" ]; then
	"$VHOSTCTL" -j dev show >"$VA_TMP/dev.json" || die "vhostctl -j dev show failed"
	"$NG_PY" - "$VA_TMP/dev.json" "$qpid" "vatap$mq" "$MQ_SIZE" <<'EOF' || die "vhostctl's counters for the two-queue NIC"
import json, sys
devs, qpid, tap, size = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
mine = [d for d in devs if (d.get("backend") or {}).get("ifname") == tap]
owned = [d for d in devs if d["owner_pid"] == qpid]
print(f"    devices of QEMU: {len(owned)}; on {tap}: {[d['id'] for d in mine]}")
if len(mine) != 2:
    sys.exit(f"{len(mine)} devices on {tap}, not 2")
for d in mine:
    q = {x["index"]: x["stats"] for x in d["queues"]}
    print(f"    device {d['id']}: rx {q[0]['packets']} packets {q[0]['bytes']} bytes, tx {q[1]['packets']} packets {q[1]['bytes']} bytes")
    # Each queue pair carries a share of the two transfers each way. The
    # guest sends a flow on its CPU's queue, but the tap answers a flow on
    # the queue it last heard it from, which may not be one queue for the
    # whole transfer: a quarter of one transfer each way is the bar.
    if q[0]["bytes"] < size // 4 or q[1]["bytes"] < size // 4:
        sys.exit(f"device {d['id']} on {tap} carried less than {size // 4} bytes one way")
EOF
fi

ng_finish "$(guest_ip 0)" "$((PUT_PORT + 1))" "$console" "$qpid"
qpid=
for p in "${servers[@]}"; do
	wait "$p" || die "a server (pid $p) failed: $(cat "$VA_TMP"/serve-*.out)"
done
servers=()
ng_console_ok "$console"

for ((i = 0; i < n; i++)); do
	tx=$(ng_tapstat "vatap$i" tx_bytes)
	rx=$(ng_tapstat "vatap$i" rx_bytes)
	want=$SIZE
	[ "${cfg[i]}" = mq ] && want=$((2 * MQ_SIZE))
	log "vatap$i (${cfg[i]}) moved $tx bytes to the guest, $rx from it"
	[ "$tx" -ge "$want" ] && [ "$rx" -ge "$want" ] || die "vatap$i: tap counters too small for the transfers"
done
[ -s "$VA_TMP/console.err" ] && sed 's/^/qemu: /' "$VA_TMP/console.err"
log "PASS: nested guest with NICs $NICS through $VA_DEVNAME: boot $((t_up - t0))s, total $(($(date +%s) - t0))s"
