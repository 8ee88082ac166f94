#!/bin/bash
# va-devices: both
# va-timeout: 300
#
# DPDK's virtio_user PMD drives $VA_DEV as a vhost-kernel backend (it does so for
# any char device that is not /dev/vhost-vdpa*), with a tap that DPDK creates:
#
#   dpdk-testpmd --vdev=virtio_user0,path=$VA_DEV,iface=$TAP
#        | virtqueues in hugepage memory
#   $VA_DEV (worker copies between the rings and the tap socket)
#        |
#   $TAP (kernel side: its counters, and an AF_PACKET sender)
#
# (a) txonly: every packet testpmd put on the TX ring shows up in the tap's
#     rx_packets/rx_bytes (tun counts each frame it accepts from the device,
#     before the stack looks at it, and the stack drops these frames quietly).
# (b) rxonly: frames sent into the tap from the kernel side are counted by tun
#     (tx_packets) when the device takes them from the tap, and each of those must
#     reach testpmd's RX counters; with paced sending none should be lost at all.
set -euo pipefail

TXONLY_SECS=${VA_DPDK_TXONLY_SECS:-4}
RX_FRAMES=${VA_DPDK_RX_FRAMES:-2000}
TAP=vadpdk$$
TAP=${TAP:0:15}
CMD_TIMEOUT=60

log() { printf '%s\n' "$*"; }
die() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 4; }

command -v stdbuf >/dev/null || skip "stdbuf (coreutils) not found"
command -v dpdk-testpmd >/dev/null || skip "dpdk-testpmd not installed (package dpdk-dev)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 not found"
[ -c "$VA_DEV" ] || die "$VA_DEV is not a character device"
[ -d "$VA_TMP" ] || die "VA_TMP is not set to a directory"

tp_pid=
huge_dir=
huge_mounted=
huge_restore=
cleanup() {
	local rc=$?
	set +e
	if [ -n "$tp_pid" ] && kill -0 "$tp_pid" 2>/dev/null; then
		kill "$tp_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$tp_pid" 2>/dev/null
	fi
	exec 9>&- 2>/dev/null
	[ -n "$huge_dir" ] && rm -f "$huge_dir"/va"$$"* 2>/dev/null
	[ -n "$huge_mounted" ] && umount "$huge_dir" 2>/dev/null
	[ -n "$huge_restore" ] && echo "$huge_restore" >/proc/sys/vm/nr_hugepages
	ip link del "$TAP" 2>/dev/null
	exit "$rc"
}
trap cleanup EXIT

# --- hugepages: use the harness's hugetlbfs mount, or make one ----------------
huge_dir=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
if [ -z "$huge_dir" ]; then
	huge_dir=$VA_TMP/huge
	mkdir -p "$huge_dir"
	mount -t hugetlbfs hugetlbfs "$huge_dir" || skip "cannot mount hugetlbfs"
	huge_mounted=1
fi
free_pages=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "${free_pages:-0}" -lt 128 ]; then
	huge_restore=$(cat /proc/sys/vm/nr_hugepages)
	echo $((huge_restore + 128 - free_pages)) >/proc/sys/vm/nr_hugepages
	free_pages=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	[ "$free_pages" -ge 128 ] || skip "only $free_pages free 2M hugepages (need 128)"
fi
log "hugetlbfs at $huge_dir, $free_pages free pages"

# --- testpmd, driven through a fifo like a terminal ----------------------------
out=$VA_TMP/testpmd.out
fifo=$VA_TMP/testpmd.cmd
mkfifo "$fifo"
exec 9<>"$fifo"
extra=()
[ -w /var/run ] || extra+=(--in-memory)
log "starting testpmd on $VA_DEV, tap $TAP"
stdbuf -oL -eL dpdk-testpmd -l 0-1 -n 1 --no-pci -m 200 --huge-dir "$huge_dir" --file-prefix "va$$" \
	"${extra[@]}" --log-level=user1,info \
	--vdev="virtio_user0,path=$VA_DEV,queues=1,queue_size=256,iface=$TAP" \
	-- -i --rxq=1 --txq=1 --nb-cores=1 --total-num-mbufs=4096 \
	<"$fifo" >"$out" 2>&1 &
tp_pid=$!

# wait until $2 occurrences of $1 are in the output (or testpmd dies)
expect() {
	local pat=$1 n=$2 t=${3:-$CMD_TIMEOUT} i
	for ((i = 0; i < t * 10; i++)); do
		if [ "$(grep -cF -- "$pat" "$out")" -ge "$n" ]; then return 0; fi
		kill -0 "$tp_pid" 2>/dev/null || { sed 's/^/testpmd: /' "$out"; die "testpmd exited while waiting for '$pat'"; }
		sleep 0.1
	done
	sed 's/^/testpmd: /' "$out"
	die "timeout (${t}s) waiting for '$pat' from testpmd"
}
nstats=0
# run "show port stats 0" and set RXP RXB TXP TXB from its answer
port_stats() {
	nstats=$((nstats + 1))
	echo "show port stats 0" >&9
	expect "Tx-pps:" "$nstats"
	local vals
	vals=$(awk -v n="$nstats" '
		/NIC statistics for port 0 +#/ { k++ }
		k == n && /RX-packets:/ && rp == "" { rp = $2; rb = $6 }
		k == n && /TX-packets:/ && tp == "" { tp = $2; tb = $6 }
		END { print rp, rb, tp, tb }' "$out")
	read -r RXP RXB TXP TXB <<<"$vals"
	[ -n "$TXB" ] || die "cannot parse port stats"
}
tapstat() { cat "/sys/class/net/$TAP/statistics/$1"; }
# wait until the tap counter $1 stops moving (device drained its queue)
settle() {
	local a b i
	a=$(tapstat "$1")
	for ((i = 0; i < 30; i++)); do
		sleep 1
		b=$(tapstat "$1")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
	die "tap counter $1 still moving after 30 s"
}

expect "testpmd> " 1 120
[ -d "/sys/class/net/$TAP" ] || die "testpmd did not create tap $TAP"
grep -q "Port 0: " "$out" || die "virtio_user port 0 not initialised"
# no IPv6 autoconf or other traffic of the kernel's own on the tap
sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1" 2>/dev/null || true
ip link set "$TAP" up

# --- (a) txonly: testpmd -> device -> tap ---------------------------------------
echo "set fwd txonly" >&9
port_stats
rx0=$(tapstat rx_packets); rxb0=$(tapstat rx_bytes); rxd0=$(tapstat rx_dropped)
echo "start" >&9
expect "packet forwarding - ports=" 1
sleep "$TXONLY_SECS"
echo "stop" >&9
expect "Done." 1
settle rx_packets
port_stats
rx=$(($(tapstat rx_packets) - rx0)); rxb=$(($(tapstat rx_bytes) - rxb0)); rxd=$(($(tapstat rx_dropped) - rxd0))
log "txonly: testpmd sent $TXP packets / $TXB bytes in ${TXONLY_SECS}s ($((TXP / TXONLY_SECS)) pps); tap received $rx packets / $rxb bytes, dropped $rxd"
[ "$TXP" -gt 1000 ] || die "txonly sent only $TXP packets"
# a drop inside tun (e.g. no memory) is the only excuse for a missing packet
[ "$((rx + rxd))" -eq "$TXP" ] || die "txonly: tap saw $rx (+$rxd dropped) of $TXP packets sent"
[ "$rxd" -le "$((TXP / 100))" ] || die "txonly: tap dropped $rxd of $TXP packets"
[ "$rxd" -ne 0 ] || [ "$rxb" -eq "$TXB" ] || die "txonly: tap got $rxb bytes, testpmd sent $TXB"
log "ok: txonly counts match"

# --- (b) rxonly: tap -> device -> testpmd ---------------------------------------
echo "clear port stats all" >&9
echo "set fwd rxonly" >&9
port_stats
[ "$RXP" -eq 0 ] || die "RX-packets not cleared: $RXP"
tx0=$(tapstat tx_packets); txb0=$(tapstat tx_bytes); txd0=$(tapstat tx_dropped)
echo "start" >&9
expect "packet forwarding - ports=" 2
# paced bursts so that tun's queue (tx_queue_len) never overflows on a slow guest
"$PY" - "$TAP" "$RX_FRAMES" <<'EOF'
import socket, struct, sys, time
ifname, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
dst, src = b"\xff" * 6, b"\x02\x00\x00\x00\x00\x01"
total = 0
for i in range(count):
    # frame sizes from 60 to 1514 bytes
    n = 46 + (i * 37) % 1455
    payload = struct.pack("!I", i) + bytes((i + j) & 0xFF for j in range(n - 4))
    total += s.send(dst + src + struct.pack("!H", 0x88B5) + payload)
    if i % 50 == 49:
        time.sleep(0.02)
print("sent", count, "frames,", total, "bytes, into", ifname)
EOF
settle tx_packets
sleep 1
echo "stop" >&9
expect "Done." 2
port_stats
tx=$(($(tapstat tx_packets) - tx0)); txb=$(($(tapstat tx_bytes) - txb0)); txd=$(($(tapstat tx_dropped) - txd0))
log "rxonly: injected $RX_FRAMES frames; tap handed $tx packets / $txb bytes to the device, dropped $txd; testpmd received $RXP packets / $RXB bytes"
[ "$RXP" -eq "$tx" ] || die "rxonly: the device took $tx packets from the tap but testpmd got $RXP"
[ "$RXB" -eq "$txb" ] || die "rxonly: the device took $txb bytes from the tap but testpmd got $RXB"
[ "$((tx + txd))" -ge "$RX_FRAMES" ] || die "rxonly: tap accounts for only $((tx + txd)) of $RX_FRAMES frames"
[ "$RXP" -ge "$RX_FRAMES" ] || die "rxonly: testpmd got $RXP of $RX_FRAMES frames ($txd dropped in tun)"
log "ok: rxonly counts match"

echo "quit" >&9
for _ in $(seq 100); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$tp_pid" 2>/dev/null; then die "testpmd did not quit"; fi
wait "$tp_pid" || die "testpmd exit status $?"
tp_pid=
grep -E "Error|error:|fail|FAIL" "$out" | sed 's/^/testpmd: /' || true
log "PASS: dpdk txonly/rxonly through $VA_DEVNAME"
