#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# va-devices: none
# va-timeout: 3600
#
# The nested-QEMU part of `make bench` (scripts/bench runs it in the test VM
# with both devices loaded). One nested guest (TCG inside TCG, 1 vCPU) with a
# virtio-net NIC per engine, so that one boot (minutes) serves every engine:
#
#   engine       tap (test VM)        QEMU netdev                      guest
#   userspace    vbtap0 10.0.2.1/24   tap, vhost=off                   eth0 10.0.2.15
#   vhost-net    vbtap1 10.0.3.1/24   tap, vhost=on, vhostfd=7 (/dev/vhost-net)   eth1 10.0.3.15
#   vhost-accel  vbtap2 10.0.4.1/24   tap, vhost=on, vhostfd=8 (/dev/vhost-accel) eth2 10.0.4.15
#
# That is round 1's layout. A NIC's place counts: in two boots on one host
# the ping median of whichever engine sat on eth2 was 370 to 1100 us longer
# than on eth0. So each round boots the guest again with the NICs rotated
# (round 2: vhost-accel userspace vhost-net, round 3: vhost-net vhost-accel
# userspace, and so on), and over 3 rounds every engine has had every NIC
# once; with 6 or more rounds, ROUNDS/3 rounds share a boot.
# BENCH_NIC_ORDER (say "vhost-accel vhost-net userspace") fixes one layout
# instead and boots once; BENCH_NIC_ROTATE=0 boots once with the default
# layout.
#
# The guest (tests/guest/init with va.iperf=PORT, its initramfs built with
# --with iperf3 --with ethtool) runs an iperf3 server on each NIC's address,
# and on PORT+1 an httpd whose /cgi-bin/nicstat reports each NIC's kicks and
# interrupts. Then R rounds; each round measures every engine once, figure by
# figure, in an order that rotates (round 1: userspace vhost-net vhost-accel,
# round 2: vhost-net vhost-accel userspace, ...), each on its own NIC:
#
#   tcp_h2g  iperf3 -c GUEST (the test VM sends): Mbit/s from the tap's
#            tx_bytes over BENCH_SECS, timed in the test VM, after the flow
#            has run for a second (the nested guest's clock drifts)
#   tcp_g2h  the same with -R (the guest sends), from the tap's rx_bytes
#   lat      BENCH_PINGS echo requests from the test VM, each sent when the
#            reply to the one before has come (busybox ping -A; one in flight,
#            a second's wait for a lost one): min, median and p99 of the
#            round-trip times, microseconds. Not at a fixed rate: 100 a second
#            (-i 0.01) kept the nested guest's vCPU 50% busy on a good minute
#            and 95% on a bad one, which measured its queue, not the engines
#
# For TCP, the guest's side of the engine's cost, read from nicstat before
# iperf3 starts and after it has ended (through another engine's NIC): the
# interrupts the guest took on the NIC's RX and TX queues and the kicks its
# driver sent on each, with the packets the guest received and sent in the
# same window (the tap's counters after each read): the whole flow, not only
# the interval, since a read under the flow took seconds. Notification
# counts are the part of a figure an engine decides (when it signals, when it
# asks to be kicked), and each one costs the nested guest an emulated
# interrupt or MMIO exit.
#
# And over each interval the CPU time (utime+stime in /proc/TID/task/TID/stat, clock
# ticks) of the engine's thread: the device's worker (vhost-PID for
# vhost-net, vaccel-PID for vhost-accel, PID = QEMU's), or for the userspace
# engine, which has none, QEMU's main-loop thread (it reads and writes the
# tap; the vCPU thread does the rest of that engine's work, so it is only
# part of the cost). Also QEMU's own CPU time, all its threads but the
# workers, for every engine (and its vCPU thread's share of a CPU alone): for userspace that is the engine's whole cost,
# for the others their cost is worker + QEMU. Each divided by the packets of
# the interval: the data direction's tap packets for TCP (GSO frames count
# once: with offloads, one packet can carry up to 64 KiB), both directions
# for ping. iperf3's own figure (-J, the receiver's) is printed beside ours.
#
# CPUs (with 3 or more): QEMU's vCPU thread alone on the last CPU, so that
# the guest runs as fast with every engine; every other QEMU thread and the
# workers on CPU 0, the engines' CPU; this script, iperf3 and ping on CPU 1.
#
# Output: "VA-BENCH round=R engine=E fig=F ..." lines that scripts/bench
# collects; settings from $VA_BUILD/bench/bench.conf (scripts/bench writes
# it): BENCH_ROUNDS (3), BENCH_SECS (5), BENCH_PINGS (200), BENCH_TSO_SEGS
# (44; 0 leaves the kernels' default, 2).
#
# TSO frames: both ends (the test VM and the nested guest, on its kernel
# command line) build TCP segments of at least BENCH_TSO_SEGS MSS
# (net.ipv4.tcp_min_tso_segs; 44 x 1448 bytes is 64 KiB). With the default,
# TCP sizes them from its pacing rate, which under nested emulation is low
# and swings with the guest's drifting clock: in a trial run the same engine
# sent 48 KB frames at 49 Mbit/s in one round and 3 KB frames at 4 Mbit/s
# in the next. Fixed frame sizes make the engines' figures comparable.
set -euo pipefail

# shellcheck source=tests/cases/lib/nested.sh
. "$VA_ROOT/tests/cases/lib/nested.sh"

conf=$VA_BUILD/bench/bench.conf
# shellcheck source=/dev/null
[ -r "$conf" ] && . "$conf"
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-5}
PINGS=${BENCH_PINGS:-200}
TSO_SEGS=${BENCH_TSO_SEGS:-44}
ENGINES=(userspace vhost-net vhost-accel)
# The engines' NICs, first to last: rotated each round (a fresh boot each),
# or fixed by BENCH_NIC_ORDER. Swapping them shows whether a figure follows
# the engine or its NIC (PCI slot, IRQ, address).
ROTATE=${BENCH_NIC_ROTATE:-1}
[ -z "${BENCH_NIC_ORDER:-}" ] || ROTATE=0
read -r -a slots <<<"${BENCH_NIC_ORDER:-${ENGINES[*]}}"
declare -A NIC=() WTID=()
for i in "${!slots[@]}"; do NIC[${slots[$i]}]=$i; done
BOOT_TIMEOUT=${VA_NESTED_BOOT_TIMEOUT:-1800}
SETTLE_MAX=30
PORT=5201
WARM=1
# iperf3 runs this long: the flow's start, WARM, the interval and a margin
FLOW_SECS=$((WARM + SECS + 4))
HZ=$(getconf CLK_TCK)

# VA-BENCH lines go out bare (log's "[  12s] " would hide them from scripts/bench)
out() { printf '%s\n' "$*"; }

for e in vhost-net vhost-accel; do
	[ -c "/dev/$e" ] || die "/dev/$e is missing (run with --devices \"vhost-net vhost-accel\")"
done
VA_DEV=/dev/vhost-accel ng_require
command -v iperf3 >/dev/null || skip "iperf3 not installed"
command -v taskset >/dev/null || skip "taskset (util-linux) not found"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $SECS =~ ^[1-9][0-9]*$ && $PINGS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_ROUNDS, BENCH_SECS and BENCH_PINGS must be positive integers"
[[ $TSO_SEGS =~ ^[0-9]+$ ]] || die "BENCH_TSO_SEGS must be a number"
[[ $ROTATE == [01] ]] || die "BENCH_NIC_ROTATE must be 0 or 1, not '$ROTATE'"
nic_order_bad="BENCH_NIC_ORDER must name each of ${ENGINES[*]} once, not '${slots[*]}'"
[ "${#slots[@]}" -eq "${#ENGINES[@]}" ] || die "$nic_order_bad"
for e in "${ENGINES[@]}"; do
	[ -n "${NIC[$e]:-}" ] || die "$nic_order_bad"
done

ncpu=$(nproc)
if [ "$ncpu" -ge 3 ]; then
	ENGINE_CPU=0 LOAD_CPU=1 GUEST_CPU=$((ncpu - 1))
else
	ENGINE_CPU='' LOAD_CPU='' GUEST_CPU=''
	log "NOTE: only $ncpu CPUs: nothing pinned, the guest, the engines and iperf3 share them (VA_SMP=3 separates them)"
fi

qpid=
tso0=
cleanup() {
	local rc=$? i
	set +e
	ng_stop "$qpid"
	for i in 0 1 2; do ip link del "vbtap$i" 2>/dev/null; done
	[ -z "$tso0" ] || sysctl -qw "net.ipv4.tcp_min_tso_segs=$tso0"
	exit "$rc"
}
trap cleanup EXIT

host_ip() { echo "10.0.$((2 + $1)).1"; }
guest_ip() { echo "10.0.$((2 + $1)).15"; }

# a sleep that runs no program (read -t on a FIFO nobody writes)
mkfifo "$VA_TMP/idle"
exec 6<>"$VA_TMP/idle"
idle() { read -r -t "$1" -u 6 _ || true; }

# The nested guest's initramfs with iperf3: the one scripts/bench built on
# the host if it is newer than its sources, else one built here, in $VA_TMP
# (the repository is read-only in the test VM; here that takes half a minute,
# on the host a second). The kernel likewise (ng_kernel).
initrd=$VA_BUILD/$VA_KVER/guest-initramfs-iperf.cpio.gz
src=$VA_ROOT/tests/guest
if [ ! -f "$initrd" ] || [ "$src/init" -nt "$initrd" ] || [ "$src/build-initramfs" -nt "$initrd" ]; then
	initrd=$VA_TMP/guest-initramfs-iperf.cpio.gz
	"$src/build-initramfs" --with iperf3 --with ethtool "$VA_KVER" "$initrd" ||
		die "tests/guest/build-initramfs --with iperf3 --with ethtool failed"
fi
kernel=$(ng_kernel)

# boot_guest: taps, then the nested guest with a NIC per engine in the
# layout of slots[] (NIC[] maps an engine to its NIC). Sets qpid, console,
# boot_s, workers[], WTID[], vcpu; returns once every NIC answers a ping.
boot_guest() {
	local e i tap vh held f t
	# a new guest counts from zero
	G_FRESH=0
	NIC=()
	for i in "${!slots[@]}"; do NIC[${slots[$i]}]=$i; done
	qargs=()
	for e in "${ENGINES[@]}"; do
		i=${NIC[$e]}
		tap=vbtap$i
		ip tuntap add dev "$tap" mode tap vnet_hdr
		sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" 2>/dev/null || true
		ip addr add "$(host_ip "$i")/24" dev "$tap"
		ip link set "$tap" up
		case $e in
		userspace) vh=vhost=off ;;
		vhost-net) vh=vhost=on,vhostfd=7 ;;
		vhost-accel) vh=vhost=on,vhostfd=8 ;;
		esac
		qargs+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no,$vh"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:12:35:$((56 + i)),addr=$((3 + i)),romfile=")
	done
	append="$NG_APPEND va.ip=$(guest_ip 0)/24 va.peer=$(host_ip 0) va.nics=3 va.ping=1 va.iperf=$PORT"
	if [ "$TSO_SEGS" -gt 0 ]; then
		append+=" sysctl.net.ipv4.tcp_min_tso_segs=$TSO_SEGS"
	fi
	log "nested guest, NICs eth0-eth2: ${slots[*]}"

	exec 7<>/dev/vhost-net 8<>/dev/vhost-accel
	console=$VA_TMP/console.log
	: >"$console"
	t0=$(date +%s)
	taskset -c "0-$((ncpu - 1))" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-name nested,debug-threads=on -machine pc,accel=tcg -m 384 -smp 1 \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-serial "file:$console" "${qargs[@]}" 2>"$VA_TMP/console.err" &
	qpid=$!
	# QEMU has its copies
	exec 7<&- 8<&-
	[ -z "$LOAD_CPU" ] || taskset -pc "$LOAD_CPU" $$ >/dev/null

	ng_wait "$console" '^VA-GUEST iperf ready' "$BOOT_TIMEOUT" "$qpid"
	boot_s=$(($(date +%s) - t0))
	log "guest up, iperf3 servers listening, after ${boot_s}s"

	# QEMU holds each device once, and each has one worker
	for e in vhost-net vhost-accel; do
		held=0
		for f in /proc/"$qpid"/fd/*; do
			[ "$(readlink "$f" || true)" = "/dev/$e" ] && held=$((held + 1))
		done
		[ "$held" -eq 1 ] || die "QEMU (pid $qpid) holds /dev/$e $held times, not once"
	done
	WTID=()
	mapfile -t workers < <(ng_workers "$qpid")
	for t in "${workers[@]}"; do
		case $(cat "/proc/$t/comm") in
		vhost-*) WTID[vhost-net]=${WTID[vhost-net]:+${WTID[vhost-net]} }$t ;;
		vaccel-*) WTID[vhost-accel]=${WTID[vhost-accel]:+${WTID[vhost-accel]} }$t ;;
		esac
	done
	if [ "${#workers[@]}" -ne 2 ] || [ -z "${WTID[vhost-net]:-}" ] || [ -z "${WTID[vhost-accel]:-}" ]; then
		die "want one vhost-$qpid and one vaccel-$qpid worker, found: $(ng_comms "${workers[@]}")"
	fi
	# the userspace engine's thread: QEMU's main loop (its TID is QEMU's pid)
	WTID[userspace]=$qpid
	log "QEMU pid $qpid; workers: $(ng_comms "${workers[@]}")"

	# the vCPU thread, by the name debug-threads=on gives it
	vcpu=
	for f in /proc/"$qpid"/task/[0-9]*; do
		[ "$(cat "$f/comm")" = "CPU 0/TCG" ] && vcpu=${f##*/}
	done
	if [ -n "$GUEST_CPU" ] && [ -z "$vcpu" ]; then
		log "NOTE: no 'CPU 0/TCG' thread in QEMU $qpid: nothing pinned"
	elif [ -n "$GUEST_CPU" ]; then
		taskset -a -pc "$ENGINE_CPU" "$qpid" >/dev/null
		taskset -pc "$GUEST_CPU" "$vcpu" >/dev/null
		for t in "${workers[@]}"; do taskset -pc "$ENGINE_CPU" "$t" >/dev/null; done
		log "pinned: vCPU thread $vcpu on CPU $GUEST_CPU; QEMU's other threads and the workers on CPU $ENGINE_CPU; iperf3, ping and this script on CPU $LOAD_CPU"
	fi

	# every NIC answers (and ARP is settled) before anything is measured
	for e in "${ENGINES[@]}"; do
		busybox ping -c 2 -W 10 "$(guest_ip "${NIC[$e]}")" >"$VA_TMP/ping0.out" 2>&1 ||
			{ cat "$VA_TMP/ping0.out"; die "$e: no ping reply from $(guest_ip "${NIC[$e]}")"; }
	done
}

# stop_guest: its console checked and quoted, QEMU stopped, the taps gone
stop_guest() {
	local i
	ng_console_ok "$console"
	# what the nested kernel said (its clocksource, for one: a TSC found
	# unstable makes every clock read an emulated HPET access)
	log "nested guest's kernel lines (last 30):"
	tr -d '\r' <"$console" | grep -a '^\[' | tail -n 30 | ng_quote
	ng_stop "$qpid"
	qpid=
	[ -s "$VA_TMP/console.err" ] && sed 's/^/qemu: /' "$VA_TMP/console.err"
	for i in 0 1 2; do ip link del "vbtap$i" 2>/dev/null || true; done
}

log "nested guest: kernel $kernel, initramfs $initrd ($(wc -c <"$initrd") bytes)"
if [ "$TSO_SEGS" -gt 0 ]; then
	tso0=$(sysctl -n net.ipv4.tcp_min_tso_segs)
	sysctl -qw "net.ipv4.tcp_min_tso_segs=$TSO_SEGS"
fi
t_part=$(date +%s)

# ticks TID...: sets TICKS to those threads' utime+stime, with shell builtins
# only (ng_cputime forks for each; under TCG a fork is slow enough to skew the
# interval). /proc/TID/task/TID/stat, not /proc/TID/stat: the latter sums the
# whole thread group, QEMU's every thread for any of its TIDs.
ticks() {
	local t line
	local -a f
	TICKS=0
	for t in "$@"; do
		read -r line <"/proc/$t/task/$t/stat" || continue
		# the fields after "(comm) ", which may hold spaces: state=0 ... utime=11 stime=12
		read -r -a f <<<"${line##*) }"
		TICKS=$((TICKS + f[11] + f[12]))
	done
}
# snap ENGINE: the tap's counters (S_TXP S_RXP packets, S_TXB S_RXB bytes),
# the engine thread's ticks (S_WK), QEMU's ticks without the workers (S_QEMU),
# its vCPU thread's (S_VCPU) and main thread's (S_MAIN), and the wall clock
# (S_US, microseconds)
snap() {
	local tap=vbtap${NIC[$1]} f t
	local -a tids=()
	S_US=${EPOCHREALTIME/./}
	read -r S_TXP <"/sys/class/net/$tap/statistics/tx_packets"
	read -r S_RXP <"/sys/class/net/$tap/statistics/rx_packets"
	read -r S_TXB <"/sys/class/net/$tap/statistics/tx_bytes"
	read -r S_RXB <"/sys/class/net/$tap/statistics/rx_bytes"
	# shellcheck disable=SC2086 # one or more TIDs
	ticks ${WTID[$1]}
	S_WK=$TICKS
	for f in /proc/"$qpid"/task/[0-9]*; do
		t=${f##*/}
		[[ " ${workers[*]} " == *" $t "* ]] || tids+=("$t")
	done
	ticks "${tids[@]}"
	S_QEMU=$TICKS
	S_VCPU=0
	if [ -n "$vcpu" ]; then
		ticks "$vcpu"
		S_VCPU=$TICKS
	fi
	ticks "$qpid"
	S_MAIN=$TICKS
}
save() { P_US=$S_US P_TXP=$S_TXP P_RXP=$S_RXP P_TXB=$S_TXB P_RXB=$S_RXB P_WK=$S_WK P_QEMU=$S_QEMU P_VCPU=$S_VCPU P_MAIN=$S_MAIN; }
# the shares of a CPU of QEMU's vCPU thread and main thread over the interval of US
thread_pcts() {
	echo "vcpu_cpu_pct=$(((S_VCPU - P_VCPU) * 100000000 / HZ / $1))" \
		"main_cpu_pct=$(((S_MAIN - P_MAIN) * 100000000 / HZ / $1))"
}

# cpu NAME TICKS PACKETS US: "NAME_ns_pkt=N NAME_cpu_pct=N"
cpu() {
	local ns=0
	[ "$3" -gt 0 ] && ns=$(($2 * 1000000000 / HZ / $3))
	echo "$1_ns_pkt=$ns $1_cpu_pct=$(($2 * 100000000 / HZ / $4))"
}
# the engine thread's name in the lines
wname() {
	case $1 in
	userspace) echo qemu-main ;;
	vhost-net) echo "vhost-$qpid" ;;
	vhost-accel) echo "vaccel-$qpid" ;;
	esac
}

# settle ENGINE FIG: wait, up to SETTLE_MAX seconds, until the nested guest's
# vCPU thread has used less than a third of a CPU over half a second. Its one
# vCPU serves every NIC, so what a figure leaves running in the guest (seen:
# the vCPU at 95% and QEMU's main loop at 50% through a whole ping figure
# after a TCP one) would count against the next. Sets SETTLE_MS.
settle() {
	local t0=${EPOCHREALTIME/./} a b m0 m1 n
	SETTLE_MS=0
	[ -n "$vcpu" ] || return 0
	for ((n = 0; n < SETTLE_MAX * 2; n++)); do
		ticks "$vcpu"
		a=$TICKS
		ticks "$qpid"
		m0=$TICKS
		idle 0.5
		ticks "$vcpu"
		b=$TICKS
		ticks "$qpid"
		m1=$TICKS
		[ $(((b - a) * 6)) -lt "$HZ" ] && break
	done
	SETTLE_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	[ "$SETTLE_MS" -lt 1500 ] ||
		log "NOTE: before $1 $2 the guest was busy for ${SETTLE_MS} ms (last half second: vCPU thread $(((b - a) * 200 / HZ))%, QEMU's main thread $(((m1 - m0) * 200 / HZ))%)"
}

# gstat VIA: the nested guest's counts so far for every NIC I (0..2), read
# from its nicstat page through NIC VIA: G_IRQ_RX[I] and G_IRQ_TX[I]
# (interrupts of its RX and TX queue), G_KICK_RX[I] and G_KICK_TX[I] (kicks
# its driver sent on them), -1 where unknown (no page; no ethtool in the
# guest), and G_RXP[I] and G_TXP[I], the packets the guest had received and
# sent on it (the tap's tx and rx, read after the page came). A read takes
# the nested guest 3 to 7 s (a CGI shell and three ethtool runs under
# TCG-in-TCG; under a TCP flow, up to 12 s), so bench_tcp reads between
# flows, once for the flow before and the flow after (G_FRESH).
declare -A G_IRQ_RX=() G_IRQ_TX=() G_KICK_RX=() G_KICK_TX=() G_RXP=() G_TXP=()
G_FRESH=0
gstat() {
	local t0=${EPOCHREALTIME/./} ms i irx itx krx ktx
	for i in "${!slots[@]}"; do
		G_IRQ_RX[$i]=-1 G_IRQ_TX[$i]=-1 G_KICK_RX[$i]=-1 G_KICK_TX[$i]=-1
	done
	# (no wget -T: busybox 1.35's wget crashes with it)
	if timeout 30 busybox wget -q -O "$VA_TMP/nicstat" \
		"http://$(guest_ip "$1"):$((PORT + 1))/cgi-bin/nicstat" 2>"$VA_TMP/nicstat.err"; then
		if [ -z "${NICSTAT_SHOWN:-}" ]; then
			NICSTAT_SHOWN=1
			log "the guest's nicstat page, as first read:"
			ng_quote <"$VA_TMP/nicstat"
		fi
		# "nic ethI virtioN", its kick counters ("rx_queue_0_kicks: N" on
		# 6.1, "rx0_kicks: N" on 6.12), then /proc/interrupts, where
		# "virtioN-input.0" has a count per CPU after the IRQ number;
		# out: "I IRQ_RX IRQ_TX KICK_RX KICK_TX" per NIC
		while read -r i irx itx krx ktx; do
			G_IRQ_RX[$i]=$irx G_IRQ_TX[$i]=$itx G_KICK_RX[$i]=$krx G_KICK_TX[$i]=$ktx
		done < <(awk '
			function total(  s, k) {
				for (k = 2; k <= NF && $k ~ /^[0-9]+$/; k++)
					s += $k
				return s
			}
			function num(x) { return x == "" ? -1 : x }
			$1 == "nic" && $2 ~ /^eth[0-9]+$/ {
				cur = substr($2, 4); dev[$3] = cur; nics[cur] = 1; next
			}
			$1 ~ /^CPU/ { cur = "" }
			cur != "" && $1 ~ /^rx(_queue_)?0_kicks:$/ { krx[cur] = $2 }
			cur != "" && $1 ~ /^tx(_queue_)?0_kicks:$/ { ktx[cur] = $2 }
			$NF ~ /^virtio[0-9]+-input\.0$/ { irx[dev[substr($NF, 1, index($NF, "-") - 1)]] = total() }
			$NF ~ /^virtio[0-9]+-output\.0$/ { itx[dev[substr($NF, 1, index($NF, "-") - 1)]] = total() }
			END {
				for (n in nics)
					print n, num(irx[n]), num(itx[n]), num(krx[n]), num(ktx[n])
			}' "$VA_TMP/nicstat")
	else
		log "NOTE: no nicstat page from the guest ($(head -c 200 "$VA_TMP/nicstat.err"))"
	fi
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	[ "$ms" -lt 10000 ] || log "NOTE: reading the guest's counts took $ms ms"
	for i in "${!slots[@]}"; do
		read -r "G_RXP[$i]" <"/sys/class/net/vbtap$i/statistics/tx_packets"
		read -r "G_TXP[$i]" <"/sys/class/net/vbtap$i/statistics/rx_packets"
	done
	G_FRESH=1
}

# gdelta NAME BEFORE AFTER: "NAME=AFTER-BEFORE", or nothing if either is unknown
gdelta() { [ "$2" -lt 0 ] || [ "$3" -lt 0 ] || echo "$1=$(($3 - $2))"; }

# bench_tcp ENGINE ROUND h2g|g2h
bench_tcp() {
	local e=$1 r=$2 dir=$3 i=${NIC[$1]} json ipid b0 n us pkts acks bytes mbps rest ipf retr guest via
	local -a rev=() g0
	json=$VA_TMP/iperf-$r-$e-$dir.json
	[ "$dir" = g2h ] && rev=(-R)
	# the guest's counts over the whole flow, read while no flow runs (the
	# read after the TCP flow before serves, if nothing ran since); through
	# the next engine's NIC
	via=$(((i + 1) % ${#slots[@]}))
	[ "$G_FRESH" = 1 ] || gstat "$via"
	g0=("${G_IRQ_RX[$i]}" "${G_IRQ_TX[$i]}" "${G_KICK_RX[$i]}" "${G_KICK_TX[$i]}" "${G_RXP[$i]}" "${G_TXP[$i]}")
	G_FRESH=0
	settle "$e" "tcp_$dir"
	snap "$e"
	b0=$S_TXB
	[ "$dir" = g2h ] && b0=$S_RXB
	timeout $((FLOW_SECS + 120)) iperf3 -c "$(guest_ip "$i")" -B "$(host_ip "$i")" -p "$PORT" \
		-t "$FLOW_SECS" "${rev[@]}" -J >"$json" 2>"$json.err" &
	ipid=$!
	# the flow has started when 64 KiB went its way (setup takes seconds here)
	for ((n = 0; ; n++)); do
		snap "$e"
		if [ "$dir" = h2g ]; then [ $((S_TXB - b0)) -ge 65536 ] && break
		else [ $((S_RXB - b0)) -ge 65536 ] && break; fi
		kill -0 "$ipid" 2>/dev/null || { cat "$json" "$json.err"; die "$e $dir: iperf3 ended before its flow started"; }
		[ "$n" -lt 1200 ] || die "$e $dir: no flow after 120 s"
		idle 0.1
	done
	idle "$WARM"
	snap "$e"
	save
	idle "$SECS"
	snap "$e"
	rest=
	kill -0 "$ipid" 2>/dev/null || rest="overran=1"
	wait "$ipid" || { cat "$json" "$json.err"; die "$e $dir: iperf3 failed"; }
	gstat "$via"
	guest="$(gdelta g_irq_rx "${g0[0]}" "${G_IRQ_RX[$i]}") $(gdelta g_irq_tx "${g0[1]}" "${G_IRQ_TX[$i]}")"
	guest+=" $(gdelta g_kick_rx "${g0[2]}" "${G_KICK_RX[$i]}") $(gdelta g_kick_tx "${g0[3]}" "${G_KICK_TX[$i]}")"
	guest+=" g_rxp=$((G_RXP[$i] - g0[4])) g_txp=$((G_TXP[$i] - g0[5]))"
	us=$((S_US - P_US))
	if [ "$dir" = h2g ]; then
		pkts=$((S_TXP - P_TXP)) acks=$((S_RXP - P_RXP)) bytes=$((S_TXB - P_TXB))
	else
		pkts=$((S_RXP - P_RXP)) acks=$((S_TXP - P_TXP)) bytes=$((S_RXB - P_RXB))
	fi
	[ -n "$rest" ] && log "NOTE: $e $dir: iperf3 had ended before the interval did; raise the margin in FLOW_SECS"
	mbps=$((bytes * 800 / us))
	mbps=$((mbps / 100)).$(printf '%02d' $((mbps % 100)))
	# iperf3's own figure: the receiver's bytes over the receiver's time
	# (for h2g that is the nested guest's clock), and the sender's retransmits
	read -r ipf retr < <("$NG_PY" - "$json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
if "error" in j:
    sys.exit("iperf3: " + j["error"])
e = j["end"]
print("%.2f %d" % (e["sum_received"]["bits_per_second"] / 1e6, e["sum_sent"].get("retransmits", -1)))
EOF
) || die "$e $dir: cannot read iperf3's JSON ($json)"
	out "VA-BENCH round=$r engine=$e fig=tcp_$dir mbit_s=$mbps pkts=$pkts acks=$acks bytes=$bytes" \
		"$(cpu worker $((S_WK - P_WK)) "$pkts" "$us") $(cpu qemu $((S_QEMU - P_QEMU)) "$pkts" "$us")" \
		"$(thread_pcts "$us") ms=$((us / 1000)) iperf_mbit_s=$ipf retrans=$retr settle_ms=$SETTLE_MS worker=$(wname "$e")" \
		"$guest $rest"
	[ "$pkts" -gt 0 ] || die "$e $dir: no packets in the interval"
}

# bench_lat ENGINE ROUND
bench_lat() {
	local e=$1 r=$2 i=${NIC[$1]} o us pkts stats
	# the pings count on the NIC: the next TCP flow reads the guest afresh
	G_FRESH=0
	o=$VA_TMP/ping-$r-$e.out
	settle "$e" lat
	snap "$e"
	save
	busybox ping -A -c "$PINGS" -w $((PINGS + 60)) "$(guest_ip "$i")" >"$o" 2>&1 || true
	snap "$e"
	us=$((S_US - P_US))
	pkts=$((S_TXP - P_TXP + S_RXP - P_RXP))
	# min, median, p99 (nearest rank) of the replies' times, microseconds
	stats=$(sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$o" | sort -n | awk -v want="$PINGS" '
		{ t[NR] = $1 * 1000 }
		END {
			if (NR == 0) { print "replies=0"; exit }
			med = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
			k = int(NR * 0.99); if (k < NR * 0.99) k++
			printf "min_us=%d median_us=%d p99_us=%d replies=%d lost=%d", t[1], med, t[k], NR, want - NR
		}')
	out "VA-BENCH round=$r engine=$e fig=lat $stats pkts=$pkts" \
		"$(cpu worker $((S_WK - P_WK)) "$pkts" "$us") $(cpu qemu $((S_QEMU - P_QEMU)) "$pkts" "$us")" \
		"$(thread_pcts "$us") ms=$((us / 1000)) settle_ms=$SETTLE_MS worker=$(wname "$e")"
	[[ $stats != replies=0 ]] || { cat "$o"; die "$e: no ping replies"; }
}

# the test VM's clocksource: with hpet (TCG's TSC often fails calibration),
# every clock read of the nested QEMU's main loop is an emulated MMIO access
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
nics=$(IFS=,; echo "${slots[*]}")
[ "$ROTATE" = 1 ] && nics=rotated
out "VA-BENCH-CONF part=nested rounds=$ROUNDS secs=$SECS pings=$PINGS tso_segs=$TSO_SEGS cpus=$ncpu engine_cpu=${ENGINE_CPU:--}" \
	"guest_cpu=${GUEST_CPU:--} load_cpu=${LOAD_CPU:--} hz=$HZ kernel=$(uname -r) clocksource=$(cat "$cs")" \
	"nics=$nics"
# With rotation, ROUNDS/3 rounds (at least one) per layout, a boot each.
per_boot=$((ROUNDS >= 6 ? ROUNDS / 3 : 1))
nengines=${#ENGINES[@]}
boots=0 layout=-1
for ((round = 1; round <= ROUNDS; round++)); do
	# the NICs rotate the other way from the order of measuring, so that
	# the engine measured first is not always the one on eth0
	want=$(((round - 1) / per_boot % nengines))
	if [ "$ROTATE" = 1 ] && [ "$want" -ne "$layout" ]; then
		layout=$want
		[ -z "$qpid" ] || stop_guest
		slots=()
		for ((k = 0; k < nengines; k++)); do
			slots+=("${ENGINES[(k - layout + nengines) % nengines]}")
		done
	fi
	if [ -z "$qpid" ]; then
		boot_guest
		boots=$((boots + 1))
		out "VA-BENCH-BOOT round=$round boot_s=$boot_s nics=$(IFS=,; echo "${slots[*]}")"
	fi
	order=()
	for ((k = 0; k < nengines; k++)); do
		order+=("${ENGINES[(k + round - 1) % nengines]}")
	done
	log "round $round: ${order[*]}; NICs eth0-eth2: ${slots[*]}"
	# figure by figure, every engine in turn: the three measurements of a
	# figure lie within a minute of each other, so that the guest's and the
	# host's drift over a round (seen: 2 to 4 times in a boot) counts less
	for fig in h2g g2h lat; do
		for e in "${order[@]}"; do
			kill -0 "$qpid" 2>/dev/null || { ng_dump "$console"; die "QEMU (pid $qpid) exited"; }
			if [ "$fig" = lat ]; then
				bench_lat "$e" "$round"
			else
				bench_tcp "$e" "$round" "$fig"
			fi
		done
	done
done
stop_guest
log "nested part done: $boots boot(s) of the nested guest, total $(($(date +%s) - t_part))s; the test VM's clocksource: $(cat "$cs")"
out "VA-BENCH-DONE part=nested"
