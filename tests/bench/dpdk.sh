#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# va-devices: none
# va-timeout: 1500
#
# The DPDK half of `make bench` (scripts/bench runs it in the test VM; the
# module must be loaded, so the harness runs it with both devices). One boot,
# R rounds; each round runs every engine once, in alternating order
# (round 1: vhost-net then vhost-accel, round 2 the other way round, ...):
#
#   dpdk-testpmd --vdev=virtio_user0,path=/dev/ENGINE,iface=$TAP
#        | virtqueues in hugepage memory (forwarding lcore on CPU 2)
#   /dev/ENGINE worker thread (vhost-PID or vaccel-PID, pinned to CPU 0)
#        |
#   $TAP  <- pktgen (kpktgend_1, CPU 1) for the RX figures
#
#   txonly SIZE: frames testpmd sends, counted by the tap's rx_packets over
#                BENCH_SECS after a one-second warm-up
#   rxonly SIZE: pktgen sends SIZE-byte frames into the tap as fast as it can;
#                the frames the device takes from the tap (its tx_packets) are
#                the figure; pktgen's own rate and the tap's tx_dropped show
#                whether the generator was the limit
#   worker CPU:  utime+stime of the worker thread (/proc/TID/stat) over the
#                same interval, divided by the packets moved
#   RX kicks:    vhost-accel only (vhost-net has no such counter): kicks of
#                its RX queue per second over the interval (vhostctl -s dev
#                show), i.e. how often the worker ran out of guest buffers
#   memcpy:      single-core memcpy bandwidth of the VM (python3 bytearray
#                slice copy of 64 MiB, i.e. libc memcpy), once per round
#
# Every figure is printed as one "VA-BENCH key=value ..." line; the host
# (scripts/bench) collects them from the console. Settings come from
# $VA_BUILD/bench/bench.conf (written by scripts/bench): BENCH_ROUNDS (3),
# BENCH_SECS (5), BENCH_SIZES ("64 1518"), BENCH_QSIZE (256), BENCH_PROFILE
# (empty; 1: perf samples the worker's CPU during each figure and the
# hottest symbols are printed as "VA-PROFILE" lines, at some cost to the
# figures themselves).
set -euo pipefail

conf=$VA_BUILD/bench/bench.conf
# shellcheck source=/dev/null
[ -r "$conf" ] && . "$conf"
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-5}
SIZES=${BENCH_SIZES:-64 1518}
QSIZE=${BENCH_QSIZE:-256}
PROFILE=${BENCH_PROFILE:-}
PROFILE_TOP=25
ENGINES=(vhost-net vhost-accel)
CMD_TIMEOUT=90
HZ=$(getconf CLK_TCK)
PY=/usr/bin/python3
VHOSTCTL=$VA_ROOT/tools/vhostctl/vhostctl

log() { printf '%s\n' "$*"; }
die() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 4; }

command -v dpdk-testpmd >/dev/null || skip "dpdk-testpmd not installed (package dpdk-dev)"
command -v stdbuf >/dev/null || skip "stdbuf (coreutils) not found"
[ -x "$VHOSTCTL" ] || die "$VHOSTCTL not built (make tools)"
[ -x "$PY" ] || skip "python3 not found"
for e in "${ENGINES[@]}"; do
	[ -c "/dev/$e" ] || die "/dev/$e is missing (run with --devices \"vhost-net vhost-accel\")"
done
ncpu=$(nproc)
[ "$ncpu" -ge 3 ] || log "NOTE: only $ncpu CPUs: the generator, testpmd and the worker share them (VA_SMP=3 separates them)"
WORKER_CPU=0
GEN_CPU=$((ncpu >= 3 ? 1 : 0))
FWD_CPU=$((ncpu - 1))
MAIN_CPU=$((FWD_CPU >= 1 ? FWD_CPU - 1 : 0))
if [ -n "$PROFILE" ] && ! perf --version >/dev/null 2>&1; then
	die "BENCH_PROFILE needs perf (package linux-perf)"
fi
modprobe pktgen || skip "cannot load pktgen"
# this script's own work (counters, commands) shares the generator's CPU
taskset -pc "$GEN_CPU" $$ >/dev/null
[ -w /proc/net/pktgen/pgctrl ] || skip "no /proc/net/pktgen/pgctrl"

tp_pid=
tap=
pg_pid=
cleanup() {
	local rc=$?
	set +e
	[ -n "$pg_pid" ] && { echo stop >/proc/net/pktgen/pgctrl; wait "$pg_pid"; }
	echo rem_device_all >"/proc/net/pktgen/kpktgend_$GEN_CPU" 2>/dev/null
	stop_testpmd
	exit "$rc"
}
trap cleanup EXIT

stop_testpmd() {
	if [ -n "$tp_pid" ] && kill -0 "$tp_pid" 2>/dev/null; then
		echo quit >&9
		for _ in $(seq 100); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
		kill "$tp_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$tp_pid" 2>/dev/null || true
	fi
	[ -z "$tp_pid" ] || wait "$tp_pid" 2>/dev/null || true
	tp_pid=
	exec 9>&- 2>/dev/null
	rm -f /dev/hugepages/vab"$$"* 2>/dev/null
	[ -z "$tap" ] || ip link del "$tap" 2>/dev/null || true
	tap=
}

# wait until $2 occurrences of $1 are in testpmd's output
expect() {
	local pat=$1 n=$2 t=${3:-$CMD_TIMEOUT} i
	for ((i = 0; i < t * 10; i++)); do
		[ "$(grep -cF -- "$pat" "$out")" -ge "$n" ] && return 0
		kill -0 "$tp_pid" 2>/dev/null || { sed 's/^/testpmd: /' "$out"; die "testpmd exited while waiting for '$pat'"; }
		sleep 0.1
	done
	sed 's/^/testpmd: /' "$out" | tail -n 40
	die "timeout (${t}s) waiting for '$pat' from testpmd"
}
# One snapshot of the counters, with shell builtins only: under TCG a fork
# takes long enough to skew the interval. Sets S_PKT S_DROP (the tap's
# $1_packets and $1_dropped), S_TICKS (worker utime+stime), S_US (wall clock,
# microseconds) and S_GEN (frames pktgen offered: sent + refused by the tap).
snap() { # rx|tx
	local st line
	read -r S_PKT <"/sys/class/net/$tap/statistics/$1_packets"
	read -r S_DROP <"/sys/class/net/$tap/statistics/$1_dropped"
	read -r -a st <"/proc/$wtid/stat"
	S_TICKS=$((st[13] + st[14]))
	S_US=${EPOCHREALTIME/./}
	S_GEN=0
	if [ -r "/proc/net/pktgen/$tap" ]; then
		while read -r line; do
			if [[ $line =~ pkts-sofar:\ *([0-9]+)\ +errors:\ *([0-9]+) ]]; then
				S_GEN=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
			fi
		done <"/proc/net/pktgen/$tap"
	fi
}

# vhost-accel's RX-queue kick count in RX_KICKS (empty for vhost-net, which
# has no such counter). The device asks for an RX kick only when the guest's
# buffers have run out, so over an interval this counts the times the
# worker stopped for want of buffers rather than of packets. One fork of
# vhostctl, taken just outside the interval's snapshots.
rx_kicks() { # ENGINE
	local line state=0 f
	RX_KICKS=
	[ "$1" = vhost-accel ] || return 0
	while read -r line; do
		case $state in
		0) [[ $line =~ ^queue\ 0\ rx: ]] && state=1 ;;
		1) [[ $line =~ ^packets ]] && state=2 ;;
		2)
			read -r -a f <<<"$line"
			RX_KICKS=${f[4]}
			return 0
			;;
		esac
	done < <("$VHOSTCTL" -s dev show 2>/dev/null)
	log "NOTE: no RX queue counters from '$VHOSTCTL -s dev show'"
}

# The thread named $1, as a TID (a kthread on 6.1, a thread of testpmd on 6.4+).
find_thread() {
	local f
	for f in /proc/[0-9]*/task/[0-9]*/comm; do
		if [ "$(cat "$f" 2>/dev/null)" = "$1" ]; then
			f=${f%/comm}
			echo "${f##*/}"
			return 0
		fi
	done
	return 1
}

nstart=0 nstop=0
start_testpmd() { # ENGINE ROUND
	local engine=$1 round=$2 prefix=w i
	[ "$engine" = vhost-accel ] && prefix=vaccel
	[ "$engine" = vhost-net ] && prefix=vhost
	tap=vab$round${engine#vhost-}
	tap=${tap:0:15}
	out=$VA_TMP/testpmd-$round-$engine.out
	fifo=$VA_TMP/cmd-$round-$engine
	mkfifo "$fifo"
	exec 9<>"$fifo"
	stdbuf -oL -eL dpdk-testpmd -l "$MAIN_CPU,$FWD_CPU" -n 1 --no-pci -m 200 \
		--huge-dir /dev/hugepages --file-prefix "vab$$" --in-memory \
		--vdev="virtio_user0,path=/dev/$engine,queues=1,queue_size=$QSIZE,iface=$tap" \
		-- -i --rxq=1 --txq=1 --nb-cores=1 --total-num-mbufs=8192 \
		<"$fifo" >"$out" 2>&1 &
	tp_pid=$!
	nstart=0 nstop=0
	expect "testpmd> " 1 120
	[ -d "/sys/class/net/$tap" ] || die "testpmd did not create tap $tap"
	sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" 2>/dev/null || true
	ip link set "$tap" mtu 1600 up
	wtid=
	for ((i = 0; i < 50; i++)); do
		wtid=$(find_thread "$prefix-$tp_pid") && break
		sleep 0.1
	done
	[ -n "$wtid" ] || die "no worker thread $prefix-$tp_pid for $engine"
	taskset -pc "$WORKER_CPU" "$wtid" >/dev/null ||
		log "NOTE: cannot pin $prefix-$tp_pid to CPU $WORKER_CPU"
	log "round $round $engine: testpmd $tp_pid, tap $tap, worker $prefix-$tp_pid (TID $wtid)"
}

fwd_start() {
	echo start >&9
	nstart=$((nstart + 1))
	expect "packet forwarding - ports=" "$nstart"
}
fwd_stop() {
	echo stop >&9
	nstop=$((nstop + 1))
	expect "Done." "$nstop"
}

# The measuring interval: $SECS seconds, sampled by perf with BENCH_PROFILE.
# perf watches the worker's CPU only (kernel and user), cpu-clock: under
# TCG there are no hardware counters.
measure() { # ENGINE FIG
	local data
	if [ -z "$PROFILE" ]; then
		sleep "$SECS"
		return
	fi
	data=$VA_TMP/perf-$1-$2-$round.data
	perf record -q -e cpu-clock -F 997 -C "$WORKER_CPU" -o "$data" -- sleep "$SECS" >/dev/null 2>&1 ||
		log "NOTE: perf record failed for $1 $2"
}
# The hottest symbols of the last interval, after its figures are out.
profile_report() { # ENGINE FIG
	local data=$VA_TMP/perf-$1-$2-$round.data
	[ -n "$PROFILE" ] && [ -s "$data" ] || return 0
	perf report -i "$data" --stdio --no-children --sort sym -q 2>/dev/null |
		grep -v '^$' | head -n "$PROFILE_TOP" |
		sed "s/^/VA-PROFILE round=$round engine=$1 fig=$2 /"
	rm -f "$data"
}

# guest TX: testpmd txonly -> device -> tap rx counters
bench_tx() { # ENGINE ROUND SIZE
	local p0 d0 w0 t0
	echo "set fwd txonly" >&9
	echo "set txpkts $3" >&9
	fwd_start
	sleep 1
	snap rx
	p0=$S_PKT d0=$S_DROP w0=$S_TICKS t0=$S_US
	measure "$1" "tx$3"
	snap rx
	fwd_stop
	report "$1" "$2" "tx$3" "$3" $((S_PKT - p0)) $((S_TICKS - w0)) $((S_US - t0)) \
		"drops=$((S_DROP - d0))"
	profile_report "$1" "tx$3"
	sleep 1
}

# guest RX: pktgen -> tap -> device -> testpmd rxonly
bench_rx() { # ENGINE ROUND SIZE
	local pgdir=/proc/net/pktgen c p0 d0 g0 w0 t0 k0 kicks
	echo "set fwd rxonly" >&9
	fwd_start
	echo rem_device_all >"$pgdir/kpktgend_$GEN_CPU"
	echo "add_device $tap" >"$pgdir/kpktgend_$GEN_CPU"
	for c in "count 0" "clone_skb 0" "pkt_size $3" "delay 0" \
		"dst 10.99.0.2" "src_min 10.99.0.1" "src_max 10.99.0.1" \
		"dst_mac 02:00:00:00:00:02"; do
		echo "$c" >"$pgdir/$tap"
	done
	echo start >"$pgdir/pgctrl" &
	pg_pid=$!
	sleep 1
	rx_kicks "$1"
	k0=$RX_KICKS
	snap tx
	p0=$S_PKT d0=$S_DROP g0=$S_GEN w0=$S_TICKS t0=$S_US
	measure "$1" "rx$3"
	snap tx
	rx_kicks "$1"
	kicks=
	[ -n "$k0" ] && [ -n "$RX_KICKS" ] &&
		kicks=" rx_kicks_s=$(((RX_KICKS - k0) * 1000000 / (S_US - t0)))"
	echo stop >"$pgdir/pgctrl"
	wait "$pg_pid" || true
	pg_pid=
	echo rem_device_all >"$pgdir/kpktgend_$GEN_CPU"
	sleep 1
	fwd_stop
	report "$1" "$2" "rx$3" "$3" $((S_PKT - p0)) $((S_TICKS - w0)) $((S_US - t0)) \
		"drops=$((S_DROP - d0)) gen_pps=$(((S_GEN - g0) * 1000000 / (S_US - t0)))$kicks"
	profile_report "$1" "rx$3"
	sleep 1
}

report() { # ENGINE ROUND FIG SIZE PACKETS TICKS MICROSECONDS EXTRA
	local pps ns_pkt=0 cpu
	pps=$(($5 * 1000000 / $7))
	[ "$5" -gt 0 ] && ns_pkt=$(($6 * 1000000000 / HZ / $5))
	cpu=$(($6 * 100000000 / HZ / $7))
	log "VA-BENCH round=$2 engine=$1 fig=$3 size=$4 pps=$pps worker_ns_pkt=$ns_pkt worker_cpu_pct=$cpu ms=$(($7 / 1000)) $8"
	[ "$5" -gt 0 ] || die "$1 $3: no packets moved"
}

bench_memcpy() { # ROUND
	local bw
	bw=$(taskset -c "$FWD_CPU" "$PY" - "$SECS" <<'EOF'
import sys, time
n = 64 << 20
src = bytearray(b"\x5a") * n
dst = bytearray(n)
mv = memoryview(src)
dst[:] = mv
k, t0 = 0, time.perf_counter()
while True:
    dst[:] = mv
    k += 1
    t = time.perf_counter() - t0
    if t >= float(sys.argv[1]):
        break
print(int(k * n / t / 1e6))
EOF
)
	log "VA-BENCH round=$1 engine=vm fig=memcpy size=0 mbps=$bw"
}

log "VA-BENCH-CONF rounds=$ROUNDS secs=$SECS sizes=\"$SIZES\" qsize=$QSIZE cpus=$ncpu worker_cpu=$WORKER_CPU gen_cpu=$GEN_CPU fwd_cpu=$FWD_CPU hz=$HZ kernel=$(uname -r)"
for ((round = 1; round <= ROUNDS; round++)); do
	order=("${ENGINES[@]}")
	[ $((round % 2)) -eq 0 ] && order=("${ENGINES[1]}" "${ENGINES[0]}")
	for engine in "${order[@]}"; do
		start_testpmd "$engine" "$round"
		for size in $SIZES; do
			bench_tx "$engine" "$round" "$size"
		done
		for size in $SIZES; do
			bench_rx "$engine" "$round" "$size"
		done
		stop_testpmd
	done
	bench_memcpy "$round"
done
log "VA-BENCH-DONE"
