#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Do the ring tests fail when the code is wrong? Each mutant below breaks one
rule of drivers/vhost/ring.c or mem.c (a barrier dropped, a bound off by
one, a check removed); each is built in a scratch directory and must make
ring_test fail (or hang: a timeout counts as caught). With --fuzz N the
fuzz target also runs N seconds on each mutant, from the seed corpus.

  tests/ring/mutants.py [--fuzz SECONDS] [NAME...]     (make mutants)

Exit 1 when a mutant survives. A maintainer's tool, not part of make check.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", "drivers", "vhost"))

# name, file, old text, new text, which occurrence (0: the only one)
MUTANTS = [
    ("no-rmb-after-avail-idx", "ring.c", "smp_rmb();", ";", 0),
    ("no-wmb-before-used-idx", "ring.c", "smp_wmb();", ";", 1),
    ("no-wmb-before-idx-log", "ring.c", "smp_wmb();", ";", 2),
    ("no-mb-in-should-notify", "ring.c", "smp_mb();", ";", 1),
    ("no-mb-in-enable-notify", "ring.c", "smp_mb();", ";", 2),
    ("chain-one-longer-than-ring", "ring.c",
     "++seen >= r->num", "++seen > r->num", 0),
    ("next-may-equal-num", "ring.c", "i >= r->num ||", "i > r->num ||", 0),
    ("indirect-len-any", "ring.c",
     "!len || len % sizeof(struct vring_desc) ||", "!len ||", 0),
    ("indirect-empty-ok", "ring.c", "if (!len || len %", "if (len %", 0),
    ("indirect-nesting-ok", "ring.c",
     "if (flags & VRING_DESC_F_INDIRECT)\n\t\t\treturn -EINVAL;", "", 0),
    ("indirect-with-next-ok", "ring.c",
     "if (!r->indirect || (flags & VRING_DESC_F_NEXT))",
     "if (!r->indirect)", 0),
    ("indirect-without-feature", "ring.c",
     "if (!r->indirect || (flags", "if ((flags", 0),
    ("indirect-loop-unbounded", "ring.c",
     "if (i >= count || ++seen >= count)", "if (i >= count)", 0),
    ("indirect-next-may-equal-count", "ring.c",
     "if (i >= count ||", "if (i > count ||", 0),
    ("avail-idx-one-more", "ring.c",
     "(u16)(idx - r->last_avail_idx) > r->num",
     "(u16)(idx - r->last_avail_idx) > r->num + 1", 0),
    ("avail-idx-full-refused", "ring.c",
     "(u16)(idx - r->last_avail_idx) > r->num",
     "(u16)(idx - r->last_avail_idx) >= r->num", 0),
    ("head-may-equal-num", "ring.c", "head >= r->num", "head > r->num", 0),
    ("readable-after-writable-ok", "ring.c",
     "if (!writable && c->in)", "if (0)", 0),
    ("zero-length-logged", "ring.c", "if (c->log && len)", "if (c->log)", 0),
    ("log-full-unchecked", "ring.c",
     "if (c->nlog == c->log_max)\n\t\t\treturn -ENOBUFS;", "", 0),
    ("used-n-unbounded", "ring.c",
     "if (unlikely(n > r->num))\n\t\treturn -EINVAL;", "", 0),
    ("used-first-unbounded", "ring.c",
     "min(n, r->num - start)", "n", 0),
    ("signalled-never-invalid", "ring.c",
     "r->signalled_used_valid = false;\n\treturn 0;", "return 0;", 0),
    ("signalled-valid-after-start", "ring.c",
     "if (unlikely(!valid))\n\t\treturn true;", "", 0),
    ("avail-event-misplaced", "ring.c",
     "&r->used->ring[r->num];", "&r->used->ring[r->num - 1];", 0),
    ("used-event-misplaced", "ring.c",
     "&r->avail->ring[r->num]", "&r->avail->ring[r->num - 1]", 0),
    ("disable-writes-with-event-idx", "ring.c",
     "if (r->event_idx)\n\t\treturn 0;", "", 0),
    ("enable-ignores-new-buffers", "ring.c",
     "return va16(r, val) != r->avail_idx;", "return false;", 0),
    ("notify-on-empty-ignored", "ring.c",
     "r->notify_on_empty && r->avail_idx", "0 && r->avail_idx", 0),
    ("no-interrupt-ignored", "ring.c",
     "!(va16(r, val) & VRING_AVAIL_F_NO_INTERRUPT)", "true", 0),
    ("start-ignores-used-idx", "ring.c",
     "r->last_used_idx = va16(r, idx);", "r->last_used_idx = 0;", 0),
    ("always-little-endian", "ring.c",
     "return __virtio16_to_cpu(r->le, v);",
     "return __virtio16_to_cpu(true, v);", 0),
    ("used-log-wrong-offset", "ring.c",
     "return va_log_write(r->log_base, r->log_used_gpa + off, len);",
     "return va_log_write(r->log_base, r->log_used_gpa, len);", 0),
    ("overlap-allowed-by-one", "mem.c",
     "mem->regions[i].gpa - prev->gpa < prev->size",
     "mem->regions[i].gpa - prev->gpa < prev->size - 1", 0),
    ("adjacent-refused", "mem.c",
     "mem->regions[i].gpa - prev->gpa < prev->size",
     "mem->regions[i].gpa - prev->gpa <= prev->size", 0),
    ("zero-size-region-ok", "mem.c",
     "if (!r->memory_size)\n\t\treturn -EFAULT;", "", 0),
    ("gpa-wrap-ok", "mem.c",
     "check_add_overflow(r->guest_phys_addr, r->memory_size - 1, &last) ||",
     "", 0),
    ("uaddr-wrap-ok", "mem.c",
     "||\n\t    check_add_overflow(r->userspace_addr, r->memory_size - 1, &last)",
     "", 0),
    ("uaddr-unchecked", "mem.c",
     "!access_ok((void __user *)(unsigned long)r->userspace_addr,\n"
     "\t\t       r->memory_size)", "0", 0),
    ("padding-ok", "mem.c", "if (hdr.padding)", "if (0)", 0),
    ("max-regions-off-by-one", "mem.c",
     "hdr.nregions > max_regions", "hdr.nregions >= max_regions", 0),
    ("leak-on-error", "mem.c",
     "err_free_uregions:\n\tkvfree(uregions);", "err_free_uregions:", 0),
    ("unsorted", "mem.c", "sort(mem->regions", "if (0) sort(mem->regions", 0),
    ("translate-wrap-unchecked", "mem.c",
     "if (len && gpa + len - 1 < gpa)\n\t\treturn -EFAULT;\n\n\twhile", "while",
     0),
    ("find-one-past-region", "mem.c",
     "gpa - r->gpa >= r->size", "gpa - r->gpa > r->size", 0),
    ("translate-one-iov-too-many", "mem.c",
     "if (n == iov_max)", "if (n > iov_max)", 0),
    ("covered-one-past-region", "mem.c",
     "uaddr - r->uaddr >= r->size", "uaddr - r->uaddr > r->size", 0),
    ("log-room-ignores-bit", "mem.c", "* 8 - page % 8;", "* 8;", 0),
    ("log-one-page-more", "mem.c",
     "last = (gpa + len - 1) >> VA_LOG_PAGE_SHIFT;\n\twhile",
     "last = (gpa + len) >> VA_LOG_PAGE_SHIFT;\n\twhile", 0),
    ("log-segs-whole", "mem.c",
     "u64 l = min(segs[i].len, len);", "u64 l = segs[i].len;", 0),
    ("log-access-one-byte-short", "mem.c",
     "last / 8 - first / 8 + 1);", "last / 8 - first / 8);", 0),
    ("log-page-not-unpinned", "mem.c",
     "unpin_user_pages_dirty_lock(&page, 1, true);", "", 0),
]


def mutate(text, old, new, which, name):
    parts = text.split(old)
    if len(parts) < 2 or (which == 0 and len(parts) != 2) or \
            which >= len(parts):
        sys.exit(f"mutant {name}: {old!r} not found as expected "
                 f"({len(parts) - 1} times): update mutants.py")
    i = max(which, 1) - 1
    return old.join(parts[:i + 1]) + new + old.join(parts[i + 1:])


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fuzz", type=int, default=0, metavar="SECONDS")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()

    todo = [m for m in MUTANTS if not args.names or m[0] in args.names]
    survivors = []
    with tempfile.TemporaryDirectory(prefix="ring-mutants.") as tmp:
        for name, fname, old, new, which in todo:
            src = os.path.join(tmp, "src")
            shutil.rmtree(src, ignore_errors=True)
            os.makedirs(src)
            for f in ("ring.c", "ring.h", "mem.c", "mem.h"):
                shutil.copy(os.path.join(SRC, f), src)
            path = os.path.join(src, fname)
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(mutate(text, old, new, which, name))
            out = os.path.join(tmp, "build")
            shutil.rmtree(out, ignore_errors=True)
            mk = ["make", "-s", "-C", HERE, f"RING_SRC={src}",
                  f"RING_O={out}"]
            rc, log = run(mk + [f"{out}/ring_test"], 300)
            if rc != 0:
                sys.exit(f"mutant {name} does not build:\n{log}")
            rc, log = run([f"{out}/ring_test"], 30)
            failed = [ln.split(" - ", 1)[1] for ln in log.splitlines()
                      if ln.startswith("not ok")]
            unit = "timeout" if rc == "timeout" else \
                ", ".join(failed) if failed else \
                f"exit {rc}" if rc else None
            fuzz = ""
            if args.fuzz:
                frc, flog = run(mk + ["fuzz-check",
                                      f"FUZZ_CHECK_SECONDS={args.fuzz}"],
                                args.fuzz + 300)
                fuzz = "  fuzz: " + ("caught" if frc else "missed")
            print(f"{name}: {'caught by ' + unit if unit else 'SURVIVED'}"
                  f"{fuzz}", flush=True)
            if not unit:
                survivors.append(name)
    print(f"mutants: {len(todo) - len(survivors)} caught, "
          f"{len(survivors)} survived")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
