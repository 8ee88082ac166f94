#!/bin/bash
# va-devices: none
# va-timeout: 600
#
# tools/vhostctl against the live module, in six parts:
#
#   (1) usage:   bad words and arguments exit 2 with a message on stderr;
#                help exits 0; no prefix matching
#   (2) links:   link add/del of taps and macvtaps, checked with ip -d link;
#                links made by ip are seen and deleted by vhostctl
#   (3) attach:  a checker run by "vhostctl attach" gets the vhost and tap
#                fds it was promised and moves a packet each way through
#                them (tap, multi_queue tap, macvtap; root and an
#                unprivileged owner of the tap); dev show -j reports it
#   (4) counters and events, with DPDK's virtio_user as the client:
#
#         dpdk-testpmd --vdev=virtio_user0,path=/dev/vhost-accel,iface=vcdpdk0
#              |                               ^
#         /dev/vhost-accel  <-- vhostctl dev show -j / dev stats -w / monitor
#              |
#         vcdpdk0 (tap)  <-- AF_PACKET frames for the RX side
#
#   (5) errors:  unknown link, no permission (setpriv to nobody)
#   (6) module absent: rmmod vhost_accel (when nothing uses it), every
#                command says to load it; monitor follows the reload
set -uo pipefail

VC=$VA_ROOT/tools/vhostctl/vhostctl
DEV=/dev/vhost-accel
PY=/usr/bin/python3
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fails=0
T=$VA_TMP

log() { printf '%s\n' "$*"; }
ok() { log "ok: $*"; }
bad() { log "FAIL: $*"; fails=$((fails + 1)); }
skip() { log "SKIP: $*"; exit 4; }

[ -x "$VC" ] || { log "FAIL: $VC not built: run 'make tools' (or make -C tools/vhostctl) on the host"; exit 1; }
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 not found"
[ -c "$DEV" ] || { log "FAIL: $DEV missing: vhost_accel.ko is not loaded"; exit 1; }
command -v setpriv >/dev/null || NOBODY=(su nobody -s /bin/sh -c)

pids=()
cleanup() {
	local p l
	set +e
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	exec 9>&- 2>/dev/null
	for l in vct0 vct1 vct2 vct3 vcmvt0 vcmvt1 vcmvt2 vcdpdk0 vcdum0; do
		ip link del "$l" 2>/dev/null
	done
	[ -n "${dev_mode:-}" ] && chmod "$dev_mode" "$DEV" 2>/dev/null
	[ -n "${tun_mode:-}" ] && chmod "$tun_mode" /dev/net/tun 2>/dev/null
	if [ -n "${huge_mounted:-}" ]; then
		rm -f "$huge_dir"/vc"$$"* 2>/dev/null
		umount "$huge_dir" 2>/dev/null
	fi
	[ -n "${huge_restore:-}" ] && echo "$huge_restore" >/proc/sys/vm/nr_hugepages
}
trap cleanup EXIT

# run CMD...: sets rc, out (stdout), err (stderr)
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(<"$T/out")
	err=$(<"$T/err")
}

# expect RC REGEX CMD...: exit status RC and stderr (RC != 0) or stdout
# (RC == 0) matching REGEX (grep -E)
expect() {
	local want=$1 re=$2 text
	shift 2
	run "$@"
	text=$err
	[ "$want" -eq 0 ] && text=$out
	if [ "$rc" -ne "$want" ]; then
		bad "'$*' exited $rc, want $want; stderr: $err"
	elif [ -n "$re" ] && ! grep -qE -- "$re" <<<"$text"; then
		bad "'$*': output does not match /$re/: $text"
	elif [ "$want" -ne 0 ] && [ -n "$out" ]; then
		bad "'$*' failed but printed on stdout: $out"
	else
		ok "$* -> $rc${re:+ /$re/}"
	fi
}

# json FILE PYTHON-EXPR: evaluate EXPR with j = the parsed file; prints it
json() {
	"$PY" -c 'import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$@"
}

# jcheck DESC FILE EXPR: EXPR must be true
jcheck() {
	local r
	r=$(json "$2" "$3" 2>&1)
	if [ "$r" = True ]; then ok "$1"; else bad "$1: $3 is $r ($(head -c 600 "$2"))"; fi
}

# ip -j -d link show NAME > FILE (the JSON of ip -d link)
ipd() { ip -j -d link show "$1" >"$2" 2>/dev/null; }

log "vhostctl $("$VC" -V | cut -d' ' -f2-)"

###############################################################################
log "--- (1) usage"
expect 2 'Usage: vhostctl' "$VC"
expect 2 'Object "foo" not found' "$VC" foo
expect 2 'Object "d" not found' "$VC" d show
expect 2 'Command "shw" not found; see "vhostctl dev help"' "$VC" dev shw
expect 2 'Command "sh" not found' "$VC" dev sh
expect 2 'Command "ad" not found; see "vhostctl link help"' "$VC" link ad vcx type tap
expect 2 'unknown option "-x"' "$VC" -x dev show
expect 2 'unknown option "--js"' "$VC" --js dev show
expect 2 'unexpected argument "-j"' "$VC" dev show 1 -j
expect 2 'invalid device id "abc"' "$VC" dev show abc
expect 2 'invalid device id "0"' "$VC" dev show 0
expect 2 'invalid device id "-1"' "$VC" dev show -1
expect 2 'unexpected argument "2"' "$VC" dev show 1 2
expect 2 '-w needs an interval' "$VC" dev stats -w
expect 2 'invalid interval "0"' "$VC" dev stats -w 0
expect 2 'invalid interval "x"' "$VC" dev stats 1 -w x
expect 2 'unexpected argument "extra"' "$VC" monitor extra
expect 2 'link add needs a NAME' "$VC" link add
expect 2 'needs "type tap" or "type macvtap"' "$VC" link add vcx
expect 2 'unknown link type "veth"' "$VC" link add vcx type veth
expect 2 'unknown argument "multiqueue" for type tap' "$VC" link add vcx type tap multiqueue
expect 2 'no such user "nosuchuser"' "$VC" link add vcx type tap user nosuchuser
expect 2 'user needs a name' "$VC" link add vcx type tap user
expect 2 'needs "link DEV"' "$VC" link add vcx type macvtap mode bridge
expect 2 'invalid mode "bridged"' "$VC" link add vcx type macvtap link lo mode bridged
expect 2 'invalid link name "a/b"' "$VC" link add a/b type tap
expect 2 'invalid link name "0123456789abcdef"' "$VC" link add 0123456789abcdef type tap
expect 2 'link del needs a NAME' "$VC" link del
expect 2 'unexpected argument "vcy"' "$VC" link del vcx vcy
expect 2 'attach needs --tap NAME' "$VC" attach -- true
expect 2 'attach needs "-- COMMAND"' "$VC" attach --tap vcx
expect 2 'no COMMAND after "--"' "$VC" attach --tap vcx --
expect 2 'invalid --queues "0"' "$VC" attach --tap vcx --queues 0 -- true
expect 2 'invalid --queues "257"' "$VC" attach --tap vcx --queues=257 -- true
expect 2 'unknown argument "--ta"' "$VC" attach --ta vcx -- true
expect 2 'unknown argument "sleep"' "$VC" attach --tap vcx sleep 1
expect 2 '--queues given twice for --tap vcy' "$VC" attach --tap vcx --tap vcy --queues 2 --queues 3 -- true
expect 2 '--tap vcx given twice' "$VC" attach --tap vcx --tap vcy --tap vcx -- true
expect 2 'more than 8 --tap' "$VC" attach --tap a0 --tap a1 --tap a2 --tap a3 --tap a4 --tap a5 --tap a6 --tap a7 --tap a8 -- true
expect 2 '\{tapfds1\} names tap 1, but only 1 --tap given' "$VC" attach --tap vcx -- echo 'fds={tapfds1}'
for h in "help" "-h" "--help" "dev help" "link help" "monitor help" "attach help" "dev show help" "link add help"; do
	# shellcheck disable=SC2086 # split h on purpose
	expect 0 'Usage: vhostctl' "$VC" $h
done

###############################################################################
log "--- (2) links"
expect 0 '' "$VC" link add vct0 type tap
ipd vct0 "$T/ip.json"
jcheck "ip -d link: vct0 is a persistent tap without vnet_hdr or multi_queue" "$T/ip.json" \
	'(lambda d: j[0]["linkinfo"]["info_kind"] == "tun" and d["type"] == "tap" and d["persist"] and not d["vnet_hdr"] and not d.get("multi_queue") and not d["pi"])(j[0]["linkinfo"]["info_data"])'
expect 0 '' "$VC" link add vct1 type tap multi_queue vnet_hdr user nobody group nogroup
ipd vct1 "$T/ip.json"
jcheck "ip -d link: vct1 is multi_queue, vnet_hdr, user nobody, group nogroup" "$T/ip.json" \
	'(lambda d: d["type"] == "tap" and d["persist"] and d["vnet_hdr"] and d["multi_queue"] and d["user"] == "nobody" and d["group"] == "nogroup")(j[0]["linkinfo"]["info_data"])'
ip -d link show vct1 | sed 's/^/    ip: /'
expect 1 'creating tap vct0: a link with that name already exists' "$VC" link add vct0 type tap
expect 1 'creating macvtap vct0: a link with that name already exists' "$VC" link add vct0 type macvtap link lo
run "$VC" -j link show
printf '%s\n' "$out" >"$T/ls.json"
jcheck "vhostctl -j link show lists vct0 and vct1 as taps" "$T/ls.json" \
	'sorted(l["ifname"] for l in j if l["kind"] == "tap" and l["ifname"].startswith("vct")) == ["vct0", "vct1"]'
run "$VC" -j link show vct1
printf '%s\n' "$out" >"$T/ls.json"
jcheck "vhostctl -j link show vct1: its flags, owner and group" "$T/ls.json" \
	'j[0]["multi_queue"] and j[0]["vnet_hdr"] and j[0]["persist"] and j[0]["owner"] == 65534 and j[0]["group"] == 65534'
expect 0 'vct1: tap vnet_hdr multi_queue persist queues 0 user nobody group nogroup' "$VC" link show vct1

# made by ip, seen and removed by vhostctl
ip tuntap add dev vct2 mode tap multi_queue vnet_hdr
run "$VC" -j link show vct2
printf '%s\n' "$out" >"$T/ls.json"
jcheck "a tap made by 'ip tuntap add' is seen by vhostctl" "$T/ls.json" \
	'j[0]["kind"] == "tap" and j[0]["multi_queue"] and j[0]["vnet_hdr"]'
expect 0 '' "$VC" link del vct2
if ip link show vct2 >/dev/null 2>&1; then bad "vct2 still exists after link del"; else ok "vct2 deleted"; fi
expect 1 'deleting vct2: no such link' "$VC" link del vct2
expect 1 'no such link "vct2"' "$VC" link show vct2

ip link add vcdum0 type dummy && ip link set vcdum0 up
expect 1 'deleting vcdum0: it is a dummy link, not a tap or macvtap' "$VC" link del vcdum0
ip link show vcdum0 >/dev/null 2>&1 || bad "vcdum0 was deleted"
for mode in bridge vepa private passthru ""; do
	expect 0 '' "$VC" link add vcmvt0 type macvtap link vcdum0 ${mode:+mode "$mode"}
	want=${mode:-vepa}
	ipd vcmvt0 "$T/ip.json"
	jcheck "ip -d link: vcmvt0 is a macvtap on vcdum0, mode $want" "$T/ip.json" \
		"j[0]['linkinfo']['info_kind'] == 'macvtap' and j[0]['linkinfo']['info_data']['mode'] == '$want' and j[0]['link'] == 'vcdum0'"
	idx=$(cat /sys/class/net/vcmvt0/ifindex)
	[ -c "/dev/tap$idx" ] && ok "/dev/tap$idx exists" || bad "/dev/tap$idx missing"
	run "$VC" -j link show vcmvt0
	printf '%s\n' "$out" >"$T/ls.json"
	jcheck "vhostctl link show vcmvt0: mode $want, link vcdum0, /dev/tap$idx" "$T/ls.json" \
		"j[0]['kind'] == 'macvtap' and j[0]['mode'] == '$want' and j[0]['link'] == 'vcdum0' and j[0]['chardev'] == '/dev/tap$idx'"
	expect 0 '' "$VC" link del vcmvt0
	ip link show vcmvt0 >/dev/null 2>&1 && bad "vcmvt0 still exists after link del"
done
ip link add link vcdum0 name vcmvt1 type macvtap mode private
expect 0 "vcmvt1@vcdum0: macvtap mode private chardev /dev/tap" "$VC" link show
expect 0 '' "$VC" link del vcmvt1
ip link show vcmvt1 >/dev/null 2>&1 && bad "vcmvt1 (made by ip) still exists after vhostctl link del"
expect 1 'no such link "vcnosuch0" \(the device to put it on\)' "$VC" link add vcmvt2 type macvtap link vcnosuch0

###############################################################################
log "--- (3) attach"
# The checker: argv = VHOSTFDS TAPFDS QUEUES TAPNAME [rx]. Checks that each fd
# is what it should be, then drives every queue pair like a guest would: one
# 60-byte frame on TX (must reach the tap), and with "rx" one frame sent
# into the tap must land in an RX buffer; then dev show -j must show the
# devices owned by this process with those packets and bytes counted.
cat >"$T/checkfds.py" <<'EOF'
import ctypes, errno, fcntl, json, mmap, os, select, socket, struct, subprocess, sys, time

vfds = [int(x) for x in sys.argv[1].split(":")]
tfds = [int(x) for x in sys.argv[2].split(":")]
queues, tapname = int(sys.argv[3]), sys.argv[4]
rx = "rx" in sys.argv[5:]
vc = os.environ["VC"]
dev = os.environ.get("VHOSTCTL_DEVICE", "/dev/vhost-accel")

def fail(msg):
    print("checker: FAIL:", msg)
    sys.exit(1)

if len(vfds) != queues or len(tfds) != queues:
    fail(f"{len(vfds)} vhost fds and {len(tfds)} tap fds for {queues} queues")
# the environment names each tap's fds (_0, _1, ...), the first's without index too
env = lambda k, s="": os.environ.get(f"VHOSTCTL_{k}{s}")
k = [i for i in range(int(env("TAPS") or 0)) if (env("VHOSTFDS", f"_{i}"), env("TAPFDS", f"_{i}"), env("QUEUES", f"_{i}")) == tuple(sys.argv[1:4])]
if len(k) != 1 or k[0] == 0 and (env("VHOSTFDS"), env("TAPFDS"), env("QUEUES")) != tuple(sys.argv[1:4]):
    fail(f"VHOSTCTL_VHOSTFDS/TAPFDS/QUEUES(_N) do not name the arguments {sys.argv[1:4]} once: {sorted((n, v) for n, v in os.environ.items() if n.startswith('VHOSTCTL_'))}")

def IOC(d, t, nr, size): return (d << 30) | (size << 16) | (t << 8) | nr
V = 0xAF
GET_FEATURES, SET_FEATURES = IOC(2, V, 0, 8), IOC(1, V, 0, 8)
SET_OWNER, SET_MEM_TABLE = IOC(0, V, 1, 0), IOC(1, V, 3, 8)
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = IOC(1, V, 0x10, 8), IOC(1, V, 0x11, 40), IOC(1, V, 0x12, 8)
SET_VRING_KICK, SET_VRING_CALL = IOC(1, V, 0x20, 8), IOC(1, V, 0x21, 8)
NET_SET_BACKEND = IOC(1, V, 0x30, 8)
T = ord("T")
TUNGETIFF, TUNSETVNETHDRSZ = IOC(2, T, 210, 4), IOC(1, T, 216, 4)
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE = 0x2, 0x1000, 0x4000, 0x100

for fd in vfds:
    target = os.readlink(f"/proc/self/fd/{fd}")
    if target != os.path.realpath(dev):
        fail(f"vhost fd {fd} is {target}, not {dev}")
    if fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC:
        fail(f"vhost fd {fd} has FD_CLOEXEC")
for fd in tfds:
    ifr = bytearray(40)
    fcntl.ioctl(fd, TUNGETIFF, ifr)
    name = ifr[:16].split(b"\0")[0].decode()
    flags = struct.unpack_from("=H", ifr, 16)[0]
    if name != tapname:
        fail(f"tap fd {fd} ({os.readlink(f'/proc/self/fd/{fd}')}) is attached to {name!r}, not {tapname!r}")
    want = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
    if flags & want != want:
        fail(f"tap fd {fd} flags 0x{flags:x} lack IFF_TAP|IFF_NO_PI|IFF_VNET_HDR")
    if queues > 1 and os.readlink(f"/proc/self/fd/{fd}") == "/dev/net/tun" and not flags & IFF_MULTI_QUEUE:
        fail(f"tap fd {fd} flags 0x{flags:x} lack IFF_MULTI_QUEUE")
    fcntl.ioctl(fd, TUNSETVNETHDRSZ, struct.pack("=i", 12))
print(f"checker: pid {os.getpid()}: vhost fds {vfds} -> {dev}, tap fds {tfds} -> {tapname}")

# guest memory: 1 MiB at guest physical 0; per pair p, ring q at
# 0x10000 * (2p + q + 1): desc +0, avail +0x1000, used +0x2000, buffers +0x4000
NUM = 16
mem = mmap.mmap(-1, 1 << 21)
base = ctypes.addressof(ctypes.c_char.from_buffer(mem))
HDR = 12
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(range(46))

def ring(p, q): return 0x10000 * (2 * p + q + 1)

kicks = []
for p, fd in enumerate(vfds):
    feat = struct.unpack("=Q", fcntl.ioctl(fd, GET_FEATURES, bytes(8)))[0]
    if not feat >> 32 & 1:
        fail("VERSION_1 not offered")
    fcntl.ioctl(fd, SET_OWNER)
    fcntl.ioctl(fd, SET_FEATURES, struct.pack("=Q", 1 << 32))
    fcntl.ioctl(fd, SET_MEM_TABLE, struct.pack("=II4Q", 1, 0, 0, len(mem), base, 0))
    for q in (0, 1):
        r = ring(p, q)
        kick = os.eventfd(0)
        kicks.append(kick)
        fcntl.ioctl(fd, SET_VRING_NUM, struct.pack("=II", q, NUM))
        fcntl.ioctl(fd, SET_VRING_BASE, struct.pack("=II", q, 0))
        fcntl.ioctl(fd, SET_VRING_ADDR, struct.pack("=II4Q", q, 0, base + r, base + r + 0x2000, base + r + 0x1000, 0))
        fcntl.ioctl(fd, SET_VRING_KICK, struct.pack("=Ii", q, kick))
        fcntl.ioctl(fd, SET_VRING_CALL, struct.pack("=Ii", q, os.eventfd(0)))
        if q == 0:
            # RX: 4 device-writable buffers of 2 KiB
            for i in range(4):
                struct.pack_into("=QIHH", mem, r + 16 * i, r + 0x4000 + 0x800 * i, 0x800, 2, 0)
                struct.pack_into("=H", mem, r + 0x1000 + 4 + 2 * i, i)
            struct.pack_into("=HH", mem, r + 0x1000, 0, 4)
        else:
            # TX: one frame behind a zeroed 12-byte virtio-net header
            struct.pack_into("=QIHH", mem, r, r + 0x4000, HDR + len(frame), 0, 0)
            mem[r + 0x4000:r + 0x4000 + HDR + len(frame)] = bytes(HDR) + frame
            struct.pack_into("=H", mem, r + 0x1000 + 4, 0)
            struct.pack_into("=HH", mem, r + 0x1000, 0, 1)
        fcntl.ioctl(fd, NET_SET_BACKEND, struct.pack("=Ii", q, tfds[p]))

def used_idx(p, q): return struct.unpack_from("=H", mem, ring(p, q) + 0x2000 + 2)[0]

def wait_for(what, cond, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    fail(f"timeout waiting for {what}")

for k in kicks[1::2]:
    os.eventfd_write(k, 1)
wait_for("every TX queue to use its frame", lambda: all(used_idx(p, 1) == 1 for p in range(queues)))
print(f"checker: {queues} TX frame(s) used")
if rx:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((tapname, 0))
    s.send(frame)
    wait_for("the RX frame in an RX buffer", lambda: sum(used_idx(p, 0) for p in range(queues)) == 1)
    p = next(p for p in range(queues) if used_idx(p, 0) == 1)
    r = ring(p, 0)
    uid, ulen = struct.unpack_from("=II", mem, r + 0x2000 + 4)
    got = bytes(mem[r + 0x4000 + 0x800 * uid + HDR:r + 0x4000 + 0x800 * uid + ulen])
    if ulen != HDR + len(frame) or got != frame:
        fail(f"RX buffer {uid} holds {ulen} bytes, want {HDR + len(frame)} with the frame")
    print(f"checker: the RX frame arrived on queue pair {p}")

out = subprocess.run([vc, "-j", "dev", "show"], capture_output=True, text=True)
if out.returncode:
    fail(f"vhostctl -j dev show: exit {out.returncode}: {out.stderr}")
mine = sorted((d for d in json.loads(out.stdout) if d.get("owner_pid") == os.getpid()), key=lambda d: d["id"])
if len(mine) != queues:
    fail(f"dev show lists {len(mine)} devices owned by pid {os.getpid()}, want {queues}: {out.stdout}")
tx = rxp = 0
for d in mine:
    if d.get("owner_comm") != "python3" or "worker_pid" not in d or d["mem_regions"] != 1:
        fail(f"device {d['id']}: owner_comm/worker_pid/mem_regions wrong: {d}")
    if d.get("backend", {}).get("ifname") != tapname:
        fail(f"device {d['id']}: backend is not {tapname}: {d.get('backend')}")
    if d["features"] != "0x%016x" % (1 << 32) or d["feature_names"] != ["VERSION_1"]:
        fail(f"device {d['id']}: features {d['features']} {d['feature_names']}, want VERSION_1 only")
    qs = {q["index"]: q for q in d["queues"]}
    if sorted(qs) != [0, 1] or any(q["size"] != NUM or q["broken"] for q in qs.values()):
        fail(f"device {d['id']}: queues {d['queues']}")
    t = qs[1]["stats"]
    if (t["packets"], t["bytes"], t["drops"], t["errors"]) != (1, HDR + len(frame), 0, 0) or t["kicks"] < 1 or qs[1]["used_idx"] != 1:
        fail(f"device {d['id']} TX counters {t} used_idx {qs[1]['used_idx']}, want 1 packet of {HDR + len(frame)} bytes")
    rxp += qs[0]["stats"]["packets"]
    if qs[0]["stats"]["packets"] and qs[0]["stats"]["bytes"] != HDR + len(frame):
        fail(f"device {d['id']} RX counters {qs[0]['stats']}")
if rxp != (1 if rx else 0):
    fail(f"RX packets over all devices: {rxp}")
print("checker: ids", ",".join(str(d["id"]) for d in mine))
with open(os.environ["CHECKER_IDS"], "w") as f:
    f.write(" ".join(str(d["id"]) for d in mine))

if os.getuid() == 0:
    # somebody else may not see these devices
    out = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                          vc, "-j", "dev", "show"], capture_output=True, text=True)
    if out.returncode or json.loads(out.stdout) != []:
        fail(f"nobody's dev show -j: exit {out.returncode}, {out.stdout} {out.stderr}")
    out = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                          vc, "dev", "show", str(mine[0]["id"])], capture_output=True, text=True)
    if out.returncode != 1 or f"no device {mine[0]['id']}" not in out.stderr:
        fail(f"nobody's dev show {mine[0]['id']}: exit {out.returncode}, {out.stderr}")
    print("checker: the devices are invisible to nobody")
print(subprocess.run([vc, "-s", "dev", "show", str(mine[0]["id"])], capture_output=True, text=True).stdout, end="")

for p, fd in enumerate(vfds):
    for q in (0, 1):
        fcntl.ioctl(fd, NET_SET_BACKEND, struct.pack("=Ii", q, -1))
print("checker: ok")
EOF

# the events of everything below
"$VC" -j monitor >"$T/events.json" 2>"$T/monitor.err" &
mon_pid=$!
pids+=("$mon_pid")
sleep 0.5
kill -0 "$mon_pid" 2>/dev/null || bad "vhostctl monitor exited: $(cat "$T/monitor.err")"

export VC
sysctl -qw net.ipv6.conf.vct1.disable_ipv6=1 2>/dev/null
ip link set vct1 up
export CHECKER_IDS=$T/ids.mq
expect 0 'checker: ok' "$VC" attach --tap vct1 --queues 2 -- "$PY" "$T/checkfds.py" "{vhostfds}" "{tapfds}" "{queues}" vct1 rx
log "$out" | sed 's/^/    /'
ids_mq=$(cat "$T/ids.mq" 2>/dev/null)

sysctl -qw net.ipv6.conf.vct0.disable_ipv6=1 2>/dev/null
ip link set vct0 up
export CHECKER_IDS=$T/ids.sq
expect 0 'checker: ok' "$VC" attach --tap vct0 -- "$PY" "$T/checkfds.py" "{vhostfd}" "{tapfd}" 1 vct0 rx
log "$out" | sed 's/^/    /'
ids_sq=$(cat "$T/ids.sq" 2>/dev/null)
expect 1 'tap vct0 has a single queue .*multi_queue' "$VC" attach --tap vct0 --queues 2 -- true

# two taps in one attach: the second's fds as {vhostfds1} {tapfds1} {queues1}
export CHECKER_IDS=$T/ids.two
expect 0 'checker: ok' "$VC" attach --tap vct0 --tap vct1 --queues 2 -- sh -c \
	"$PY $T/checkfds.py {vhostfd0} {tapfd0} {queues0} vct0 rx && $PY $T/checkfds.py {vhostfds1} {tapfds1} {queues1} vct1 rx"
n_ok=$(grep -c '^checker: ok' <<<"$out")
[ "$n_ok" = 2 ] && ok "attach --tap vct0 --tap vct1 --queues 2: both taps' fds work ($n_ok checkers)" ||
	bad "attach with two taps: $n_ok checkers passed, want 2: $out"

# placeholders, and fds that really are open in the command
expect 0 '' "$VC" attach --tap vct1 --queues 3 -- sh -c 'echo "$0 $1 $2 $3"; ls -l /proc/self/fd/' "{vhostfd}" "{vhostfds}" "{tapfds}" "{queues}"
first=$(head -n 1 <<<"$out")
read -r v1 vs ts nq <<<"$first"
if [ "$nq" = 3 ] && [ "$v1" = "${vs%%:*}" ] && [ "$(tr ':' '\n' <<<"$vs" | wc -l)" = 3 ] && [ "$(tr ':' '\n' <<<"$ts" | wc -l)" = 3 ]; then
	ok "placeholders: vhostfd $v1 vhostfds $vs tapfds $ts queues $nq"
else
	bad "placeholders: got '$first'"
fi
for fd in ${vs//:/ }; do
	grep -qE " $fd -> $DEV\$" <<<"$out" || bad "fd $fd is not $DEV in the command: $out"
done
for fd in ${ts//:/ }; do
	grep -qE " $fd -> /dev/net/tun\$" <<<"$out" || bad "fd $fd is not /dev/net/tun in the command: $out"
done
expect 0 '^x\{unknown\} \{vhostfd$' "$VC" attach --tap vct0 -- echo "x{unknown}" "{vhostfd"

# QEMU takes the fds as they are (-S: no guest runs; its vhost-net code
# still opens with SET_OWNER); the guest's traffic is the qemu-* cases' work
qemu_owner() { # QUEUES NETDEV-OPTIONS DEVICE-OPTIONS
	local n=$1 qp i cnt
	"$VC" attach --tap vct1 --queues "$n" -- qemu-system-x86_64 -M pc -accel tcg -m 64 \
		-S -nodefaults -display none -monitor none -serial none \
		-netdev "tap,id=n0,vhost=on,$2" -device "virtio-net-pci,netdev=n0,$3" \
		>"$T/qemu.out" 2>&1 &
	qp=$!
	pids+=("$qp")
	for ((i = 0; i < 600; i++)); do
		cnt=$("$VC" -j dev show 2>/dev/null | "$PY" -c "import json, sys; print(sum(1 for d in json.load(sys.stdin) if d.get('owner_pid') == $qp and d.get('owner_comm') == 'qemu-system-x86'))" 2>/dev/null)
		[ "${cnt:-0}" -ge "$n" ] && break
		kill -0 "$qp" 2>/dev/null || break
		sleep 0.1
	done
	if [ "${cnt:-0}" -eq "$n" ]; then
		ok "QEMU (pid $qp) started by attach owns $n device(s) through $2"
	else
		bad "QEMU with $2: $cnt devices owned by pid $qp, want $n: $(cat "$T/qemu.out")"
	fi
	kill "$qp" 2>/dev/null
	wait "$qp" 2>/dev/null
}
if command -v qemu-system-x86_64 >/dev/null; then
	qemu_owner 1 "fd={tapfd},vhostfd={vhostfd}" ""
	qemu_owner 2 "fds={tapfds},vhostfds={vhostfds}" "mq=on,vectors=6"
	# two NICs from one attach: vct0 (one pair) and vct1 (two)
	"$VC" attach --tap vct0 --tap vct1 --queues 2 -- qemu-system-x86_64 -M pc -accel tcg -m 64 \
		-S -nodefaults -display none -monitor none -serial none \
		-netdev "tap,id=n0,vhost=on,fd={tapfd0},vhostfd={vhostfd0}" -device virtio-net-pci,netdev=n0 \
		-netdev "tap,id=n1,vhost=on,fds={tapfds1},vhostfds={vhostfds1}" -device virtio-net-pci,netdev=n1,mq=on,vectors=6 \
		>"$T/qemu2.out" 2>&1 &
	qp=$!
	pids+=("$qp")
	# (-S: no guest, so no backends yet; QEMU owns the devices from the start)
	for ((i = 0; i < 600; i++)); do
		cnt=$("$VC" -j dev show 2>/dev/null | "$PY" -c "import json, sys; print(sum(1 for d in json.load(sys.stdin) if d.get('owner_pid') == $qp))" 2>/dev/null)
		[ "${cnt:-0}" -ge 3 ] && break
		kill -0 "$qp" 2>/dev/null || break
		sleep 0.1
	done
	taps=$(for f in /proc/"$qp"/fd/*; do readlink "$f"; done 2>/dev/null | grep -c '^/dev/net/tun$')
	if [ "${cnt:-0}" -eq 3 ] && [ "$taps" -eq 3 ]; then
		ok "QEMU (pid $qp) with two NICs from one attach owns 3 devices and holds 3 tap fds"
	else
		bad "QEMU with two NICs from one attach: owns ${cnt:-0} devices and $taps tap fds, want 3 and 3: $(cat "$T/qemu2.out")"
	fi
	kill "$qp" 2>/dev/null
	wait "$qp" 2>/dev/null
else
	log "SKIP QEMU attach: qemu-system-x86_64 not installed"
fi

# a single-queue tap takes one user at a time
"$VC" attach --tap vct0 -- sleep 60 &
hold=$!
pids+=("$hold")
sleep 1
expect 1 'tap vct0 is busy' "$VC" attach --tap vct0 -- true
kill "$hold"
wait "$hold" 2>/dev/null

# macvtap: its /dev/tapN, TX only (nothing to inject on a dummy's RX)
expect 0 '' "$VC" link add vcmvt0 type macvtap link vcdum0 mode bridge
ip link set vcmvt0 up
export CHECKER_IDS=$T/ids.mvt
expect 0 'checker: ok' "$VC" attach --tap vcmvt0 --queues 2 -- "$PY" "$T/checkfds.py" "{vhostfds}" "{tapfds}" "{queues}" vcmvt0
log "$out" | sed 's/^/    /'
ids_mvt=$(cat "$T/ids.mvt" 2>/dev/null)

# an unprivileged user with a tap of its own, once it may open the devices
# (without udev, devtmpfs leaves /dev/net/tun at 0600 rather than 0666)
tun_mode=$(stat -c %a /dev/net/tun)
chmod 0600 /dev/net/tun
expect 1 'cannot open /dev/net/tun: permission denied: it is normally mode 0666' "${NOBODY[@]}" env VHOSTCTL_DEVICE=/dev/null "$VC" attach --tap vct1 -- true
chmod 0666 /dev/net/tun
dev_mode=$(stat -c %a "$DEV")
chmod 0666 "$DEV"
export CHECKER_IDS=$T/ids.nobody
: >"$CHECKER_IDS"
chmod 0666 "$CHECKER_IDS"
expect 0 'checker: ok' "${NOBODY[@]}" env VC="$VC" CHECKER_IDS="$CHECKER_IDS" "$VC" attach --tap vct1 --queues 2 -- "$PY" "$T/checkfds.py" "{vhostfds}" "{tapfds}" "{queues}" vct1
log "$out" | sed 's/^/    /'
ids_nobody=$(cat "$T/ids.nobody" 2>/dev/null)
chmod "$dev_mode" "$DEV"
dev_mode=

# the events of those devices: new, owner, attach (per queue), detach, del
sleep 1
kill -INT "$mon_pid"
wait "$mon_pid"
mrc=$?
[ "$mrc" -eq 0 ] && ok "monitor exits 0 on SIGINT" || bad "monitor exited $mrc on SIGINT: $(cat "$T/monitor.err")"
log "    $(wc -l <"$T/events.json") events, e.g.:"
head -n 8 "$T/events.json" | sed 's/^/    /'
for set in "vct1 tap $ids_mq" "vct0 tap $ids_sq" "vcmvt0 macvtap $ids_mvt" "vct1 tap $ids_nobody"; do
	read -r ifname kind ids <<<"$set"
	[ -n "$ids" ] || { bad "no device ids for $ifname (checker failed?)"; continue; }
	"$PY" - "$T/events.json" "$ifname" "$kind" $ids <<'EOF' && ok "monitor: new, owner, attach/detach x2, del for devices $ids on $ifname" || bad "monitor events for devices $ids on $ifname"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
ifname, kind, ids = sys.argv[2], sys.argv[3], [int(x) for x in sys.argv[4:]]
for i in ids:
    ev = [e for e in events if e.get("id") == i]
    seq = [e["event"] for e in ev]
    want = ["new", "owner", "attach", "attach", "detach", "detach", "del"]
    if seq != want:
        sys.exit(f"device {i}: events {seq}, want {want}")
    owner = ev[1]
    if owner["owner_comm"] != "python3" or not owner["owner_pid"] or not owner["worker_pid"]:
        sys.exit(f"device {i}: owner event {owner}")
    for e in ev[2:4]:
        b = e.get("backend", {})
        if b.get("ifname") != ifname or b.get("kind") != kind or not b.get("ifindex"):
            sys.exit(f"device {i}: attach event {e}")
    if sorted(e["queue"] for e in ev[2:4]) != [0, 1] or sorted(e["queue"] for e in ev[4:6]) != [0, 1]:
        sys.exit(f"device {i}: queues in attach/detach events: {ev}")
EOF
done

###############################################################################
log "--- (4) counters and events with DPDK virtio_user"
dpdk_part() {
	command -v dpdk-testpmd >/dev/null || { log "SKIP part (4): dpdk-testpmd not installed"; return; }
	command -v stdbuf >/dev/null || { log "SKIP part (4): stdbuf not found"; return; }
	huge_dir=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
	if [ -z "$huge_dir" ]; then
		huge_dir=$T/huge
		mkdir -p "$huge_dir"
		mount -t hugetlbfs hugetlbfs "$huge_dir" || { bad "cannot mount hugetlbfs"; return; }
		huge_mounted=1
	fi
	local free tp_out=$T/testpmd.out fifo=$T/testpmd.cmd tp_pid id n=0 extra=()
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	if [ "${free:-0}" -lt 128 ]; then
		huge_restore=$(cat /proc/sys/vm/nr_hugepages)
		echo $((huge_restore + 128 - free)) >/proc/sys/vm/nr_hugepages
	fi

	"$VC" -j monitor >"$T/events2.json" 2>"$T/monitor2.err" &
	local mon=$!
	pids+=("$mon")
	"$VC" monitor >"$T/events2.txt" 2>&1 &
	local tmon=$!
	pids+=("$tmon")
	sleep 0.5

	mkfifo "$fifo"
	exec 9<>"$fifo"
	[ -w /var/run ] || extra+=(--in-memory)
	stdbuf -oL -eL dpdk-testpmd -l 0-1 -n 1 --no-pci -m 200 --huge-dir "$huge_dir" \
		--file-prefix "vc$$" "${extra[@]}" \
		--vdev="virtio_user0,path=$DEV,queues=1,queue_size=256,iface=vcdpdk0" \
		-- -i --rxq=1 --txq=1 --nb-cores=1 --total-num-mbufs=4096 \
		<"$fifo" >"$tp_out" 2>&1 &
	tp_pid=$!
	pids+=("$tp_pid")
	tp_expect() { # PATTERN COUNT
		local i
		for ((i = 0; i < 1200; i++)); do
			[ "$(grep -cF -- "$1" "$tp_out")" -ge "$2" ] && return 0
			kill -0 "$tp_pid" 2>/dev/null || break
			sleep 0.1
		done
		sed 's/^/    testpmd: /' "$tp_out"
		bad "testpmd: no '$1' (x$2)"
		return 1
	}
	stats() { # sets RXP RXB TXP TXB
		n=$((n + 1))
		echo "show port stats 0" >&9
		tp_expect "Tx-pps:" "$n" || return 1
		read -r RXP RXB TXP TXB < <(awk -v n="$n" '
			/NIC statistics for port 0 +#/ { k++ }
			k == n && /RX-packets:/ && rp == "" { rp = $2; rb = $6 }
			k == n && /TX-packets:/ && tp == "" { tp = $2; tb = $6 }
			END { print rp, rb, tp, tb }' "$tp_out")
	}
	settle() { # wait until the tap counter $1 stops moving
		local a b i
		a=$(cat /sys/class/net/vcdpdk0/statistics/"$1")
		for ((i = 0; i < 30; i++)); do
			sleep 1
			b=$(cat /sys/class/net/vcdpdk0/statistics/"$1")
			[ "$a" = "$b" ] && return 0
			a=$b
		done
	}
	tp_expect "testpmd> " 1 || return
	sysctl -qw net.ipv6.conf.vcdpdk0.disable_ipv6=1 2>/dev/null
	ip link set vcdpdk0 up

	"$VC" -j dev show >"$T/dev.json"
	id=$(json "$T/dev.json" "[d['id'] for d in j if d.get('owner_pid') == $tp_pid][0]" 2>/dev/null)
	[ -n "$id" ] || { bad "no device owned by testpmd (pid $tp_pid) in dev show -j: $(cat "$T/dev.json")"; return; }
	ok "testpmd (pid $tp_pid) owns device $id"
	jcheck "dev show $id: backend vcdpdk0 (tap), 2 queues of 256, VERSION_1" "$T/dev.json" \
		"(lambda d: d['backend']['ifname'] == 'vcdpdk0' and d['backend']['kind'] == 'tap' and [q['size'] for q in d['queues']] == [256, 256] and 'VERSION_1' in d['feature_names'] and d['mem_regions'] >= 1)([d for d in j if d['id'] == $id][0])"

	expect 0 "vcdpdk0: tap vnet_hdr.* queues 1 state [A-Z]+ vhost dev $id\$" "$VC" link show vcdpdk0
	run "$VC" -j link show vcdpdk0
	printf '%s\n' "$out" >"$T/ls.json"
	jcheck "link show -j: vcdpdk0 is used by device $id" "$T/ls.json" "j[0]['vhost_devs'] == [$id]"

	# (a) txonly: testpmd -> device -> tap, while dev stats -w watches
	echo "set fwd txonly" >&9
	echo "start" >&9
	tp_expect "packet forwarding - ports=" 1 || return
	"$VC" dev stats "$id" -w 0.5 >"$T/rates.txt" 2>&1 &
	local wp=$!
	timeout --preserve-status -s INT 7.5 "$VC" -j dev stats "$id" -w 1 >"$T/rates.json" 2>"$T/rates.err"
	local wrc=$?
	kill -INT "$wp"
	wait "$wp" && ok "dev stats -w (text) exits 0 on SIGINT" || bad "dev stats -w (text) exit status"
	echo "stop" >&9
	tp_expect "Done." 1 || return
	settle rx_packets
	[ "$wrc" -eq 0 ] && ok "dev stats -w exits 0 on SIGINT" || bad "dev stats -w exited $wrc: $(cat "$T/rates.err")"
	"$PY" - "$T/rates.json" "$id" <<'EOF' && ok "dev stats -w: TX pps and bit/s every second" || bad "dev stats -w output"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
print(f"    {len(lines)} samples; TX pps", [round(next(q for q in s["devices"][0]["queues"] if q["index"] == 1)["rates"]["pps"]) for s in lines])
if len(lines) < 3:  # 7 expected; TCG under load delays some
    sys.exit(f"{len(lines)} samples in 7.5 s at -w 1")
for s in lines:
    d = s["devices"]
    if len(d) != 1 or d[0]["id"] != int(sys.argv[2]):
        sys.exit(f"sample {s}")
    tx = next(q for q in d[0]["queues"] if q["index"] == 1)
    if not 0.5 < s["elapsed"] < 3:
        sys.exit(f"elapsed {s['elapsed']}")
    if abs(tx["rates"]["bps"] - 8 * tx["rates"]["pps"] * (tx["stats"]["bytes"] / max(tx["stats"]["packets"], 1))) > 0.05 * tx["rates"]["bps"] + 1000:
        sys.exit(f"bit/s {tx['rates']['bps']} does not fit pps {tx['rates']['pps']}")
if max(next(q for q in s["devices"][0]["queues"] if q["index"] == 1)["rates"]["pps"] for s in lines) <= 0:
    sys.exit("TX pps never above 0")
EOF
	head -n 9 "$T/rates.txt" | sed 's/^/    /'
	grep -q 'bit/s' "$T/rates.txt" || bad "dev stats -w text has no header"

	stats || return
	"$VC" -j dev show "$id" >"$T/dev.json"
	log "    testpmd sent $TXP packets / $TXB bytes"
	jcheck "TX queue counted testpmd's $TXP packets" "$T/dev.json" \
		"(lambda s: s['packets'] == $TXP and s['errors'] == 0 and s['kicks'] >= 1)(j[0]['queues'][1]['stats'])"
	jcheck "TX queue counted $TXB bytes plus a 12-byte header each" "$T/dev.json" \
		"j[0]['queues'][1]['stats']['bytes'] == $TXB + 12 * $TXP"
	jcheck "TX used_idx is the packets modulo 65536" "$T/dev.json" \
		"j[0]['queues'][1]['used_idx'] == $TXP % 65536 and j[0]['queues'][1]['last_avail'] == $TXP % 65536"

	# (b) rxonly: frames into the tap -> device -> testpmd
	echo "clear port stats all" >&9
	echo "set fwd rxonly" >&9
	echo "start" >&9
	tp_expect "packet forwarding - ports=" 2 || return
	"$PY" - <<'EOF'
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("vcdpdk0", 0))
for i in range(500):
    n = 46 + (i * 37) % 1455
    s.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(n))
    if i % 50 == 49:
        time.sleep(0.02)
EOF
	settle tx_packets
	sleep 1
	echo "stop" >&9
	tp_expect "Done." 2 || return
	stats || return
	"$VC" -j dev show "$id" >"$T/dev.json"
	log "    testpmd received $RXP packets / $RXB bytes"
	[ "$RXP" -ge 500 ] || bad "testpmd received only $RXP of 500 frames"
	jcheck "RX queue counted testpmd's $RXP packets" "$T/dev.json" \
		"j[0]['queues'][0]['stats']['packets'] == $RXP"
	"$VC" -s dev show "$id" | sed 's/^/    /'
	"$VC" dev stats | sed 's/^/    /'
	"$VC" -p dev stats "$id" | head -n 30 | sed 's/^/    /'

	echo "quit" >&9
	for _ in $(seq 100); do kill -0 "$tp_pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$tp_pid" 2>/dev/null && { bad "testpmd did not quit"; kill -9 "$tp_pid"; }
	wait "$tp_pid" 2>/dev/null
	exec 9>&-
	expect 1 "no device $id" "$VC" dev show "$id"
	sleep 0.5
	kill -INT "$mon" "$tmon"
	wait "$mon"
	wait "$tmon"
	sed 's/^/    /' "$T/events2.json" "$T/events2.txt"
	"$PY" - "$T/events2.json" "$id" "$tp_pid" <<'EOF' && ok "monitor saw testpmd's device $id: new, owner, attach, del" || bad "monitor events for testpmd"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
i, pid = int(sys.argv[2]), int(sys.argv[3])
seq = [e["event"] for e in ev if e.get("id") == i]
if seq[0] != "new" or seq[-1] != "del" or "owner" not in seq or seq.count("attach") < 2:
    sys.exit(f"events {seq}")
o = next(e for e in ev if e.get("id") == i and e["event"] == "owner")
if o["owner_pid"] != pid:
    sys.exit(f"owner event {o}, testpmd is {pid}")
a = [e for e in ev if e.get("id") == i and e["event"] == "attach"]
if any(e["backend"]["ifname"] != "vcdpdk0" for e in a):
    sys.exit(f"attach events {a}")
EOF
}
dpdk_part

###############################################################################
log "--- (5) errors"
expect 1 'no such link "vcnosuch0": create it with' "$VC" attach --tap vcnosuch0 -- true
expect 1 'vcdum0 is a dummy link; attach needs a tap or a macvtap' "$VC" attach --tap vcdum0 -- true
expect 1 'cannot run /nonexistent/prog: No such file' "$VC" attach --tap vct0 -- /nonexistent/prog
expect 1 'no device 4000000000' "$VC" dev show 4000000000
expect 1 'no device 4000000000' "$VC" dev stats 4000000000
expect 1 'creating tap vcx: needs CAP_NET_ADMIN \(run as root\)' "${NOBODY[@]}" "$VC" link add vcx type tap
expect 1 'creating macvtap vcx: needs CAP_NET_ADMIN \(run as root\)' "${NOBODY[@]}" "$VC" link add vcx type macvtap link vcdum0
expect 1 'deleting vct0: needs CAP_NET_ADMIN \(run as root\)' "${NOBODY[@]}" "$VC" link del vct0
expect 1 "cannot open $DEV: permission denied.*group kvm" "${NOBODY[@]}" "$VC" attach --tap vct1 -- true
# a tap without user or group is anyone's to attach (the kernel's rule), one
# with a user only that user's
expect 0 '' "${NOBODY[@]}" env VHOSTCTL_DEVICE=/dev/null "$VC" attach --tap vct0 -- true
expect 0 '' "$VC" link add vct3 type tap vnet_hdr user root
expect 1 'attaching to tap vct3 needs CAP_NET_ADMIN \(run as root\), or a tap that belongs to you' "${NOBODY[@]}" env VHOSTCTL_DEVICE=/dev/null "$VC" attach --tap vct3 -- true
expect 0 '' "$VC" link del vct3
expect 1 'listening to vhost_accel events needs CAP_NET_ADMIN \(run as root\)' "${NOBODY[@]}" "$VC" monitor
expect 0 '^\[\]$' "${NOBODY[@]}" "$VC" -j dev show
expect 1 '/dev/vhost-nonexistent not found \(given by --device or VHOSTCTL_DEVICE\)' env VHOSTCTL_DEVICE=/dev/vhost-nonexistent "$VC" attach --tap vct0 -- true
expect 1 '/dev/vhost-nonexistent not found' "$VC" attach --device /dev/vhost-nonexistent --tap vct0 -- true

###############################################################################
log "--- (6) module absent"
refs=$(awk '$1 == "vhost_accel" { print $3 }' /proc/modules)
module=$VA_ROOT/drivers/vhost/vhost_accel.ko
if [ "$refs" != 0 ]; then
	log "SKIP part (6): vhost_accel has $refs users, not unloading it"
elif [ ! -r "$module" ]; then
	log "SKIP part (6): no $module to load again"
else
	"$VC" -j monitor >"$T/events3.json" 2>"$T/monitor3.err" &
	mon=$!
	pids+=("$mon")
	sleep 0.5
	if ! rmmod vhost_accel; then
		bad "rmmod vhost_accel failed"
	else
		sleep 0.5
		expect 1 "generic netlink family \"vhost_accel\" not found: load the module with 'modprobe vhost_accel'" "$VC" dev show
		expect 1 "load the module with 'modprobe vhost_accel'" "$VC" dev stats -w 1
		expect 1 "load the module with 'modprobe vhost_accel'" "$VC" monitor
		expect 1 "^vhostctl: /dev/vhost-accel not found: load the module with 'modprobe vhost_accel'\$" "$VC" attach --tap vct0 -- true
		expect 0 'vct0: tap' "$VC" link show
		insmod "$module" || bad "insmod $module failed: the cases after this one lose the module"
		for _ in $(seq 50); do [ -c "$DEV" ] && break; sleep 0.1; done
		[ -c "$DEV" ] && ok "vhost_accel loaded again" || bad "$DEV did not come back"
		sleep 0.5
		# the monitor follows the family back: an event of a new device
		"$PY" -c 'import os; os.close(os.open("/dev/vhost-accel", os.O_RDWR))'
		sleep 1
		kill -INT "$mon"
		wait "$mon"
		sed 's/^/    /' "$T/events3.json"
		"$PY" - "$T/events3.json" <<'EOF' && ok "monitor: family_del, family_new, then the new device's events" || bad "monitor across the module reload"
import json, sys
seq = [json.loads(l)["event"] for l in open(sys.argv[1])]
if seq != ["family_del", "family_new", "new", "del"]:
    sys.exit(f"events {seq}")
EOF
	fi
fi

###############################################################################
expect 0 '' "$VC" link del vct0
expect 0 '' "$VC" link del vct1
expect 0 '' "$VC" link del vcmvt0
if [ "$fails" -ne 0 ]; then
	log "FAIL: $fails check(s) failed"
	exit 1
fi
log "PASS: vhostctl"
