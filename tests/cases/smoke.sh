#!/bin/bash
# va-devices: both
# va-timeout: 60
#
# The first ioctls any client (QEMU, libvirt, DPDK virtio_user) sends, with the
# numbers from <linux/vhost.h>: GET_FEATURES before an owner exists,
# SET_OWNER once (a second one is EBUSY), SET_FEATURES with what was offered
# (accepted) and with a bit that was not (EOPNOTSUPP). VIRTIO_F_VERSION_1 must
# be offered: DPDK's virtio_user refuses a backend without it.
set -euo pipefail

python3 - "$VA_DEV" <<'PY'
import errno, fcntl, os, struct, sys

dev = sys.argv[1]
VHOST = 0xAF
def _IOC(d, nr, size): return (d << 30) | (size << 16) | (VHOST << 8) | nr
GET_FEATURES = _IOC(2, 0x00, 8)
SET_FEATURES = _IOC(1, 0x00, 8)
SET_OWNER = _IOC(0, 0x01, 0)

NAMES = {15: "MRG_RXBUF", 24: "NOTIFY_ON_EMPTY", 26: "LOG_ALL", 27: "ANY_LAYOUT/NET_HDR",
         28: "INDIRECT_DESC", 29: "EVENT_IDX", 32: "VERSION_1", 33: "ACCESS_PLATFORM",
         34: "RING_PACKED", 40: "RING_RESET"}

def get_features(fd):
    buf = bytearray(8)
    fcntl.ioctl(fd, GET_FEATURES, buf)
    return struct.unpack("=Q", buf)[0]

def expect_errno(what, err, fn):
    try:
        fn()
    except OSError as e:
        if e.errno != err:
            sys.exit(f"FAIL: {what}: {os.strerror(e.errno)}, want {errno.errorcode[err]}")
        return
    sys.exit(f"FAIL: {what} succeeded, want {errno.errorcode[err]}")

fd = os.open(dev, os.O_RDWR)
feat = get_features(fd)
print(f"{dev}: features 0x{feat:016x}:",
      " ".join(NAMES.get(b, str(b)) for b in range(64) if feat >> b & 1))
if not feat >> 32 & 1:
    sys.exit("FAIL: VIRTIO_F_VERSION_1 (bit 32) not offered")

fcntl.ioctl(fd, SET_OWNER)
expect_errno("second VHOST_SET_OWNER", errno.EBUSY, lambda: fcntl.ioctl(fd, SET_OWNER))

unknown = next(b for b in range(63, 0, -1) if not feat >> b & 1)
expect_errno(f"VHOST_SET_FEATURES with bit {unknown} not offered", errno.EOPNOTSUPP,
             lambda: fcntl.ioctl(fd, SET_FEATURES, struct.pack("=Q", feat | 1 << unknown)))
fcntl.ioctl(fd, SET_FEATURES, struct.pack("=Q", feat))
if get_features(fd) != feat:
    sys.exit("FAIL: GET_FEATURES changed after SET_FEATURES")
os.close(fd)

# Closing released the owner: a new fd can be owned again.
fd = os.open(dev, os.O_RDWR)
fcntl.ioctl(fd, SET_OWNER)
os.close(fd)
print("ok: GET_FEATURES, SET_OWNER (once), SET_FEATURES, reopen")
PY
