// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for drivers/vhost/ring.c and mem.c (see fake_mm.h for
 * the address space they run on).
 *
 * The input is a byte stream (missing bytes read as 0): a header with the
 * ring size, features, placement of the rings and the dirty log, and a
 * memory table; then a script of operations, each one byte and its
 * arguments: the guest writing descriptors, avail entries, indirect tables
 * or raw bytes, punching holes in its memory; the device fetching,
 * unfetching, adding used entries, deciding notifications; and direct
 * queries of the memory table and the dirty log. See gen_corpus.c for the
 * encoding, from the writer's side.
 *
 * What is asserted (abort() on violation, so libFuzzer keeps the input):
 *  - the ring code reads only the rings and guest memory (through the
 *    table), writes only the used ring (of the size the features imply),
 *    and pins only the dirty log;
 *  - every call's result and effect agrees with a model written
 *    differently: chains as a walk with a visited set instead of a
 *    counter, translation by linear search, notification with 64-bit
 *    counters instead of signalled_used_valid, dirty bits from page
 *    arithmetic;
 *  - each fetch ends in a bounded number of accesses; no allocation, pin
 *    or kmap outlives the input.
 * Out-of-bounds accesses of the test's own memory are ASan's to catch.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "ring.h"
#include "mem.h"
#include "fake_mm.h"

#define ARENA		(1u << 20)	/* guest memory the test owns */
#define LOGMAP		(2u * 4096)	/* the dirty bitmap */
#define IOVS		1024		/* as the device's VA_VQ_IOV_MAX */
#define MAX_REGIONS	8
#define MAX_OPS		512
#define MAX_HOLES	4
#define PENDING		8192
#define USED_MAX	1088		/* as the device's VA_VQ_USED_MAX */

#define die(...) do {							\
	fprintf(stderr, "ring_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

#define expect(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "ring_fuzz: failed: %s\n", #cond);	\
		die(__VA_ARGS__);					\
	}								\
} while (0)

struct src {
	const u8 *p;
	size_t n;
};

static u8 g8(struct src *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

static u16 g16(struct src *s)
{
	u16 lo = g8(s);

	return lo | (u16)g8(s) << 8;
}

static u32 g32(struct src *s)
{
	u32 lo = g16(s);

	return lo | (u32)g16(s) << 16;
}

static u64 g64(struct src *s)
{
	u64 lo = g32(s);

	return lo | (u64)g32(s) << 32;
}

struct hole {
	u32 page;
	unsigned int prot;
};

static u8 *arena, *logmap;

static struct {
	struct va_ring r;
	struct va_mem *mem;
	struct iovec iov[IOVS];
	struct va_log_seg log[IOVS];
	struct va_chain c;
	bool use_log;
	unsigned int iov_max, log_max;

	u16 shadow;			/* the guest's avail idx */
	/* The model of the avail entries the ring reads ahead. */
	u16 mcache_idx, mcached;
	u16 mcache[VA_RING_AVAIL_BATCH];
	u16 pending[PENDING];		/* fetched, not yet used: FIFO */
	unsigned int pend_head, npend;
	bool broken;

	/* The notification model: unwrapped counters. */
	u64 used_total, sig_total;
	bool sig_valid;

	struct hole holes[MAX_HOLES];
	unsigned int nholes;

	int policy;			/* what the ring code may touch now */
	const void *table;		/* the vhost_memory being read */
	size_t table_len;
} F;

enum { POLICY_NONE, POLICY_RING, POLICY_TABLE };

/*
 * The accesses and barriers the model expects of one call, in order: the
 * trace of the real call must be the same (where the model states it).
 * While a call runs, policy_check() stops it as soon as it goes beyond
 * the expected count, so a loop is reported at once, not as a timeout.
 */
struct mev {
	enum fake_ev kind;
	uintptr_t addr;
	size_t len;
};

static struct mev mev[FAKE_TRACE_MAX];
static unsigned int nmev, nseen;
static bool mev_on;
/*
 * A chain that loops: the model stops at the first descriptor seen twice,
 * the ring goes round until its count bound. Past the model's accesses,
 * only reads, and no more than mlimit in all.
 */
static bool m_loop;
static unsigned long mlimit;

static void mexp(enum fake_ev kind, uintptr_t addr, size_t len)
{
	if (nmev < FAKE_TRACE_MAX)
		mev[nmev] = (struct mev){ kind, addr, len };
	nmev++;
}

static const char *ev_name(enum fake_ev k)
{
	static const char *const names[] = {
		"read", "write", "pin", "rmb", "wmb", "mb",
	};

	return names[k];
}

/* Compare the trace of the call just made with what the model expected. */
static void mev_check(const char *what)
{
	unsigned int i, n = nmev < FAKE_TRACE_MAX ? nmev : FAKE_TRACE_MAX;

	for (i = 0; i < n && i < fake_trace_len; i++) {
		const struct fake_event *e = &fake_trace[i];

		expect(e->kind == mev[i].kind &&
		       (e->kind >= FAKE_EV_RMB ||
			(e->addr == mev[i].addr && e->len == mev[i].len)),
		       "%s: access %u is %s %zu at %#lx, model: %s %zu at %#lx",
		       what, i, ev_name(e->kind), e->len,
		       (unsigned long)e->addr, ev_name(mev[i].kind),
		       mev[i].len, (unsigned long)mev[i].addr);
	}
	if (m_loop) {
		for (; i < fake_trace_len; i++)
			expect(fake_trace[i].kind == FAKE_EV_READ,
			       "%s: a looping chain: %s after the loop", what,
			       ev_name(fake_trace[i].kind));
		return;
	}
	if (nmev <= FAKE_TRACE_MAX)
		expect(fake_trace_len == nmev, "%s: %u accesses, model %u",
		       what, fake_trace_len, nmev);
}

static void mev_start(void)
{
	nmev = 0;
	nseen = 0;
	m_loop = false;
}

/* Trace the call; @strict: the model's list is complete, stop at more. */
static void mev_arm(bool strict)
{
	nseen = 0;
	mev_on = strict;
	fake_trace_start();
}

static void mev_disarm(void)
{
	mev_on = false;
	fake_trace_stop();
}

/* ---- the address-space policy ---- */

static bool within(uintptr_t a, size_t len, uintptr_t base, size_t size)
{
	return a >= base && a - base < size && len <= size - (a - base);
}

static bool in_region_uaddr(uintptr_t a, size_t len)
{
	unsigned int i;

	for (i = 0; F.mem && i < F.mem->nregions; i++)
		if (within(a, len, F.mem->regions[i].uaddr,
			   F.mem->regions[i].size))
			return true;
	return false;
}

static void policy_check(enum fake_ev kind, uintptr_t a, size_t len)
{
	const struct va_ring *r = &F.r;

	if (mev_on && ++nseen > (m_loop ? mlimit : nmev))
		die("%s of %zu at %#lx: more accesses than the model's %lu",
		    ev_name(kind), len, (unsigned long)a,
		    m_loop ? mlimit : nmev);
	if (F.policy == POLICY_NONE || kind >= FAKE_EV_RMB || !len)
		return;
	if (F.policy == POLICY_TABLE) {
		if (kind == FAKE_EV_READ && within(a, len, (uintptr_t)F.table,
						   F.table_len))
			return;
		die("memory table: %s of %zu bytes at %#lx outside the table",
		    kind == FAKE_EV_READ ? "read" : "write/pin", len,
		    (unsigned long)a);
	}
	switch (kind) {
	case FAKE_EV_READ:
		if (within(a, len, (uintptr_t)r->desc,
			   va_ring_desc_size(r->num)) ||
		    within(a, len, (uintptr_t)r->avail,
			   va_ring_avail_size(r->num, r->event_idx)) ||
		    within(a, len, (uintptr_t)r->used,
			   va_ring_used_size(r->num, r->event_idx)) ||
		    in_region_uaddr(a, len))
			return;
		die("read of %zu bytes at %#lx: not a ring, not guest memory",
		    len, (unsigned long)a);
	case FAKE_EV_WRITE:
		if (within(a, len, (uintptr_t)r->used,
			   va_ring_used_size(r->num, r->event_idx)))
			return;
		die("write of %zu bytes at used%+ld: outside the used ring (%zu bytes)",
		    len, (long)(a - (uintptr_t)r->used),
		    va_ring_used_size(r->num, r->event_idx));
	case FAKE_EV_PIN:
		if (r->log_all &&
		    a >= ((uintptr_t)r->log_base & PAGE_MASK))
			return;
		die("pin of %#lx: %s", (unsigned long)a,
		    r->log_all ? "below the log base" : "not logging");
	default:
		break;
	}
}

/* ---- memory: holes in the guest arena ---- */

static int hole_cmp(const void *a, const void *b)
{
	const struct hole *ha = a, *hb = b;

	return ha->page < hb->page ? -1 : ha->page > hb->page;
}

static void remap(void)
{
	u32 start = 0;
	unsigned int i;

	fake_unmap_all();
	qsort(F.holes, F.nholes, sizeof(F.holes[0]), hole_cmp);
	for (i = 0; i < F.nholes; i++) {
		u32 p = F.holes[i].page * 4096;

		if (p > start)
			fake_map(arena + start, p - start, FAKE_RW);
		if (p >= start && F.holes[i].prot)
			fake_map(arena + p, 4096, F.holes[i].prot);
		if (p + 4096 > start)
			start = p + 4096;
	}
	if (start < ARENA)
		fake_map(arena + start, ARENA - start, FAKE_RW);
	fake_map(logmap, LOGMAP, FAKE_RW);
}

static bool readable(uintptr_t a, size_t len)
{
	return fake_access_ok((void *)a, len) && fake_mapped(a, len, FAKE_R);
}

static bool writable(uintptr_t a, size_t len)
{
	return fake_access_ok((void *)a, len) && fake_mapped(a, len, FAKE_W);
}

/* ---- the model ---- */

static u16 m16(const void *p)
{
	u16 v;

	memcpy(&v, p, 2);
	return __virtio16_to_cpu(F.r.le, v);
}

/* Translation by linear search, in the order of va_mem_translate(). */
static int o_translate(u64 gpa, u64 len, struct iovec *iov, unsigned int max)
{
	const struct va_mem *m = F.mem;
	unsigned int n = 0, i;

	if ((__uint128_t)gpa + len > ((__uint128_t)1 << 64))
		return -EFAULT;
	while (len) {
		const struct va_mem_region *r = NULL;
		u64 chunk;

		for (i = 0; i < m->nregions; i++)
			if (gpa >= m->regions[i].gpa &&
			    gpa - m->regions[i].gpa < m->regions[i].size)
				r = &m->regions[i];
		if (!r)
			return -EFAULT;
		if (n == max)
			return -ENOBUFS;
		chunk = r->size - (gpa - r->gpa);
		if (chunk > len)
			chunk = len;
		iov[n].iov_base = (void *)(uintptr_t)(r->uaddr + gpa - r->gpa);
		iov[n].iov_len = chunk;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return n;
}

struct mchain {
	struct iovec iov[IOVS];
	struct va_log_seg log[IOVS];
	unsigned int out, in, nlog;
};

static struct mchain M;
static u32 visit_gen, visited[VA_RING_MAX_NUM], ivisited[65536];

static bool m_add(const struct vring_desc *d)
{
	u64 addr = __virtio64_to_cpu(F.r.le, d->addr);
	u32 len = __virtio32_to_cpu(F.r.le, d->len);
	bool w = __virtio16_to_cpu(F.r.le, d->flags) & VRING_DESC_F_WRITE;
	unsigned int used = M.out + M.in;
	int n;

	if (!w && M.in)
		return false;
	n = o_translate(addr, len, M.iov + used, F.iov_max - used);
	if (n < 0)
		return false;
	if (!w) {
		M.out += n;
		return true;
	}
	M.in += n;
	if (F.use_log && len) {
		if (M.nlog == F.log_max)
			return false;
		M.log[M.nlog].gpa = addr;
		M.log[M.nlog].len = len;
		M.nlog++;
	}
	return true;
}

/* Read one indirect entry through the table, as a guest-memory read. */
static bool m_read_guest(u64 gpa, void *dst, size_t len)
{
	struct iovec piece[4];
	int n, i;

	n = o_translate(gpa, len, piece, 4);
	if (n < 0)
		return false;
	for (i = 0; i < n; i++) {
		mexp(FAKE_EV_READ, (uintptr_t)piece[i].iov_base,
		     piece[i].iov_len);
		if (!readable((uintptr_t)piece[i].iov_base, piece[i].iov_len))
			return false;
		memcpy(dst, piece[i].iov_base, piece[i].iov_len);
		dst = (u8 *)dst + piece[i].iov_len;
	}
	return true;
}

/*
 * A chain is good if it visits no descriptor twice (the ring's rule,
 * stated as a set rather than as a count).
 */
static bool m_walk_indirect(const struct vring_desc *ind)
{
	u64 table = __virtio64_to_cpu(F.r.le, ind->addr);
	u32 len = __virtio32_to_cpu(F.r.le, ind->len);
	u64 count = len / 16, nread = 0;
	u32 i = 0;

	if (!len || len % 16 || count > 65536)
		return false;
	for (;;) {
		struct vring_desc d;
		u16 flags;

		if (ivisited[i] == visit_gen) {
			m_loop = true;
			mlimit = nmev + (count - nread) * 4;
			return false;
		}
		nread++;
		ivisited[i] = visit_gen;
		if (!m_read_guest(table + (u64)i * 16, &d, 16))
			return false;
		flags = __virtio16_to_cpu(F.r.le, d.flags);
		if (flags & VRING_DESC_F_INDIRECT)
			return false;
		if (!m_add(&d))
			return false;
		if (!(flags & VRING_DESC_F_NEXT))
			return true;
		i = __virtio16_to_cpu(F.r.le, d.next);
		if (i >= count)
			return false;
	}
}

static bool m_walk(u16 head)
{
	u32 i = head, nread = 0;

	if (!++visit_gen) {
		memset(visited, 0, sizeof(visited));
		memset(ivisited, 0, sizeof(ivisited));
		visit_gen = 1;
	}
	M.out = M.in = M.nlog = 0;
	for (;;) {
		uintptr_t at = (uintptr_t)F.r.desc + (uintptr_t)i * 16;
		struct vring_desc d;
		u16 flags;

		if (visited[i] == visit_gen) {
			m_loop = true;
			mlimit = nmev + (F.r.num - nread);
			return false;
		}
		visited[i] = visit_gen;
		nread++;
		mexp(FAKE_EV_READ, at, 16);
		if (!readable(at, 16))
			return false;
		memcpy(&d, (void *)at, 16);
		flags = __virtio16_to_cpu(F.r.le, d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (!F.r.indirect || (flags & VRING_DESC_F_NEXT))
				return false;
			return m_walk_indirect(&d);
		}
		if (!m_add(&d))
			return false;
		if (!(flags & VRING_DESC_F_NEXT))
			return true;
		i = __virtio16_to_cpu(F.r.le, d.next);
		if (i >= F.r.num)
			return false;
	}
}

/* ---- device operations, each checked against the model ---- */

static void pend_push(u16 head)
{
	if (F.npend == PENDING)
		return;
	F.pending[(F.pend_head + F.npend) % PENDING] = head;
	F.npend++;
}

static void log_snapshot(u8 *snap)
{
	memcpy(snap, logmap, LOGMAP);
}

/* Bits set since @snap must all be pages of guest range [gpa, gpa+len). */
static void log_only_in(const u8 *snap, u64 gpa, u64 len, const char *what)
{
	u64 off = (uintptr_t)F.r.log_base - (uintptr_t)logmap;
	u64 first = gpa >> 12, last = (gpa + len - 1) >> 12;
	unsigned int i, b;

	for (i = 0; i < LOGMAP; i++) {
		u8 fresh = logmap[i] & ~snap[i];

		for (b = 0; fresh && b < 8; b++) {
			u64 bit = (u64)i * 8 + b, page = bit - off * 8;

			if (!(fresh & (1u << b)))
				continue;
			expect(bit >= off * 8 && len && page >= first &&
			       page <= last,
			       "%s set log bit for guest page %#llx, outside %#llx+%#llx",
			       what, (unsigned long long)page,
			       (unsigned long long)gpa, (unsigned long long)len);
		}
	}
}

static u8 snap_log[LOGMAP];
static bool logging_used(void)
{
	return F.r.log_all && F.r.log_used;
}

static void log_used_only(const char *what)
{
	if (F.r.log_all)
		log_only_in(snap_log, F.r.log_used_gpa,
			    va_ring_used_size(F.r.num, F.r.event_idx), what);
	else
		expect(!memcmp(snap_log, logmap, LOGMAP),
		       "%s logged without VHOST_F_LOG_ALL", what);
}

/*
 * After a call that succeeded while logging the used ring: exactly the
 * pages of the fields it wrote (at their offsets from log_used_gpa) are
 * new in the log, and nothing else.
 */
struct span {
	u64 off, len;
};

static void log_used_exactly(const struct span *sp, unsigned int n,
			     const char *what)
{
	u8 want[LOGMAP];
	u64 off = (uintptr_t)F.r.log_base - (uintptr_t)logmap;
	unsigned int i;

	memcpy(want, snap_log, LOGMAP);
	for (i = 0; i < n; i++) {
		u64 gpa = F.r.log_used_gpa + sp[i].off, p;

		if (!sp[i].len)
			continue;
		for (p = gpa >> 12; p <= (gpa + sp[i].len - 1) >> 12; p++)
			if (off * 8 + p < LOGMAP * 8)
				want[(off * 8 + p) / 8] |= 1u << ((off * 8 + p) % 8);
	}
	expect(!memcmp(want, logmap, LOGMAP),
	       "%s: log bits are not those of the fields written", what);
}

/* Would setting the log bits of guest range [gpa, gpa + len) succeed? */
static bool log_would_work(u64 gpa, u64 len)
{
	uintptr_t off = (uintptr_t)F.r.log_base - (uintptr_t)logmap;
	u64 p;

	if (!len)
		return true;
	for (p = gpa >> 12; p <= (gpa + len - 1) >> 12; p++) {
		u64 bit = off * 8 + p;

		if (bit >= LOGMAP * 8 ||
		    !writable(((uintptr_t)logmap + bit / 8) & PAGE_MASK,
			      PAGE_SIZE))
			return false;
	}
	return true;
}

static bool used_log_would_work(void)
{
	return !logging_used() ||
	       log_would_work(F.r.log_used_gpa,
			      va_ring_used_size(F.r.num, F.r.event_idx));
}

static void do_start(void)
{
	bool ok = readable((uintptr_t)&F.r.used->idx, 2);
	bool seq = !logging_used();	/* else log pins come between */
	int ret;

	/* Starting forgets what was read ahead, whatever else happens. */
	F.mcached = 0;
	mev_start();
	mexp(FAKE_EV_READ, (uintptr_t)&F.r.used->idx, 2);
	if (ok)
		mexp(FAKE_EV_WRITE, (uintptr_t)&F.r.used->flags, 2);
	log_snapshot(snap_log);
	F.policy = POLICY_RING;
	mev_arm(seq);
	ret = va_ring_start(&F.r);
	mev_disarm();
	F.policy = POLICY_NONE;
	if (seq)
		mev_check("start");
	log_used_only("start");
	if (!ok) {
		expect(ret == -EFAULT, "start with used->idx unreadable: %d",
		       ret);
		F.broken = true;
		return;
	}
	expect(F.r.last_used_idx == m16(&F.r.used->idx),
	       "start: last_used_idx %u", F.r.last_used_idx);
	F.used_total = F.r.last_used_idx;
	F.sig_valid = false;
	if (!ret && logging_used()) {
		const struct span flags = { 0, 2 };

		log_used_exactly(&flags, 1, "start");
	}
	expect(!ret || !writable((uintptr_t)&F.r.used->flags, 2) ||
	       !used_log_would_work(), "start failed: %d", ret);
	F.broken = ret != 0;
	if (!ret)
		expect(m16(&F.r.used->flags) == F.r.used_flags,
		       "start: used->flags not published");
}

static enum va_fetch m_fetch(u16 *last, u16 *aidx, u16 *head)
{
	const struct va_ring *r = &F.r;
	unsigned int start, n, i;
	uintptr_t slot;
	u16 pos;

	if (*aidx == *last) {
		u16 idx;

		mexp(FAKE_EV_READ, (uintptr_t)&r->avail->idx, 2);
		if (!readable((uintptr_t)&r->avail->idx, 2))
			return VA_FETCH_BROKEN;
		idx = m16(&r->avail->idx);
		/* "At most num ahead", as a distance that cannot wrap. */
		if ((u32)(u16)(idx - *last) > r->num)
			return VA_FETCH_BROKEN;
		*aidx = idx;
		if (idx == *last)
			return VA_FETCH_EMPTY;
		/* The entries are read after the index that covers them. */
		mexp(FAKE_EV_RMB, 0, 0);
	}
	/*
	 * Entries come from the read-ahead while it covers last; else up to
	 * 64 of them, to the index or the ring's end, in one read. What the
	 * guest wrote over an entry after that read is not seen.
	 */
	pos = *last - F.mcache_idx;
	if (pos >= F.mcached) {
		start = *last % r->num;
		n = (u16)(*aidx - *last);
		if (n > VA_RING_AVAIL_BATCH)
			n = VA_RING_AVAIL_BATCH;
		if (n > r->num - start)
			n = r->num - start;
		slot = (uintptr_t)&r->avail->ring[start];
		mexp(FAKE_EV_READ, slot, 2 * n);
		F.mcached = 0;
		if (!readable(slot, 2 * n))
			return VA_FETCH_BROKEN;
		for (i = 0; i < n; i++)
			F.mcache[i] = m16((void *)(slot + 2 * i));
		F.mcache_idx = *last;
		F.mcached = n;
		pos = 0;
	}
	*head = F.mcache[pos];
	if (*head >= r->num) {
		/* Read again next time: the guest may repair it. */
		F.mcached = 0;
		return VA_FETCH_BROKEN;
	}
	(*last)++;
	return m_walk(*head) ? VA_FETCH_CHAIN : VA_FETCH_BAD_CHAIN;
}

static void do_fetch(struct src *s)
{
	u16 last = F.r.last_avail_idx, aidx = F.r.avail_idx, head = 0;
	enum va_fetch want, got;
	unsigned long before;
	unsigned int i;

	mev_start();
	want = m_fetch(&last, &aidx, &head);
	F.c.iov = F.iov;
	F.c.iov_max = F.iov_max;
	F.c.log = F.use_log ? F.log : NULL;
	F.c.log_max = F.log_max;
	before = fake_accesses;
	F.policy = POLICY_RING;
	mev_arm(true);
	got = va_ring_fetch(&F.r, &F.c);
	mev_disarm();
	F.policy = POLICY_NONE;
	mev_check("fetch");
	expect(fake_accesses - before <= 4 + F.r.num + 4 * 65536,
	       "fetch made %lu accesses", fake_accesses - before);
	expect(got == want, "fetch returned %d, model %d (head %u)", got,
	       want, head);
	expect(F.r.last_avail_idx == last,
	       "fetch: last_avail_idx %u, model %u", F.r.last_avail_idx, last);
	if (want != VA_FETCH_BROKEN)
		expect(F.r.avail_idx == aidx, "fetch: avail_idx %u, model %u",
		       F.r.avail_idx, aidx);
	expect(F.r.avail_cached == F.mcached &&
	       (!F.mcached || F.r.avail_cache_idx == F.mcache_idx),
	       "fetch: %u entries read ahead from %u, model %u from %u",
	       F.r.avail_cached, F.r.avail_cache_idx, F.mcached,
	       F.mcache_idx);
	if (got == VA_FETCH_BROKEN) {
		F.broken = true;
		return;
	}
	if (got == VA_FETCH_EMPTY)
		return;
	expect(F.c.head == head, "fetch: head %u, model %u", F.c.head, head);
	pend_push(head);
	if (got == VA_FETCH_BAD_CHAIN)
		return;

	expect(F.c.out == M.out && F.c.in == M.in,
	       "fetch: %u out %u in, model %u out %u in", F.c.out, F.c.in,
	       M.out, M.in);
	expect(F.c.out + F.c.in <= F.iov_max, "fetch: iov overflow");
	for (i = 0; i < F.c.out + F.c.in; i++)
		expect(F.iov[i].iov_base == M.iov[i].iov_base &&
		       F.iov[i].iov_len == M.iov[i].iov_len,
		       "fetch: iov %u differs from the model", i);
	expect(F.c.nlog == (F.use_log ? M.nlog : 0u),
	       "fetch: %u log segments, model %u", F.c.nlog, M.nlog);
	for (i = 0; i < F.c.nlog; i++)
		expect(F.log[i].gpa == M.log[i].gpa &&
		       F.log[i].len == M.log[i].len,
		       "fetch: log segment %u differs", i);

	/* The device wrote some of it: log that much, as net.c does. */
	if (F.r.log_all && F.c.nlog && (g8(s) & 1)) {
		u64 len = g32(s), total = 0;
		u8 want_map[LOGMAP];
		bool all_mapped = true;
		int ret;

		log_snapshot(snap_log);
		memcpy(want_map, logmap, LOGMAP);
		for (i = 0; i < F.c.nlog && total < len; i++) {
			u64 l = F.log[i].len < len - total ?
				F.log[i].len : len - total;
			u64 p, first = F.log[i].gpa >> 12;
			u64 lastp = (F.log[i].gpa + l - 1) >> 12;
			uintptr_t off = (uintptr_t)F.r.log_base -
					(uintptr_t)logmap;

			for (p = first; p <= lastp; p++) {
				u64 bit = off * 8 + p;

				if (bit >= LOGMAP * 8 ||
				    !writable(((uintptr_t)logmap + bit / 8) &
					      PAGE_MASK, PAGE_SIZE)) {
					all_mapped = false;
					break;
				}
				want_map[bit / 8] |= 1u << (bit % 8);
			}
			total += l;
		}
		ret = va_log_write_segs(F.r.log_base, F.log, F.c.nlog, len);
		if (all_mapped) {
			expect(ret == 0, "log_write_segs failed: %d", ret);
			expect(!memcmp(want_map, logmap, LOGMAP),
			       "log_write_segs set the wrong bits");
		} else {
			expect(ret == -EFAULT, "log_write_segs: %d", ret);
			for (i = 0; i < LOGMAP; i++)
				expect(!(logmap[i] & ~want_map[i]),
				       "log_write_segs: stray bits");
		}
	}
}

static void do_unfetch(struct src *s)
{
	unsigned int n = g8(s) % 4;

	if (n > F.npend)
		n = F.npend;
	va_ring_unfetch(&F.r, n);
	F.npend -= n;
}

/* One va_ring_add_used_n() of @n entries, checked; false if it failed. */
static bool add_used_checked(const struct vring_used_elem *elems,
			     unsigned int n)
{
	static u8 before[8 + 8 * VA_RING_MAX_NUM + 2];
	struct va_ring *r = &F.r;
	size_t usize = va_ring_used_size(r->num, r->event_idx);
	u16 old = r->last_used_idx;
	bool mapped, seq;
	unsigned int k;
	int ret;

	mapped = writable((uintptr_t)r->used, usize);
	if (mapped)
		memcpy(before, r->used, usize);
	log_snapshot(snap_log);

	/* Entries (in up to two parts), wmb, index, wmb. */
	seq = !logging_used() && n <= r->num;
	mev_start();
	if (seq) {
		unsigned int start = old & (r->num - 1);
		unsigned int first = n < r->num - start ? n : r->num - start;
		uintptr_t a = (uintptr_t)&r->used->ring[start];
		uintptr_t b = (uintptr_t)&r->used->ring[0];

		mexp(FAKE_EV_WRITE, a, first * 8);
		if (!first || writable(a, first * 8)) {
			mexp(FAKE_EV_WRITE, b, (n - first) * 8);
			if (n == first || writable(b, (n - first) * 8)) {
				mexp(FAKE_EV_WMB, 0, 0);
				mexp(FAKE_EV_WRITE, (uintptr_t)&r->used->idx, 2);
				if (writable((uintptr_t)&r->used->idx, 2))
					mexp(FAKE_EV_WMB, 0, 0);
			}
		}
	}
	F.policy = POLICY_RING;
	mev_arm(seq);
	ret = va_ring_add_used_n(r, elems, n);
	mev_disarm();
	F.policy = POLICY_NONE;
	if (seq)
		mev_check("add_used");
	log_used_only("add_used");

	if (ret) {
		expect(!mapped || !used_log_would_work() || n > r->num,
		       "add_used(%u) of a %u ring failed: %d", n, r->num, ret);
		expect(r->last_used_idx == old, "add_used failed, moved idx");
		F.broken = true;
		return false;
	}
	expect(r->last_used_idx == (u16)(old + n), "add_used: last_used_idx");
	if (logging_used()) {
		unsigned int start = old & (r->num - 1);
		unsigned int first = n < r->num - start ? n : r->num - start;
		const struct span sp[3] = {
			{ 4 + 8 * start, 8 * first }, { 4, 8 * (n - first) },
			{ 2, 2 },
		};

		log_used_exactly(sp, 3, "add_used");
	}
	if (mapped) {
		__virtio16 idx = __cpu_to_virtio16(r->le, old + n);

		/* Exactly: the n slots, then the index; nothing else. */
		for (k = 0; k < n; k++) {
			unsigned int slot = (u16)(old + k) % r->num;

			memcpy(before + 4 + 8 * slot, &elems[k], 8);
		}
		memcpy(before + 2, &idx, 2);
		expect(!memcmp(before, r->used, usize),
		       "add_used(%u) at %u: used ring differs from the model",
		       n, old);
	}
	F.used_total += n;
	return true;
}

/*
 * Mode < f0: up to 64 of the pending chains. f0-fe: any count up to the
 * device's batch array (more than the ring holds, as a racing guest can
 * make net.c batch). ff: a ring's worth, 1-256 times, with no decision
 * between: the used index goes round 2^16.
 */
static void do_add_used(struct src *s)
{
	static struct vring_used_elem elems[(VA_RING_MAX_NUM > USED_MAX) ?
					    VA_RING_MAX_NUM : USED_MAX];
	struct va_ring *r = &F.r;
	u8 mode = g8(s);
	unsigned int n, k, take, times = 1;

	if (mode == 0xff) {
		times = 1 + g8(s);
		if (times > 0x20000 / r->num + 1)
			times = 0x20000 / r->num + 1;
		for (k = 0; k < r->num; k++)
			va_ring_used_elem(r, &elems[k], k, 0);
		while (times-- && add_used_checked(elems, r->num))
			;
		F.npend = 0;
		return;
	}
	if (mode < 0xf0)
		n = (mode % 65) < F.npend ? mode % 65 : F.npend;
	else
		n = g16(s) % (USED_MAX + 1);
	take = n < F.npend ? n : F.npend;
	for (k = 0; k < n; k++) {
		u32 id = k < take ? F.pending[(F.pend_head + k) % PENDING] :
				    g16(s);
		u32 len = (mode & 1) ? g32(s) : k;

		va_ring_used_elem(r, &elems[k], id, len);
	}
	if (!add_used_checked(elems, n))
		return;
	F.pend_head = (F.pend_head + take) % PENDING;
	F.npend -= take;
}

static void do_notify(void)
{
	struct va_ring *r = &F.r;
	bool want, got;

	/* A full barrier, then at most one read of the driver's side. */
	mev_start();
	mexp(FAKE_EV_MB, 0, 0);
	if (r->notify_on_empty && r->avail_idx == r->last_avail_idx)
		;
	else if (!r->event_idx)
		mexp(FAKE_EV_READ, (uintptr_t)&r->avail->flags, 2);
	else if (F.sig_valid && F.used_total - F.sig_total < 0x10000)
		mexp(FAKE_EV_READ, (uintptr_t)&r->avail->ring[r->num], 2);

	if (r->notify_on_empty && r->avail_idx == r->last_avail_idx) {
		want = true;
	} else if (!r->event_idx) {
		want = !readable((uintptr_t)&r->avail->flags, 2) ||
		       !(m16(&r->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	} else {
		uintptr_t ev = (uintptr_t)&r->avail->ring[r->num];
		u64 since = F.used_total - F.sig_total;

		/*
		 * 2^16 or more used since the last decision: any used_event
		 * was passed, whatever the 16-bit arithmetic says.
		 */
		want = !F.sig_valid || since >= 0x10000 || !readable(ev, 2) ||
		       vring_need_event(m16((void *)ev), (u16)F.used_total,
					(u16)F.sig_total);
		F.sig_total = F.used_total;
		F.sig_valid = true;
	}
	log_snapshot(snap_log);
	F.policy = POLICY_RING;
	mev_arm(true);
	got = va_ring_should_notify(r);
	mev_disarm();
	F.policy = POLICY_NONE;
	mev_check("should_notify");
	expect(!memcmp(snap_log, logmap, LOGMAP), "should_notify logged");
	expect(got == want, "should_notify %d, model %d (used %llu, signalled %llu)",
	       got, want, (unsigned long long)F.used_total,
	       (unsigned long long)F.sig_total);
}

static void do_disable(void)
{
	struct va_ring *r = &F.r;
	bool was = r->used_flags & VRING_USED_F_NO_NOTIFY;
	bool ok = writable((uintptr_t)&r->used->flags, 2);
	int ret;

	mev_start();
	if (!was && !r->event_idx)
		mexp(FAKE_EV_WRITE, (uintptr_t)&r->used->flags, 2);
	log_snapshot(snap_log);
	F.policy = POLICY_RING;
	mev_arm(!logging_used());
	ret = va_ring_disable_notify(r);
	mev_disarm();
	F.policy = POLICY_NONE;
	if (!logging_used())
		mev_check("disable_notify");
	log_used_only("disable_notify");
	expect(r->used_flags & VRING_USED_F_NO_NOTIFY, "disable: flag not set");
	if (was || r->event_idx) {
		expect(!ret && fake_trace_find(0, FAKE_EV_WRITE, NULL, 0) < 0,
		       "disable_notify wrote (already off, or EVENT_IDX)");
		return;
	}
	if (!ok) {
		expect(ret, "disable_notify: unwritable flags, no error");
		return;
	}
	expect(!ret || !used_log_would_work(), "disable_notify: %d", ret);
	expect(m16(&r->used->flags) == r->used_flags, "disable: used->flags");
	if (!ret && logging_used()) {
		const struct span flags = { 0, 2 };

		log_used_exactly(&flags, 1, "disable_notify");
	}
}

/*
 * The index enable_notify() reads back after it published the flag or event.
 * A hostile guest may lay avail->idx over used->flags or avail_event, so the
 * read can return (part of) what was just written: overlay those bytes.
 */
static u16 avail_idx_after_publish(uintptr_t pub)
{
	struct va_ring *r = &F.r;
	uintptr_t idx = (uintptr_t)&r->avail->idx;
	u16 val = r->event_idx ? r->avail_idx :
				 r->used_flags & ~VRING_USED_F_NO_NOTIFY;
	__virtio16 wire = __cpu_to_virtio16(r->le, val);
	u8 bytes[2];
	unsigned int i;

	memcpy(bytes, (void *)idx, 2);
	for (i = 0; i < 2; i++)
		if (idx + i >= pub && idx + i < pub + 2)
			bytes[i] = ((u8 *)&wire)[idx + i - pub];
	return m16(bytes);
}

static void do_enable(void)
{
	struct va_ring *r = &F.r;
	bool was = r->used_flags & VRING_USED_F_NO_NOTIFY;
	uintptr_t pub = r->event_idx ? (uintptr_t)&r->used->ring[r->num] :
				       (uintptr_t)&r->used->flags;
	bool want, got;

	if (!was)
		want = false;
	else if (!writable(pub, 2) || !readable((uintptr_t)&r->avail->idx, 2))
		want = false;
	else
		want = avail_idx_after_publish(pub) != r->avail_idx;
	/* Publish, full barrier, read the index again. */
	mev_start();
	if (was) {
		mexp(FAKE_EV_WRITE, pub, 2);
		if (writable(pub, 2)) {
			mexp(FAKE_EV_MB, 0, 0);
			mexp(FAKE_EV_READ, (uintptr_t)&r->avail->idx, 2);
		}
	}
	log_snapshot(snap_log);
	F.policy = POLICY_RING;
	mev_arm(!logging_used());
	got = va_ring_enable_notify(r);
	mev_disarm();
	F.policy = POLICY_NONE;
	if (!logging_used())
		mev_check("enable_notify");
	log_used_only("enable_notify");
	expect(!(r->used_flags & VRING_USED_F_NO_NOTIFY), "enable: flag set");
	/* A log that cannot be written fails the call: false. */
	expect(got == want || (!used_log_would_work() && !got),
	       "enable_notify %d, model %d", got, want);
	if (!was) {
		expect(fake_trace_len == 0, "enable_notify when enabled: accesses");
		return;
	}
	if (writable(pub, 2))
		expect(m16((void *)pub) == (r->event_idx ? r->avail_idx :
					   r->used_flags),
		       "enable_notify: %s not published",
		       r->event_idx ? "avail_event" : "used->flags");
	if (writable(pub, 2) && logging_used() && used_log_would_work()) {
		const struct span sp = { pub - (uintptr_t)r->used, 2 };

		log_used_exactly(&sp, 1, "enable_notify");
	}
}

static void do_empty(void)
{
	struct va_ring *r = &F.r;
	bool want, got;

	if (r->avail_idx != r->last_avail_idx)
		want = false;
	else if (!readable((uintptr_t)&r->avail->idx, 2))
		want = false;
	else
		want = m16(&r->avail->idx) == r->avail_idx;
	mev_start();
	if (r->avail_idx == r->last_avail_idx)
		mexp(FAKE_EV_READ, (uintptr_t)&r->avail->idx, 2);
	F.policy = POLICY_RING;
	mev_arm(true);
	got = va_ring_avail_empty(r);
	mev_disarm();
	F.policy = POLICY_NONE;
	mev_check("avail_empty");
	expect(got == want, "avail_empty %d, model %d", got, want);
}

static void do_reset(struct src *s)
{
	u16 base = g16(s);

	F.r.last_avail_idx = base;
	F.r.avail_idx = base;
	F.npend = 0;
	F.broken = false;
	do_start();
}

/* ---- direct queries of the table and the log ---- */

static u64 pick_gpa(struct src *s)
{
	u8 k = g8(s);

	if (F.mem->nregions && k < 0xf0) {
		const struct va_mem_region *r =
			&F.mem->regions[k % F.mem->nregions];
		s32 off = (s32)g32(s);

		return (k & 0x10) ? r->gpa + r->size + off : r->gpa + off;
	}
	return g64(s);
}

static void do_translate(struct src *s)
{
	struct iovec got[8], want[8];
	u64 gpa = pick_gpa(s);
	u64 len = (g8(s) & 1) ? g64(s) : g32(s);
	unsigned int max = g8(s) % 9, i;
	int a, b;

	a = va_mem_translate(F.mem, gpa, len, got, max);
	b = o_translate(gpa, len, want, max);
	expect(a == b, "translate(%#llx, %#llx, %u): %d, model %d",
	       (unsigned long long)gpa, (unsigned long long)len, max, a, b);
	for (i = 0; a > 0 && i < (unsigned int)a; i++)
		expect(got[i].iov_base == want[i].iov_base &&
		       got[i].iov_len == want[i].iov_len,
		       "translate: iov %u differs", i);
}

/*
 * Covered: from uaddr, keep stepping to the end of any region that holds
 * the current point, until past the range or stuck (128-bit: no wrap).
 */
static void do_covered(struct src *s)
{
	unsigned int n = F.mem->nregions, i;
	__uint128_t cur, end;
	u8 k = g8(s);
	u64 uaddr, len;
	bool moved = true, want;

	if (n && k < 0xf0)
		uaddr = F.mem->regions[k % n].uaddr + (s32)g32(s);
	else
		uaddr = g64(s);
	len = (k & 1) ? g64(s) : g32(s);
	cur = uaddr;
	end = (__uint128_t)uaddr + len;
	while (cur < end && moved) {
		moved = false;
		for (i = 0; i < n; i++) {
			const struct va_mem_region *r = &F.mem->regions[i];
			__uint128_t rend = (__uint128_t)r->uaddr + r->size;

			if (r->uaddr <= cur && cur < rend) {
				cur = rend;
				moved = true;
			}
		}
	}
	want = cur >= end;
	expect(va_mem_uaddr_covered(F.mem, uaddr, len) == want,
	       "uaddr_covered(%#llx, %#llx): model says %d",
	       (unsigned long long)uaddr, (unsigned long long)len, want);
}

static void do_log_write(struct src *s)
{
	uintptr_t off = g16(s) % LOGMAP;
	u64 gpa = g32(s) % (1u << 28);
	u64 len = (g8(s) & 1) ? g32(s) : g16(s);
	u8 want_map[LOGMAP];
	bool all_mapped = true;
	int ret;

	memcpy(want_map, logmap, LOGMAP);
	if (len) {
		u64 p;

		for (p = gpa >> 12; p <= (gpa + len - 1) >> 12; p++) {
			u64 bit = off * 8 + p;

			if (bit >= LOGMAP * 8 ||
			    !writable(((uintptr_t)logmap + bit / 8) & PAGE_MASK,
				      PAGE_SIZE)) {
				all_mapped = false;
				break;
			}
			want_map[bit / 8] |= 1u << (bit % 8);
		}
	}
	ret = va_log_write(logmap + off, gpa, len);
	if (all_mapped) {
		expect(!ret, "log_write(%#llx, %#llx) at +%lu failed: %d",
		       (unsigned long long)gpa, (unsigned long long)len,
		       (unsigned long)off, ret);
		expect(!memcmp(want_map, logmap, LOGMAP),
		       "log_write(%#llx, %#llx) at +%lu: wrong bits",
		       (unsigned long long)gpa, (unsigned long long)len,
		       (unsigned long)off);
	} else {
		expect(ret == -EFAULT, "log_write past the bitmap: %d", ret);
	}
}

static void do_log_access(struct src *s)
{
	u8 k = g8(s);
	uintptr_t base = k & 1 ? (uintptr_t)(fake_task_size - g32(s)) :
				 (uintptr_t)logmap + g16(s);
	u64 gpa = k & 2 ? g64(s) : g32(s);
	u64 len = k & 4 ? g64(s) : g32(s);
	__uint128_t end = (__uint128_t)gpa + len;
	bool want, got;
	unsigned int i;

	if (!len) {
		want = true;
	} else if (end > ((__uint128_t)1 << 64)) {
		want = false;
	} else {
		/* Every byte holding a bit of the range below the limit. */
		u64 first = gpa >> 12, last = (u64)((end - 1) >> 12);

		want = (__uint128_t)base + last / 8 + 1 <= fake_task_size &&
		       base + first / 8 <= fake_task_size;
	}
	got = va_log_access_ok((void *)base, gpa, len);
	expect(got == want, "log_access_ok(%#lx, %#llx, %#llx): %d, model %d",
	       (unsigned long)base, (unsigned long long)gpa,
	       (unsigned long long)len, got, want);

	want = true;
	for (i = 0; i < F.mem->nregions; i++) {
		const struct va_mem_region *r = &F.mem->regions[i];
		u64 last = (r->gpa + r->size - 1) >> 12;

		if ((__uint128_t)base + last / 8 + 1 > fake_task_size)
			want = false;
	}
	got = va_log_mem_access_ok((void *)base, F.mem);
	expect(got == want, "log_mem_access_ok(%#lx): %d, model %d",
	       (unsigned long)base, got, want);
}

/* ---- the guest's operations ---- */

static u64 pick_addr(struct src *s)
{
	u8 k = g8(s);

	if (F.mem->nregions && k < 0xc0) {
		const struct va_mem_region *r =
			&F.mem->regions[k % F.mem->nregions];

		return r->gpa + (k & 0x20 ? (u64)(s32)g32(s) : g16(s));
	}
	return k < 0xe0 ? g32(s) : g64(s);
}

static void put_desc(struct vring_desc *d, struct src *s)
{
	u64 addr = pick_addr(s);
	u8 lk = g8(s);
	u32 len = lk < 0xc0 ? lk : lk < 0xe0 ? g16(s) : g32(s);
	u8 fl = g8(s);
	u16 flags = (fl & 0x80) ? g16(s) : fl & 7;
	u16 next = (fl & 0x40) ? g16(s) : (u16)(fl >> 3 & 7);

	d->addr = __cpu_to_virtio64(F.r.le, addr);
	d->len = __cpu_to_virtio32(F.r.le, len);
	d->flags = __cpu_to_virtio16(F.r.le, flags);
	d->next = __cpu_to_virtio16(F.r.le, next);
}

/* Guest writes land in the arena only (its memory, seen by the test). */
static void *arena_at(uintptr_t p, size_t len)
{
	uintptr_t a = (uintptr_t)arena;

	if (p < a || p - a > ARENA || len > ARENA - (p - a))
		return NULL;
	return (void *)p;
}

static void g_desc(struct src *s)
{
	u16 i = g16(s) % F.r.num;
	struct vring_desc d;
	void *at;

	put_desc(&d, s);
	at = arena_at((uintptr_t)F.r.desc + (uintptr_t)i * 16, 16);
	if (at)
		memcpy(at, &d, 16);
}

static void g_avail_write(u16 slot, u16 val)
{
	__virtio16 v = __cpu_to_virtio16(F.r.le, val);
	void *at = arena_at((uintptr_t)&F.r.avail->ring[slot], 2);

	if (at)
		memcpy(at, &v, 2);
}

static void g_set_idx(u16 idx)
{
	__virtio16 v = __cpu_to_virtio16(F.r.le, idx);
	void *at = arena_at((uintptr_t)&F.r.avail->idx, 2);

	F.shadow = idx;
	if (at)
		memcpy(at, &v, 2);
}

static void g_push(struct src *s)
{
	u8 k = g8(s);
	unsigned int n = (k & 7) + 1, i;

	for (i = 0; i < n; i++) {
		u16 head = (k & 0x80) ? g16(s) : g8(s) % (F.r.num + 1);

		g_avail_write(F.shadow % F.r.num, head);
		F.shadow++;
	}
	g_set_idx(F.shadow);
}

static void g_idx(struct src *s)
{
	u8 k = g8(s);

	g_set_idx(k & 0x80 ? g16(s) : (u16)(F.shadow + (s8)k));
}

/* An indirect table of up to 8 entries at a guest address. */
static void g_indirect(struct src *s)
{
	u64 gpa = pick_addr(s);
	unsigned int n = g8(s) % 9, i;

	for (i = 0; i < n; i++) {
		struct vring_desc d;
		struct iovec piece[4];
		int k, j;
		u8 *src = (u8 *)&d;

		put_desc(&d, s);
		k = o_translate(gpa + 16 * i, 16, piece, 4);
		for (j = 0; j < k; j++) {
			void *at = arena_at((uintptr_t)piece[j].iov_base,
					    piece[j].iov_len);

			if (at)
				memcpy(at, src, piece[j].iov_len);
			src += piece[j].iov_len;
		}
	}
}

static void g_raw(struct src *s)
{
	u32 off = g32(s) % ARENA;
	unsigned int n = g8(s) % 33, i;

	for (i = 0; i < n && off + i < ARENA; i++)
		arena[off + i] = g8(s);
}

static void g_flags(struct src *s)
{
	u8 k = g8(s);
	__virtio16 v = __cpu_to_virtio16(F.r.le, g16(s));
	void *at = arena_at(k & 1 ? (uintptr_t)&F.r.avail->ring[F.r.num] :
				    (uintptr_t)&F.r.avail->flags, 2);

	if (at)
		memcpy(at, &v, 2);
}

static void g_hole(struct src *s)
{
	u8 k = g8(s);

	if (k & 0x80) {
		F.nholes = 0;	/* all memory back */
	} else if (F.nholes < MAX_HOLES) {
		F.holes[F.nholes].page = g16(s) % (ARENA / 4096);
		F.holes[F.nholes].prot = k & 1 ? FAKE_R : 0;
		F.nholes++;
	}
	remap();
}

/* ---- setup ---- */

static struct va_mem *table_from(struct src *s, struct vhost_memory *m,
				 unsigned int *nraw, int *want)
{
	u8 k = g8(s);
	unsigned int n = k % 10, i, j;
	struct va_mem *mem;

	m->nregions = n;
	m->padding = (k & 0x80) ? g32(s) : 0;
	for (i = 0; i < n && i < 9; i++) {
		struct vhost_memory_region *r = &m->regions[i];
		u8 kind = g8(s);

		r->guest_phys_addr = kind & 1 ? g64(s) : (u64)g32(s) << 4;
		r->memory_size = kind & 2 ? g64(s) : g32(s) % (2 * ARENA);
		r->userspace_addr = kind & 4 ? g64(s) :
				    (uintptr_t)arena + g32(s) % ARENA;
		r->flags_padding = 0;
	}
	*nraw = n;

	/* The model of va_mem_from_user(): the first error, in its order. */
	*want = 0;
	if (m->padding)
		*want = -EOPNOTSUPP;
	else if (n > MAX_REGIONS)
		*want = -E2BIG;
	else if (k & 0x40)
		*want = -ENOMEM;	/* injected below */
	for (i = 0; !*want && i < n; i++) {
		const struct vhost_memory_region *r = &m->regions[i];
		__uint128_t gend = (__uint128_t)r->guest_phys_addr +
				   r->memory_size;
		__uint128_t uend = (__uint128_t)r->userspace_addr +
				   r->memory_size;

		if (!r->memory_size || gend > ((__uint128_t)1 << 64) ||
		    uend > ((__uint128_t)1 << 64) ||
		    uend > fake_task_size)
			*want = -EFAULT;
	}
	for (i = 0; !*want && i < n; i++)
		for (j = 0; j < i; j++) {
			const struct vhost_memory_region *a = &m->regions[i];
			const struct vhost_memory_region *b = &m->regions[j];
			__uint128_t aend = (__uint128_t)
				a->guest_phys_addr + a->memory_size;
			__uint128_t bend = (__uint128_t)
				b->guest_phys_addr + b->memory_size;

			if (a->guest_phys_addr < bend &&
			    b->guest_phys_addr < aend)
				*want = -EINVAL;
		}

	F.table = m;
	F.table_len = sizeof(*m) + n * sizeof(m->regions[0]);
	fake_map(m, F.table_len, FAKE_R);
	if (k & 0x40)
		fake_alloc_fail_after = (k >> 4) & 1;
	F.policy = POLICY_TABLE;
	mem = va_mem_from_user(m, MAX_REGIONS);
	F.policy = POLICY_NONE;
	fake_alloc_fail_after = -1;
	fake_unmap(m);
	return mem;
}

static void check_table(const struct vhost_memory *m, unsigned int n,
			const struct va_mem *mem)
{
	unsigned int i, j;

	expect(mem->nregions == n, "table: %u regions of %u", mem->nregions, n);
	for (i = 0; i < n; i++) {
		bool found = false;

		if (i)
			expect(mem->regions[i - 1].gpa < mem->regions[i].gpa,
			       "table not sorted");
		for (j = 0; j < n; j++)
			if (mem->regions[i].gpa == m->regions[j].guest_phys_addr &&
			    mem->regions[i].size == m->regions[j].memory_size &&
			    mem->regions[i].uaddr == m->regions[j].userspace_addr)
				found = true;
		expect(found, "table: region %u not from the input", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 table_buf[sizeof(struct vhost_memory) +
			    9 * sizeof(struct vhost_memory_region)];
	struct vhost_memory *m = (struct vhost_memory *)table_buf;
	struct src s = { data, size };
	struct va_ring *r = &F.r;
	unsigned int ops, nraw;
	u8 feat;
	int want;

	if (!arena) {
		arena = aligned_alloc(4096, ARENA);
		logmap = aligned_alloc(4096, LOGMAP);
		if (!arena || !logmap)
			abort();
	}
	memset(arena, 0, ARENA);
	memset(logmap, 0, LOGMAP);
	memset(&F, 0, sizeof(F));
	fake_mm_reset();
	fake_check = policy_check;
	remap();

	/* Header: ring, features, placement, log, memory table. */
	r->num = 1u << (g8(&s) % 16);
	feat = g8(&s);
	r->le = !(feat & 0x01);
	r->event_idx = feat & 0x02;
	r->indirect = feat & 0x04;
	r->notify_on_empty = feat & 0x08;
	r->log_all = feat & 0x10;
	r->log_used = feat & 0x20;
	F.iov_max = feat & 0x40 ? 1 + g8(&s) % 8 : IOVS;
	F.use_log = !(feat & 0x80);
	F.log_max = F.use_log && (feat & 0x40) ? 1 + g8(&s) % 8 : IOVS;
	r->desc = (void *)(arena + (g32(&s) % ARENA & ~15u));
	r->avail = (void *)(arena + (g32(&s) % ARENA & ~1u));
	r->used = (void *)(arena + (g32(&s) % ARENA & ~3u));
	r->log_base = logmap + g16(&s) % LOGMAP;
	r->log_used_gpa = g16(&s) << 4;
	r->last_avail_idx = r->avail_idx = F.shadow = g16(&s);
	g_set_idx(F.shadow);
	{
		__virtio16 u = __cpu_to_virtio16(r->le, g16(&s));
		void *at = arena_at((uintptr_t)&r->used->idx, 2);

		if (at)
			memcpy(at, &u, 2);
	}

	F.mem = table_from(&s, m, &nraw, &want);
	if (IS_ERR(F.mem)) {
		expect(PTR_ERR(F.mem) == want, "mem_from_user: %ld, model %d",
		       PTR_ERR(F.mem), want);
		F.mem = va_mem_alloc_empty();
		if (!F.mem)
			abort();
	} else {
		expect(!want, "mem_from_user accepted, model says %d", want);
		check_table(m, nraw, F.mem);
	}
	r->mem = F.mem;
	do_start();

	for (ops = 0; s.n && ops < MAX_OPS; ops++) {
		u8 op = g8(&s) % 21;

		/* A broken queue is stopped until set up again (reset). */
		if (F.broken && op >= 8 && op < 15)
			continue;
		switch (op) {
		case 0:
		case 1:
			g_desc(&s);
			break;
		case 2:
		case 3:
			g_push(&s);
			break;
		case 4:
			g_idx(&s);
			break;
		case 5:
			g_indirect(&s);
			break;
		case 6:
			g_raw(&s);
			break;
		case 7:
			g_flags(&s);
			break;
		case 8:
		case 9: {
			unsigned int n = g8(&s) % 8 + 1;

			while (n-- && !F.broken)
				do_fetch(&s);
			break;
		}
		case 10:
			do_add_used(&s);
			break;
		case 11:
			do_notify();
			break;
		case 12:
			do_disable();
			break;
		case 13:
			do_enable();
			break;
		case 14:
			do_empty();
			do_unfetch(&s);
			break;
		case 15:
			do_reset(&s);
			break;
		case 16:
			do_translate(&s);
			break;
		case 17:
			do_covered(&s);
			break;
		case 18:
			do_log_write(&s);
			break;
		case 19:
			g_hole(&s);
			break;
		case 20:
			do_log_access(&s);
			break;
		}
	}

	fake_free(F.mem);
	F.mem = NULL;
	fake_check = NULL;
	expect(fake_alloc_live == 0, "%ld allocations leaked", fake_alloc_live);
	expect(!fake_pins_live && !fake_kmaps_live, "pins or kmaps leaked");
	return 0;
}
