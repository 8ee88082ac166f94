// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the real drivers/vhost/ring.c and mem.c, compiled in
 * userspace against the stub headers in include/: the test's memory is the
 * guest's, and only what fake_map() registered is mapped (see fake_mm.h).
 *
 * Each test names the behaviour it proves. Output is TAP; exit 0 when all
 * pass, 1 otherwise. `ring_test NAME...` runs only the named tests.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vhost.h>

#include "ring.h"
#include "mem.h"
#include "fake_mm.h"

/* The guest: one arena of test memory at guest address GPA_BASE. */
#define GPA_BASE	0x100000ULL
#define ARENA_SIZE	0x80000UL
#define DESC_OFF	0x0000UL	/* up to 1024 entries */
#define AVAIL_OFF	0x4000UL
#define USED_OFF	0x6000UL
#define GUARD_OFF	0x9000UL	/* a page no ring may touch */
#define BUF_OFF		0x10000UL	/* buffers and indirect tables */
#define GUARD_BYTE	0xee

#define NIOV		64

struct env {
	u8 *arena;
	struct va_mem *mem;
	struct va_ring r;
	struct iovec iov[NIOV];
	struct va_log_seg log[NIOV];
	struct va_chain c;
	u16 avail_shadow;	/* the guest's avail->idx */
};

static struct env E;
static bool failed;
static char fail_msg[512];

#define FAIL(...) do {							\
	int _n = snprintf(fail_msg, sizeof(fail_msg), "%s:%d: ",	\
			  __FILE__, __LINE__);				\
	snprintf(fail_msg + _n, sizeof(fail_msg) - _n, __VA_ARGS__);	\
	failed = true;							\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		FAIL("%s", #cond);					\
		return;							\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long _a = (unsigned long long)(a);		\
	unsigned long long _b = (unsigned long long)(b);		\
	if (_a != _b) {							\
		FAIL("%s == 0x%llx, expected %s == 0x%llx",		\
		     #a, _a, #b, _b);					\
		return;							\
	}								\
} while (0)

static void *xalloc_pages(size_t size)
{
	void *p = aligned_alloc(4096, size);

	if (!p) {
		perror("aligned_alloc");
		exit(2);
	}
	memset(p, 0, size);
	return p;
}

static u64 gpa_of(unsigned long off)
{
	return GPA_BASE + off;
}

/* Build a table through va_mem_from_user(), as VHOST_SET_MEM_TABLE does. */
static struct va_mem *mem_build(const struct vhost_memory_region *rs,
				unsigned int n, unsigned int max, long *err)
{
	size_t size = sizeof(struct vhost_memory) + n * sizeof(*rs);
	struct vhost_memory *m = calloc(1, size);
	struct va_mem *mem;

	m->nregions = n;
	memcpy(m->regions, rs, n * sizeof(*rs));
	fake_map(m, size, FAKE_R);
	mem = va_mem_from_user(m, max);
	fake_unmap(m);
	free(m);
	if (IS_ERR(mem)) {
		*err = PTR_ERR(mem);
		return NULL;
	}
	*err = 0;
	return mem;
}

static void env_set_mem(const struct vhost_memory_region *rs, unsigned int n)
{
	long err;

	fake_free(E.mem);
	E.mem = mem_build(rs, n, 64, &err);
	if (!E.mem) {
		fprintf(stderr, "mem_build: %ld\n", err);
		exit(2);
	}
	E.r.mem = E.mem;
}

enum { F_EVENT_IDX = 1, F_INDIRECT = 2, F_NOTIFY_ON_EMPTY = 4, F_BE = 8 };

/* A guest with one region over the arena and a started ring of @num. */
static void env_setup(unsigned int num, unsigned int flags)
{
	struct vhost_memory_region whole = {
		.guest_phys_addr = GPA_BASE,
		.memory_size = ARENA_SIZE,
		.userspace_addr = 0,
	};

	memset(&E, 0, sizeof(E));
	E.arena = xalloc_pages(ARENA_SIZE);
	memset(E.arena + GUARD_OFF, GUARD_BYTE, 4096);
	fake_map(E.arena, ARENA_SIZE, FAKE_RW);
	whole.userspace_addr = (uintptr_t)E.arena;
	env_set_mem(&whole, 1);

	E.r.num = num;
	E.r.desc = (void *)(E.arena + DESC_OFF);
	E.r.avail = (void *)(E.arena + AVAIL_OFF);
	E.r.used = (void *)(E.arena + USED_OFF);
	E.r.le = !(flags & F_BE);
	E.r.event_idx = flags & F_EVENT_IDX;
	E.r.indirect = flags & F_INDIRECT;
	E.r.notify_on_empty = flags & F_NOTIFY_ON_EMPTY;
	E.c.iov = E.iov;
	E.c.iov_max = NIOV;
	E.c.log = E.log;
	E.c.log_max = NIOV;
	if (va_ring_start(&E.r)) {
		fprintf(stderr, "va_ring_start failed\n");
		exit(2);
	}
}

static void env_teardown(void)
{
	fake_free(E.mem);
	free(E.arena);
	memset(&E, 0, sizeof(E));
}

static u16 v16(u16 x)
{
	return __cpu_to_virtio16(E.r.le, x);
}

static u16 c16(u16 x)
{
	return __virtio16_to_cpu(E.r.le, x);
}

static u32 c32(u32 x)
{
	return __virtio32_to_cpu(E.r.le, x);
}

static void put_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags,
		     u16 next)
{
	d->addr = __cpu_to_virtio64(E.r.le, addr);
	d->len = __cpu_to_virtio32(E.r.le, len);
	d->flags = v16(flags);
	d->next = v16(next);
}

static void set_desc(unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	put_desc((struct vring_desc *)E.r.desc + i, addr, len, flags, next);
}

/* An indirect table at arena offset @off. */
static struct vring_desc *itable(unsigned long off)
{
	return (struct vring_desc *)(E.arena + off);
}

static void avail_set_idx(u16 idx)
{
	E.avail_shadow = idx;
	E.r.avail->idx = v16(idx);
}

static void avail_push(u16 head)
{
	E.r.avail->ring[E.avail_shadow & (E.r.num - 1)] = v16(head);
	avail_set_idx(E.avail_shadow + 1);
}

static u16 used_idx(void)
{
	return c16(E.r.used->idx);
}

static u16 *used_event(void)
{
	return (u16 *)&E.r.avail->ring[E.r.num];
}

static u16 *avail_event(void)
{
	return (u16 *)&E.r.used->ring[E.r.num];
}

/* Both the ring's and the guest's view start at @idx. */
static void ring_set_base(u16 avail, u16 used)
{
	E.r.last_avail_idx = avail;
	E.r.avail_idx = avail;
	avail_set_idx(avail);
	E.r.used->idx = v16(used);
	if (va_ring_start(&E.r))
		abort();
}

static bool guard_intact(void)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		if (E.arena[GUARD_OFF + i] != GUARD_BYTE)
			return false;
	return true;
}

static enum va_fetch fetch(void)
{
	return va_ring_fetch(&E.r, &E.c);
}

static unsigned int traced_reads_in(const void *base, size_t len)
{
	uintptr_t b = (uintptr_t)base;
	unsigned int i, n = 0;

	for (i = 0; i < fake_trace_len; i++)
		if (fake_trace[i].kind == FAKE_EV_READ &&
		    fake_trace[i].addr >= b && fake_trace[i].addr - b < len)
			n++;
	return n;
}

/* ---- fetch: direct chains ---- */

static void t_fetch_empty_ring_reports_empty(void)
{
	env_setup(8, 0);
	CHECK_EQ(fetch(), VA_FETCH_EMPTY);
	CHECK_EQ(E.r.last_avail_idx, 0);
	CHECK(va_ring_avail_empty(&E.r));
}

static void t_fetch_direct_chain_readable_then_writable(void)
{
	env_setup(8, 0);
	set_desc(3, gpa_of(BUF_OFF), 100, VRING_DESC_F_NEXT, 5);
	set_desc(5, gpa_of(BUF_OFF + 0x1000), 200,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(1, gpa_of(BUF_OFF + 0x2000), 300, VRING_DESC_F_WRITE, 0);
	avail_push(3);
	CHECK(!va_ring_avail_empty(&E.r));

	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 3);
	CHECK_EQ(E.c.out, 1);
	CHECK_EQ(E.c.in, 2);
	CHECK(E.iov[0].iov_base == E.arena + BUF_OFF);
	CHECK_EQ(E.iov[0].iov_len, 100);
	CHECK(E.iov[1].iov_base == E.arena + BUF_OFF + 0x1000);
	CHECK_EQ(E.iov[1].iov_len, 200);
	CHECK(E.iov[2].iov_base == E.arena + BUF_OFF + 0x2000);
	CHECK_EQ(E.iov[2].iov_len, 300);
	/* Only writable buffers go to the dirty log. */
	CHECK_EQ(E.c.nlog, 2);
	CHECK_EQ(E.log[0].gpa, gpa_of(BUF_OFF + 0x1000));
	CHECK_EQ(E.log[0].len, 200);
	CHECK_EQ(E.log[1].gpa, gpa_of(BUF_OFF + 0x2000));
	CHECK_EQ(E.log[1].len, 300);
	CHECK_EQ(E.r.last_avail_idx, 1);
	CHECK_EQ(fetch(), VA_FETCH_EMPTY);
}

static void t_fetch_buffer_across_regions_gives_one_iov_per_region(void)
{
	/* Two regions contiguous in guest memory, apart in the owner's. */
	struct vhost_memory_region rs[2];

	env_setup(8, 0);
	rs[0] = (struct vhost_memory_region){
		.guest_phys_addr = GPA_BASE, .memory_size = 0x18000,
		.userspace_addr = (uintptr_t)E.arena };
	rs[1] = (struct vhost_memory_region){
		.guest_phys_addr = GPA_BASE + 0x18000, .memory_size = 0x8000,
		.userspace_addr = (uintptr_t)E.arena + 0x30000 };
	env_set_mem(rs, 2);

	set_desc(0, GPA_BASE + 0x17ff0, 0x20, VRING_DESC_F_WRITE, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.in, 2);
	CHECK(E.iov[0].iov_base == E.arena + 0x17ff0);
	CHECK_EQ(E.iov[0].iov_len, 0x10);
	CHECK(E.iov[1].iov_base == E.arena + 0x30000);
	CHECK_EQ(E.iov[1].iov_len, 0x10);
	/* The log keeps the guest range whole. */
	CHECK_EQ(E.c.nlog, 1);
	CHECK_EQ(E.log[0].len, 0x20);
}

static void t_fetch_readable_after_writable_is_bad_chain(void)
{
	env_setup(8, 0);
	set_desc(0, gpa_of(BUF_OFF), 64, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 1);
	set_desc(1, gpa_of(BUF_OFF + 64), 64, 0, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	/* A bad chain is consumed, and named so it can go back as used. */
	CHECK_EQ(E.c.head, 0);
	CHECK_EQ(E.r.last_avail_idx, 1);
}

static void t_fetch_loop_in_chain_is_bad_chain_in_bounded_steps(void)
{
	env_setup(8, 0);
	/* 0 -> 1 -> 2 -> 1 -> ... */
	set_desc(0, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 2);
	set_desc(2, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 1);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	/* No more descriptor reads than the ring has entries. */
	CHECK(traced_reads_in(E.r.desc, va_ring_desc_size(8)) <= 8);
}

static void t_fetch_self_loop_is_bad_chain(void)
{
	env_setup(4, 0);
	set_desc(2, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 2);
	avail_push(2);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	CHECK(traced_reads_in(E.r.desc, va_ring_desc_size(4)) <= 4);
}

static void t_fetch_chain_of_every_descriptor_is_accepted(void)
{
	unsigned int i;

	/* The longest legal chain uses each of the num descriptors once. */
	env_setup(8, 0);
	for (i = 0; i < 8; i++)
		set_desc(i, gpa_of(BUF_OFF + i * 16), 16,
			 i < 7 ? VRING_DESC_F_NEXT : 0, i + 1);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.out, 8);
}

static void t_fetch_chain_longer_than_ring_is_bad_chain(void)
{
	unsigned int i;

	/* Every descriptor chained, the last back to the first: num + 1. */
	env_setup(8, 0);
	for (i = 0; i < 8; i++)
		set_desc(i, gpa_of(BUF_OFF + i * 16), 16, VRING_DESC_F_NEXT,
			 (i + 1) % 8);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	CHECK(traced_reads_in(E.r.desc, va_ring_desc_size(8)) <= 8);
}

static void t_fetch_next_beyond_ring_is_bad_chain(void)
{
	env_setup(8, 0);
	set_desc(0, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 8);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	/* Descriptor 8 (just past the table) was never read. */
	CHECK_EQ(fake_trace_find(0, FAKE_EV_READ,
				 (struct vring_desc *)E.r.desc + 8, 0), -1);
}

static void t_fetch_head_beyond_ring_breaks_ring(void)
{
	env_setup(8, 0);
	avail_push(8);
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
	CHECK_EQ(E.r.last_avail_idx, 0);
	E.r.avail->ring[0] = v16(0xffff);
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
}

static void t_fetch_reads_avail_entries_ahead_in_one_access(void)
{
	unsigned int i;

	env_setup(8, 0);
	for (i = 0; i < 8; i++)
		set_desc(i, gpa_of(BUF_OFF), 8, 0, 0);
	/* Entries 6, 7, 0, 1: the read-ahead stops at the ring's end. */
	ring_set_base(6, 6);
	for (i = 0; i < 4; i++)
		avail_push(i);
	fake_trace_start();
	for (i = 0; i < 4; i++) {
		CHECK_EQ(fetch(), VA_FETCH_CHAIN);
		CHECK_EQ(E.c.head, i);
	}
	fake_trace_stop();
	CHECK_EQ(traced_reads_in(E.r.avail->ring, 8 * sizeof(__virtio16)), 2);
	CHECK(fake_trace_find(0, FAKE_EV_READ, &E.r.avail->ring[6], 4) >= 0);
	CHECK(fake_trace_find(0, FAKE_EV_READ, &E.r.avail->ring[0], 4) >= 0);

	/* Given back, fetched again: the same heads, nothing read again. */
	va_ring_unfetch(&E.r, 2);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 2);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 3);
	fake_trace_stop();
	CHECK_EQ(traced_reads_in(E.r.avail->ring, 8 * sizeof(__virtio16)), 0);
}

static void t_fetch_rereads_a_repaired_avail_entry(void)
{
	env_setup(8, 0);
	set_desc(3, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(8);
	avail_push(3);
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
	/* The driver repairs the entry (and kicks): the device sees it. */
	E.r.avail->ring[0] = v16(3);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 3);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 3);
}

static void t_start_forgets_avail_entries_read_ahead(void)
{
	unsigned int i;

	env_setup(8, 0);
	for (i = 0; i < 8; i++)
		set_desc(i, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(1);
	avail_push(2);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	/* Moved back and restarted, with the driver's entry changed. */
	E.r.avail->ring[1] = v16(5);
	va_ring_unfetch(&E.r, 1);
	ring_set_base(0, 0);
	avail_set_idx(2);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 1);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 5);
}

static void t_fetch_avail_idx_more_than_num_ahead_breaks_ring(void)
{
	unsigned int i;

	env_setup(8, 0);
	ring_set_base(100, 100);
	avail_set_idx(100 + 9);
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
	/* Going backwards is the same: (u16)(idx - last) is huge. */
	avail_set_idx(99);
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
	/* Exactly num ahead is a full ring: all of it is fetched. */
	for (i = 0; i < 8; i++)
		set_desc(i, gpa_of(BUF_OFF), 8, 0, 0);
	avail_set_idx(100);
	for (i = 0; i < 8; i++)
		avail_push(i);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(fetch(), VA_FETCH_CHAIN);
		CHECK_EQ(E.c.head, i);
	}
	CHECK_EQ(fetch(), VA_FETCH_EMPTY);
}

static void t_fetch_avail_idx_wraps_at_2pow16(void)
{
	env_setup(8, 0);
	ring_set_base(0xffff, 0xffff);
	set_desc(4, gpa_of(BUF_OFF), 8, 0, 0);
	set_desc(5, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(4);		/* slot 7 */
	avail_push(5);		/* slot 0, idx 1 */
	CHECK_EQ(c16(E.r.avail->idx), 1);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 4);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 5);
	CHECK_EQ(E.r.last_avail_idx, 1);
}

static void t_fetch_addr_len_overflow_is_bad_chain(void)
{
	/*
	 * Regions at the last and the first guest addresses: only the wrap
	 * check stands between addr + len and address 0.
	 */
	struct vhost_memory_region rs[3];

	env_setup(8, 0);
	rs[0] = (struct vhost_memory_region){ GPA_BASE, ARENA_SIZE,
		(uintptr_t)E.arena, 0 };
	rs[1] = (struct vhost_memory_region){ 0xfffffffffffff000ULL, 0x1000,
		0x100000000000ULL, 0 };
	rs[2] = (struct vhost_memory_region){ 0, 0x1000, 0x100000001000ULL, 0 };
	env_set_mem(rs, 3);

	set_desc(0, 0xffffffffffffff00ULL, 0x100, 0, 0);	/* to the end */
	set_desc(1, 0xffffffffffffff00ULL, 0x101, 0, 0);	/* one past */
	set_desc(2, 0xffffffffffffff00ULL, 0xffffffff, 0, 0);
	avail_push(0);
	avail_push(1);
	avail_push(2);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.iov[0].iov_base, 0x100000000f00ULL);
	CHECK_EQ(E.iov[0].iov_len, 0x100);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_len_near_2pow32_kept_whole_or_refused(void)
{
	/* An 8 GiB region (never touched: rings only translate buffers). */
	struct vhost_memory_region rs[2];

	env_setup(8, 0);
	rs[0] = (struct vhost_memory_region){ GPA_BASE, ARENA_SIZE,
		(uintptr_t)E.arena, 0 };
	rs[1] = (struct vhost_memory_region){ 0x100000000ULL, 0x200000000ULL,
		0x200000000000ULL, 0 };
	env_set_mem(rs, 2);

	set_desc(0, 0x100000000ULL, 0xffffffff, VRING_DESC_F_WRITE, 0);
	set_desc(1, 0x300000000ULL - 0xfffffffeULL, 0xffffffff, 0, 0);
	avail_push(0);
	avail_push(1);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.in, 1);
	CHECK_EQ(E.iov[0].iov_base, 0x200000000000ULL);
	CHECK_EQ(E.iov[0].iov_len, 0xffffffffULL);
	CHECK_EQ(E.log[0].len, 0xffffffffULL);
	/* Its last byte is one past the region. */
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_buffer_outside_memory_is_bad_chain(void)
{
	env_setup(8, 0);
	set_desc(0, GPA_BASE - 1, 2, 0, 0);		/* straddles the start */
	set_desc(1, GPA_BASE + ARENA_SIZE - 1, 2, 0, 0); /* and the end */
	set_desc(2, 0, 1, 0, 0);			/* below all memory */
	avail_push(0);
	avail_push(1);
	avail_push(2);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_zero_length_descriptors_give_no_iov_no_log(void)
{
	env_setup(8, 0);
	/* Zero bytes need no translation: even address 0 is fine. */
	set_desc(0, 0, 0, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa_of(BUF_OFF), 0, VRING_DESC_F_WRITE, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.out, 0);
	CHECK_EQ(E.c.in, 0);
	CHECK_EQ(E.c.nlog, 0);
}

static void t_fetch_more_iovs_than_room_is_bad_chain(void)
{
	env_setup(8, 0);
	set_desc(0, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT, 2);
	set_desc(2, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(0);
	avail_push(0);
	E.c.iov_max = 2;
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	E.c.iov_max = 3;
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.out, 3);
}

static void t_fetch_more_log_segments_than_room_is_bad_chain(void)
{
	env_setup(8, 0);
	set_desc(0, gpa_of(BUF_OFF), 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 1);
	set_desc(1, gpa_of(BUF_OFF), 8, VRING_DESC_F_WRITE, 0);
	avail_push(0);
	avail_push(0);
	E.c.log_max = 1;
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	/* Without a log array nothing is counted. */
	E.c.log = NULL;
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.nlog, 0);
}

static void t_fetch_unmapped_desc_table_is_bad_chain(void)
{
	u8 *elsewhere = xalloc_pages(4096);	/* real, but not mapped */

	env_setup(8, 0);
	E.r.desc = (void *)elsewhere;
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	free(elsewhere);
}

static void t_fetch_unmapped_avail_ring_breaks_ring(void)
{
	u8 *elsewhere = xalloc_pages(4096);

	env_setup(8, 0);
	E.r.avail = (void *)elsewhere;
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
	/* The index readable but not the entry (a ring cut short). */
	E.r.avail = (void *)(E.arena + ARENA_SIZE - 4);
	E.r.avail->idx = v16(1);
	CHECK_EQ(fetch(), VA_FETCH_BROKEN);
	free(elsewhere);
}

static void t_unfetch_gives_chains_back_in_order(void)
{
	env_setup(8, 0);
	set_desc(2, gpa_of(BUF_OFF), 8, 0, 0);
	set_desc(6, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(2);
	avail_push(6);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	va_ring_unfetch(&E.r, 2);
	CHECK(!va_ring_avail_empty(&E.r));
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 2);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 6);
	CHECK_EQ(fetch(), VA_FETCH_EMPTY);
}

static void t_fetch_honours_legacy_big_endian_fields(void)
{
	struct vring_used_elem e;

	env_setup(8, F_BE);
	set_desc(1, gpa_of(BUF_OFF + 0x100), 0x1234,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	set_desc(2, gpa_of(BUF_OFF + 0x200), 0x10, VRING_DESC_F_WRITE, 0);
	avail_push(1);
	CHECK_EQ(((u8 *)&E.r.avail->idx)[1], 1);	/* big-endian 1 */
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 1);
	CHECK_EQ(E.c.in, 2);
	CHECK(E.iov[0].iov_base == E.arena + BUF_OFF + 0x100);
	CHECK_EQ(E.iov[0].iov_len, 0x1234);
	va_ring_used_elem(&E.r, &e, 1, 0x1244);
	CHECK_EQ(va_ring_add_used_n(&E.r, &e, 1), 0);
	CHECK_EQ(((u8 *)&E.r.used->idx)[1], 1);
	CHECK_EQ(((u8 *)&E.r.used->ring[0].len)[3], 0x44);
	CHECK_EQ(c32(E.r.used->ring[0].len), 0x1244);
}

/* ---- fetch: indirect tables ---- */

static void t_fetch_indirect_table_valid(void)
{
	struct vring_desc *t;

	env_setup(8, F_INDIRECT);
	t = itable(BUF_OFF);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 10, VRING_DESC_F_NEXT, 2);
	put_desc(&t[2], gpa_of(BUF_OFF + 0x2000), 20,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	put_desc(&t[1], gpa_of(BUF_OFF + 0x3000), 30, VRING_DESC_F_WRITE, 0);
	set_desc(4, gpa_of(BUF_OFF), 3 * 16, VRING_DESC_F_INDIRECT, 0);
	avail_push(4);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.head, 4);
	CHECK_EQ(E.c.out, 1);
	CHECK_EQ(E.c.in, 2);
	CHECK_EQ(E.iov[0].iov_len, 10);
	CHECK(E.iov[1].iov_base == E.arena + BUF_OFF + 0x2000);
	CHECK_EQ(E.iov[2].iov_len, 30);
	CHECK_EQ(E.c.nlog, 2);
}

static void t_fetch_indirect_table_across_regions(void)
{
	struct vhost_memory_region rs[2];
	struct vring_desc d[2];

	/* The table's second entry straddles two discontiguous regions. */
	env_setup(8, F_INDIRECT);
	rs[0] = (struct vhost_memory_region){ GPA_BASE, 0x18000,
		(uintptr_t)E.arena, 0 };
	rs[1] = (struct vhost_memory_region){ GPA_BASE + 0x18000, 0x8000,
		(uintptr_t)E.arena + 0x30000, 0 };
	env_set_mem(rs, 2);
	E.r.le = true;
	put_desc(&d[0], gpa_of(BUF_OFF), 5, VRING_DESC_F_NEXT, 1);
	put_desc(&d[1], gpa_of(BUF_OFF + 0x100), 7, 0, 0);
	memcpy(E.arena + 0x18000 - 24, d, 24);
	memcpy(E.arena + 0x30000, (u8 *)d + 24, 8);
	set_desc(0, GPA_BASE + 0x18000 - 24, 32, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.out, 2);
	CHECK_EQ(E.iov[1].iov_len, 7);
}

static void t_fetch_indirect_len_not_multiple_of_16_is_bad_chain(void)
{
	struct vring_desc *t;

	env_setup(8, F_INDIRECT);
	t = itable(BUF_OFF);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 10, 0, 0);
	set_desc(0, gpa_of(BUF_OFF), 17, VRING_DESC_F_INDIRECT, 0);
	set_desc(1, gpa_of(BUF_OFF), 8, VRING_DESC_F_INDIRECT, 0);
	set_desc(2, gpa_of(BUF_OFF), 16, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	avail_push(1);
	avail_push(2);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
}

static void t_fetch_indirect_empty_table_is_bad_chain(void)
{
	env_setup(8, F_INDIRECT);
	set_desc(0, gpa_of(BUF_OFF), 0, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_indirect_nested_is_bad_chain(void)
{
	struct vring_desc *t, *t2;

	env_setup(8, F_INDIRECT);
	t = itable(BUF_OFF);
	t2 = itable(BUF_OFF + 0x100);
	put_desc(&t2[0], gpa_of(BUF_OFF + 0x1000), 10, 0, 0);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 10, VRING_DESC_F_NEXT, 1);
	put_desc(&t[1], gpa_of(BUF_OFF + 0x100), 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(0, gpa_of(BUF_OFF), 32, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_indirect_table_outside_memory_is_bad_chain(void)
{
	env_setup(8, F_INDIRECT);
	set_desc(0, 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(1, GPA_BASE + ARENA_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	set_desc(2, 0xfffffffffffffff0ULL, 32, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	avail_push(1);
	avail_push(2);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	/* First entry readable, the second beyond memory. */
	put_desc(itable(ARENA_SIZE - 16), gpa_of(BUF_OFF), 4,
		 VRING_DESC_F_NEXT, 1);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_indirect_with_next_is_bad_chain(void)
{
	struct vring_desc *t;

	env_setup(8, F_INDIRECT);
	t = itable(BUF_OFF);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 10, 0, 0);
	set_desc(0, gpa_of(BUF_OFF), 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa_of(BUF_OFF + 0x1000), 10, 0, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_indirect_without_feature_is_bad_chain(void)
{
	struct vring_desc *t;

	env_setup(8, 0);
	t = itable(BUF_OFF);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 10, 0, 0);
	set_desc(0, gpa_of(BUF_OFF), 16, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

static void t_fetch_indirect_loop_or_next_beyond_table_is_bad_chain(void)
{
	struct vring_desc *t;
	unsigned int i;

	env_setup(8, F_INDIRECT);
	t = itable(BUF_OFF);
	for (i = 0; i < 4; i++)
		put_desc(&t[i], gpa_of(BUF_OFF + 0x1000), 1, VRING_DESC_F_NEXT,
			 (i + 1) % 4);
	set_desc(0, gpa_of(BUF_OFF), 4 * 16, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	CHECK(traced_reads_in(t, 4 * 16) <= 4);

	/* Entry 3 chains to 4, just past a 4-entry table. */
	put_desc(&t[3], gpa_of(BUF_OFF + 0x1000), 1, VRING_DESC_F_NEXT, 4);
	put_desc(&t[4], gpa_of(BUF_OFF + 0x1000), 1, 0, 0);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	CHECK_EQ(fake_trace_find(0, FAKE_EV_READ, &t[4], 0), -1);

	/* Straight from the first entry, before any count bound applies. */
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 1, VRING_DESC_F_NEXT, 4);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
	fake_trace_stop();
	CHECK_EQ(fake_trace_find(0, FAKE_EV_READ, &t[4], 0), -1);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 1, VRING_DESC_F_NEXT, 1);

	/* The same 4 entries, ending at 3, are a good chain. */
	put_desc(&t[3], gpa_of(BUF_OFF + 0x1000), 1, 0, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(E.c.out, 4);
}

static void t_fetch_indirect_readable_after_writable_is_bad_chain(void)
{
	struct vring_desc *t;

	env_setup(8, F_INDIRECT);
	t = itable(BUF_OFF);
	put_desc(&t[0], gpa_of(BUF_OFF + 0x1000), 10,
		 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	put_desc(&t[1], gpa_of(BUF_OFF + 0x1000), 10, 0, 0);
	set_desc(0, gpa_of(BUF_OFF), 32, VRING_DESC_F_INDIRECT, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_BAD_CHAIN);
}

/* ---- used ring ---- */

static void t_start_reads_used_idx_and_publishes_flags(void)
{
	env_setup(8, 0);
	E.r.used->idx = v16(1234);
	E.r.used->flags = v16(0xffff);
	E.r.used_flags = VRING_USED_F_NO_NOTIFY;
	E.r.signalled_used_valid = true;
	CHECK_EQ(va_ring_start(&E.r), 0);
	CHECK_EQ(E.r.last_used_idx, 1234);
	CHECK_EQ(c16(E.r.used->flags), VRING_USED_F_NO_NOTIFY);
	CHECK(!E.r.signalled_used_valid);
	/* A used ring the owner cannot read is refused at start. */
	E.r.used = (void *)(E.arena + ARENA_SIZE);
	CHECK_EQ(va_ring_start(&E.r), -EFAULT);
}

static void t_add_used_writes_entries_then_idx(void)
{
	struct vring_used_elem e[2];

	env_setup(8, 0);
	va_ring_used_elem(&E.r, &e[0], 5, 100);
	va_ring_used_elem(&E.r, &e[1], 7, 0);
	CHECK_EQ(va_ring_add_used_n(&E.r, e, 2), 0);
	CHECK_EQ(used_idx(), 2);
	CHECK_EQ(E.r.last_used_idx, 2);
	CHECK_EQ(c32(E.r.used->ring[0].id), 5);
	CHECK_EQ(c32(E.r.used->ring[0].len), 100);
	CHECK_EQ(c32(E.r.used->ring[1].id), 7);
	CHECK(guard_intact());
}

static void t_add_used_wraps_at_ring_end(void)
{
	struct vring_used_elem e[4];
	unsigned int i;

	env_setup(8, 0);
	ring_set_base(0, 6);
	for (i = 0; i < 8; i++)
		E.r.used->ring[i].id = 0xdeadbeef;
	for (i = 0; i < 4; i++)
		va_ring_used_elem(&E.r, &e[i], 10 + i, i);
	CHECK_EQ(va_ring_add_used_n(&E.r, e, 4), 0);
	CHECK_EQ(used_idx(), 10);
	CHECK_EQ(c32(E.r.used->ring[6].id), 10);
	CHECK_EQ(c32(E.r.used->ring[7].id), 11);
	CHECK_EQ(c32(E.r.used->ring[0].id), 12);
	CHECK_EQ(c32(E.r.used->ring[1].id), 13);
	for (i = 2; i < 6; i++)
		CHECK_EQ(E.r.used->ring[i].id, 0xdeadbeef);
	/* Nothing past the ring: not even avail_event, without EVENT_IDX. */
	CHECK_EQ(*avail_event(), 0);
	CHECK(guard_intact());
}

static void t_add_used_idx_wraps_at_2pow16(void)
{
	struct vring_used_elem e[3] = { 0 };

	env_setup(8, 0);
	ring_set_base(0, 0xfffe);
	CHECK_EQ(va_ring_add_used_n(&E.r, e, 3), 0);
	CHECK_EQ(used_idx(), 1);
	CHECK_EQ(E.r.last_used_idx, 1);
}

/*
 * More entries at once than the ring holds: net.c batches up to
 * VA_VQ_USED_BATCH (64) entries and a guest that keeps refilling avail
 * while the worker runs can make it batch more than num of them. Whatever
 * is returned, nothing may be written outside the used ring.
 */
static void t_add_used_more_than_num_stays_inside_used_ring(void)
{
	struct vring_used_elem e[16];
	uintptr_t lo, hi;
	unsigned int i;
	int ret;

	env_setup(4, 0);
	ring_set_base(0, 2);
	for (i = 0; i < 16; i++)
		va_ring_used_elem(&E.r, &e[i], i % 4, 0);
	lo = (uintptr_t)E.r.used;
	hi = lo + va_ring_used_size(4, false);
	fake_trace_start();
	ret = va_ring_add_used_n(&E.r, e, 16);
	fake_trace_stop();
	for (i = 0; i < fake_trace_len; i++) {
		const struct fake_event *ev = &fake_trace[i];

		if (ev->kind != FAKE_EV_WRITE || !ev->len)
			continue;
		if (ev->addr < lo || ev->addr + ev->len > hi) {
			FAIL("add_used_n(16) on a 4-entry ring wrote %zu bytes at used+%ld (ring is %lu bytes); returned %d",
			     ev->len, (long)(ev->addr - lo),
			     (unsigned long)(hi - lo), ret);
			return;
		}
	}
	CHECK(ret == 0 ? used_idx() == 18 : used_idx() == 2);
}

static void t_add_used_fault_is_reported(void)
{
	struct vring_used_elem e = { 0 };

	env_setup(8, 0);
	fake_unmap(E.arena);
	fake_map(E.arena, ARENA_SIZE, FAKE_R);	/* read-only guest */
	CHECK_EQ(va_ring_add_used_n(&E.r, &e, 1), -EFAULT);
	CHECK_EQ(E.r.last_used_idx, 0);
}

/* ---- notification ---- */

static void add_used(unsigned int n)
{
	struct vring_used_elem e[64] = { 0 };

	while (n) {
		unsigned int k = n < E.r.num ? n : E.r.num;

		if (k > 64)
			k = 64;
		if (va_ring_add_used_n(&E.r, e, k))
			abort();
		n -= k;
	}
}

static void t_notify_without_event_idx_follows_no_interrupt(void)
{
	env_setup(8, 0);
	add_used(1);
	CHECK(va_ring_should_notify(&E.r));
	E.r.avail->flags = v16(VRING_AVAIL_F_NO_INTERRUPT);
	add_used(1);
	CHECK(!va_ring_should_notify(&E.r));
	/* A driver side we cannot read: notify, the safe answer. */
	E.r.avail = (void *)(E.arena + ARENA_SIZE);
	CHECK(va_ring_should_notify(&E.r));
}

static void t_notify_on_empty_overrides_no_interrupt(void)
{
	env_setup(8, F_NOTIFY_ON_EMPTY);
	E.r.avail->flags = v16(VRING_AVAIL_F_NO_INTERRUPT);
	add_used(1);
	CHECK(va_ring_should_notify(&E.r));	/* ring empty */
	set_desc(0, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);	/* one still pending */
	add_used(1);
	CHECK(!va_ring_should_notify(&E.r));
}

static void t_notify_event_idx_follows_used_event(void)
{
	env_setup(8, F_EVENT_IDX);
	E.r.avail->flags = v16(VRING_AVAIL_F_NO_INTERRUPT); /* ignored */
	*used_event() = v16(100);
	/* The first after start always notifies (nothing signalled yet). */
	add_used(1);
	CHECK(va_ring_should_notify(&E.r));
	CHECK_EQ(E.r.signalled_used, 1);
	/* used_event 1: notify once used idx moves past 1. */
	*used_event() = v16(1);
	add_used(1);				/* old 1, new 2 */
	CHECK(va_ring_should_notify(&E.r));
	*used_event() = v16(5);
	add_used(1);				/* old 2, new 3 */
	CHECK(!va_ring_should_notify(&E.r));
	add_used(3);				/* old 3, new 6: crosses 5 */
	CHECK(va_ring_should_notify(&E.r));
	*used_event() = v16(6);
	add_used(1);				/* old 6, new 7: event == old */
	CHECK(va_ring_should_notify(&E.r));
	add_used(1);				/* old 7, new 8: event behind */
	CHECK(!va_ring_should_notify(&E.r));
	/* Nothing new used since the last decision: event 8 not passed. */
	*used_event() = v16(8);
	CHECK(!va_ring_should_notify(&E.r));
}

static void t_notify_event_idx_across_idx_wrap(void)
{
	env_setup(8, F_EVENT_IDX);
	ring_set_base(0, 0xfffc);
	add_used(1);
	CHECK(va_ring_should_notify(&E.r));	/* first: signalled 0xfffd */
	*used_event() = v16(0xfffe);
	add_used(4);				/* 0xfffd -> 1, crosses */
	CHECK(va_ring_should_notify(&E.r));
	*used_event() = v16(3);
	add_used(1);				/* 1 -> 2 */
	CHECK(!va_ring_should_notify(&E.r));
}

static void t_notify_event_idx_invalid_after_2pow16_used(void)
{
	/*
	 * 2^16 entries used without a notification decision: used idx is
	 * back where it was signalled, and vring_need_event() alone would say
	 * "no" for any used_event. signalled_used_valid must force a "yes".
	 */
	env_setup(8, F_EVENT_IDX);
	add_used(1);
	CHECK(va_ring_should_notify(&E.r));	/* signalled 1 */
	*used_event() = v16(0);
	add_used(0x10000);
	CHECK_EQ(used_idx(), 1);
	CHECK(!vring_need_event(0, 1, 1));
	CHECK(va_ring_should_notify(&E.r));
	/* Once notified, the usual rule again. */
	add_used(1);
	CHECK(!va_ring_should_notify(&E.r));
}

static void t_notify_event_idx_invalid_when_one_batch_passes_signalled(void)
{
	/*
	 * A single add that wraps past signalled_used (idx - signalled < n
	 * after the add) invalidates it too: num is 2^15 here.
	 */
	struct vring_used_elem *e = calloc(0x8000, sizeof(*e));
	u8 *big = xalloc_pages(0x80000);
	unsigned int i;

	env_setup(8, F_EVENT_IDX);
	fake_map(big, 0x80000, FAKE_RW);
	E.r.num = 0x8000;
	E.r.used = (void *)big;
	E.r.avail = (void *)(big + 0x48000);
	CHECK_EQ(va_ring_start(&E.r), 0);
	add_used(1);
	CHECK(va_ring_should_notify(&E.r));	/* signalled 1 */
	*used_event() = v16(0);
	for (i = 0; i < 2; i++)
		CHECK_EQ(va_ring_add_used_n(&E.r, e, 0x7fff), 0);
	CHECK_EQ(E.r.last_used_idx, 0xffff);
	CHECK(E.r.signalled_used_valid);	/* not passed yet */
	CHECK_EQ(va_ring_add_used_n(&E.r, e, 2), 0);	/* passes 1 */
	CHECK(!E.r.signalled_used_valid);
	CHECK(va_ring_should_notify(&E.r));
	fake_unmap(big);
	free(big);
	free(e);
}

static void t_disable_enable_notify_without_event_idx(void)
{
	env_setup(8, 0);
	CHECK_EQ(c16(E.r.used->flags), 0);
	CHECK_EQ(va_ring_disable_notify(&E.r), 0);
	CHECK_EQ(c16(E.r.used->flags), VRING_USED_F_NO_NOTIFY);
	/* Already disabled: no second write. */
	fake_trace_start();
	CHECK_EQ(va_ring_disable_notify(&E.r), 0);
	fake_trace_stop();
	CHECK_EQ(fake_trace_find(0, FAKE_EV_WRITE, NULL, 0), -1);
	/* Nothing arrived meanwhile. */
	CHECK(!va_ring_enable_notify(&E.r));
	CHECK_EQ(c16(E.r.used->flags), 0);
	CHECK_EQ(*avail_event(), 0);
	/* Something arrived while disabled: enable says so. */
	CHECK_EQ(va_ring_disable_notify(&E.r), 0);
	set_desc(0, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(0);
	CHECK(va_ring_enable_notify(&E.r));
	CHECK_EQ(c16(E.r.used->flags), 0);
}

static void t_disable_enable_notify_with_event_idx(void)
{
	env_setup(8, F_EVENT_IDX);
	ring_set_base(40, 40);
	/* Disabling writes nothing: the avail event just is not moved. */
	fake_trace_start();
	CHECK_EQ(va_ring_disable_notify(&E.r), 0);
	fake_trace_stop();
	CHECK_EQ(fake_trace_find(0, FAKE_EV_WRITE, NULL, 0), -1);
	CHECK(!va_ring_enable_notify(&E.r));
	CHECK_EQ(c16(*avail_event()), 40);
	CHECK_EQ(c16(E.r.used->flags), 0);
	/* Consume one, disable, the driver adds one: enable reports it. */
	set_desc(0, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(0);
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	CHECK_EQ(va_ring_disable_notify(&E.r), 0);
	avail_push(0);
	CHECK(va_ring_enable_notify(&E.r));
	CHECK_EQ(c16(*avail_event()), 41);
}

static void t_enable_notify_when_enabled_writes_nothing(void)
{
	env_setup(8, 0);
	avail_push(0);
	fake_trace_start();
	CHECK(!va_ring_enable_notify(&E.r));
	fake_trace_stop();
	CHECK_EQ(fake_trace_len, 0);
}

/* ---- barriers: order of accesses around each barrier ---- */

static void t_fetch_reads_entries_after_rmb_after_avail_idx(void)
{
	int i_idx, i_rmb, i_ent, i_desc;

	env_setup(8, 0);
	set_desc(0, gpa_of(BUF_OFF), 8, 0, 0);
	avail_push(0);
	fake_trace_start();
	CHECK_EQ(fetch(), VA_FETCH_CHAIN);
	fake_trace_stop();
	i_idx = fake_trace_find(0, FAKE_EV_READ, &E.r.avail->idx, 2);
	CHECK(i_idx >= 0);
	i_rmb = fake_trace_find(i_idx, FAKE_EV_RMB, NULL, 0);
	CHECK(i_rmb > i_idx);
	i_ent = fake_trace_find(0, FAKE_EV_READ, &E.r.avail->ring[0], 2);
	CHECK(i_ent > i_rmb);
	i_desc = fake_trace_find(0, FAKE_EV_READ, E.r.desc, 16);
	CHECK(i_desc > i_rmb);
}

static void t_add_used_wmb_between_entries_and_idx(void)
{
	struct vring_used_elem e[2] = { 0 };
	int last_entry = -1, i_idx, i;

	env_setup(8, 0);
	ring_set_base(0, 7);	/* two entry writes: slot 7, slot 0 */
	fake_trace_start();
	CHECK_EQ(va_ring_add_used_n(&E.r, e, 2), 0);
	fake_trace_stop();
	i_idx = fake_trace_find(0, FAKE_EV_WRITE, &E.r.used->idx, 2);
	CHECK(i_idx >= 0);
	for (i = 0; i < (int)fake_trace_len; i++)
		if (fake_trace[i].kind == FAKE_EV_WRITE &&
		    fake_trace[i].addr >= (uintptr_t)E.r.used->ring && i != i_idx)
			last_entry = i;
	CHECK(last_entry >= 0 && last_entry < i_idx);
	i = fake_trace_find(last_entry, FAKE_EV_WMB, NULL, 0);
	CHECK(i > last_entry && i < i_idx);
}

static void t_add_used_logs_after_data_with_wmb(void)
{
	u8 *bitmap = xalloc_pages(4096);
	struct vring_used_elem e = { 0 };
	int i_ent, i_idx, i_pin, i_wmb;

	env_setup(8, 0);
	fake_map(bitmap, 4096, FAKE_RW);
	E.r.log_all = true;
	E.r.log_used = true;
	E.r.log_base = bitmap;
	E.r.log_used_gpa = gpa_of(USED_OFF);
	fake_trace_start();
	CHECK_EQ(va_ring_add_used_n(&E.r, &e, 1), 0);
	fake_trace_stop();
	i_ent = fake_trace_find(0, FAKE_EV_WRITE, &E.r.used->ring[0], 0);
	i_idx = fake_trace_find(0, FAKE_EV_WRITE, &E.r.used->idx, 2);
	CHECK(i_ent >= 0 && i_idx > i_ent);
	/* Entry, wmb, its log bit; index, wmb, its log bit. */
	i_wmb = fake_trace_find(i_ent, FAKE_EV_WMB, NULL, 0);
	i_pin = fake_trace_find(i_ent, FAKE_EV_PIN, NULL, 0);
	CHECK(i_wmb > i_ent && i_pin > i_wmb);
	i_wmb = fake_trace_find(i_idx, FAKE_EV_WMB, NULL, 0);
	i_pin = fake_trace_find(i_idx, FAKE_EV_PIN, NULL, 0);
	CHECK(i_wmb > i_idx && i_pin > i_wmb);
	fake_unmap(bitmap);
	free(bitmap);
}

static void t_should_notify_mb_between_used_idx_and_driver_side(void)
{
	unsigned int pass;

	for (pass = 0; pass < 2; pass++) {
		void *driver;
		int i_idx, i_mb, i_rd;

		env_setup(8, pass ? F_EVENT_IDX : 0);
		if (pass) {
			add_used(1);
			va_ring_should_notify(&E.r);	/* make it valid */
		}
		driver = pass ? (void *)used_event() : (void *)&E.r.avail->flags;
		fake_trace_start();
		add_used(1);
		va_ring_should_notify(&E.r);
		fake_trace_stop();
		i_idx = fake_trace_find(0, FAKE_EV_WRITE, &E.r.used->idx, 2);
		i_rd = fake_trace_find(0, FAKE_EV_READ, driver, 2);
		CHECK(i_idx >= 0 && i_rd > i_idx);
		i_mb = fake_trace_find(i_idx, FAKE_EV_MB, NULL, 0);
		CHECK(i_mb > i_idx && i_mb < i_rd);
		env_teardown();
	}
	env_setup(8, 0);	/* for the runner's teardown */
}

static void t_enable_notify_mb_between_publish_and_recheck(void)
{
	unsigned int pass;

	for (pass = 0; pass < 2; pass++) {
		void *flag;
		int i_wr, i_mb, i_rd;

		env_setup(8, pass ? F_EVENT_IDX : 0);
		flag = pass ? (void *)avail_event() : (void *)&E.r.used->flags;
		va_ring_disable_notify(&E.r);
		fake_trace_start();
		va_ring_enable_notify(&E.r);
		fake_trace_stop();
		i_wr = fake_trace_find(0, FAKE_EV_WRITE, flag, 2);
		i_rd = fake_trace_find(0, FAKE_EV_READ, &E.r.avail->idx, 2);
		CHECK(i_wr >= 0 && i_rd > i_wr);
		i_mb = fake_trace_find(i_wr, FAKE_EV_MB, NULL, 0);
		CHECK(i_mb > i_wr && i_mb < i_rd);
		env_teardown();
	}
	env_setup(8, 0);
}

/* ---- memory table ---- */

static struct vhost_memory_region R(u64 gpa, u64 size, u64 uaddr)
{
	struct vhost_memory_region r = {
		.guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uaddr,
	};
	return r;
}

#define UA 0x10000000ULL	/* an owner address; never dereferenced */

static long mem_err(const struct vhost_memory_region *rs, unsigned int n)
{
	struct va_mem *m;
	long err;

	m = mem_build(rs, n, 8, &err);
	fake_free(m);
	return err;
}

static void t_mem_table_sorted_by_gpa(void)
{
	struct vhost_memory_region rs[3] = {
		R(0x30000, 0x1000, UA), R(0x0, 0x1000, UA + 0x1000),
		R(0x10000, 0x20000, UA + 0x2000),
	};
	struct va_mem *m;
	long err;

	m = mem_build(rs, 3, 8, &err);
	CHECK(m);
	CHECK_EQ(m->nregions, 3);
	CHECK_EQ(m->regions[0].gpa, 0x0);
	CHECK_EQ(m->regions[0].uaddr, UA + 0x1000);
	CHECK_EQ(m->regions[1].gpa, 0x10000);
	CHECK_EQ(m->regions[1].size, 0x20000);
	CHECK_EQ(m->regions[2].gpa, 0x30000);
	fake_free(m);
}

static void t_mem_table_refuses_overlap(void)
{
	struct vhost_memory_region rs[2];

	rs[0] = R(0x10000, 0x2000, UA);
	rs[1] = R(0x11fff, 0x1000, UA + 0x10000);	/* last byte shared */
	CHECK_EQ(mem_err(rs, 2), -EINVAL);
	rs[1] = R(0x10800, 0x100, UA + 0x10000);	/* inside */
	CHECK_EQ(mem_err(rs, 2), -EINVAL);
	rs[1] = R(0x10000, 0x1, UA + 0x10000);		/* same start */
	CHECK_EQ(mem_err(rs, 2), -EINVAL);
	rs[1] = R(0x0, 0x10001, UA + 0x10000);		/* from below */
	CHECK_EQ(mem_err(rs, 2), -EINVAL);
	rs[1] = R(0x12000, 0x1000, UA + 0x10000);	/* adjacent: fine */
	CHECK_EQ(mem_err(rs, 2), 0);
	rs[1] = R(0x0, 0x10000, UA + 0x10000);		/* adjacent below */
	CHECK_EQ(mem_err(rs, 2), 0);
}

static void t_mem_table_refuses_zero_size_and_wrap(void)
{
	struct vhost_memory_region r;

	r = R(0x1000, 0, UA);
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
	r = R(0, 0, 0);		/* size - 1 wraps to the top: no overflow */
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
	r = R(0xfffffffffffff000ULL, 0x1001, UA);	/* gpa wraps */
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
	r = R(0xfffffffffffff000ULL, 0x1000, UA);	/* ends at 2^64 - 1 */
	CHECK_EQ(mem_err(&r, 1), 0);
	fake_task_size = ~0ULL;
	r = R(0, 0x2000, 0xfffffffffffff000ULL);	/* uaddr wraps */
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
}

static void t_mem_table_refuses_uaddr_beyond_task_size(void)
{
	const u64 top = 1ULL << 47;	/* x86-64's TASK_SIZE, about */
	struct vhost_memory_region r;

	fake_task_size = top;
	r = R(0, 0x1000, top - 0x1000);		/* up to the limit */
	CHECK_EQ(mem_err(&r, 1), 0);
	r = R(0, 0x1001, top - 0x1000);
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
	r = R(0, 0x1000, top);
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
	r = R(0, 0x1000, 0xffff800000000000ULL);	/* kernel half */
	CHECK_EQ(mem_err(&r, 1), -EFAULT);
}

static void t_mem_table_region_count_limit(void)
{
	struct vhost_memory_region rs[9];
	unsigned int i;

	for (i = 0; i < 9; i++)
		rs[i] = R(i * 0x1000ULL, 0x1000, UA);
	CHECK_EQ(mem_err(rs, 8), 0);
	CHECK_EQ(mem_err(rs, 9), -E2BIG);
	CHECK_EQ(mem_err(rs, 0), 0);	/* empty is a valid table */
}

static void t_mem_table_refuses_padding(void)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r;
	} m = { { 1, 1 }, { 0, 0x1000, UA, 0 } };
	struct va_mem *mem;

	fake_map(&m, sizeof(m), FAKE_R);
	mem = va_mem_from_user(&m.hdr, 8);
	fake_unmap(&m);
	CHECK(IS_ERR(mem));
	CHECK_EQ(PTR_ERR(mem), -EOPNOTSUPP);
}

static void t_mem_table_unreadable_is_efault(void)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[2];
	} m = { { 2, 0 }, { { 0, 0x1000, UA, 0 }, { 0x1000, 0x1000, UA, 0 } } };
	struct va_mem *mem;

	mem = va_mem_from_user(&m.hdr, 8);		/* nothing mapped */
	CHECK_EQ(PTR_ERR(mem), -EFAULT);
	/* The header readable, the second region not. */
	fake_map(&m, sizeof(m.hdr) + sizeof(m.r[0]), FAKE_R);
	mem = va_mem_from_user(&m.hdr, 8);
	fake_unmap(&m);
	CHECK_EQ(PTR_ERR(mem), -EFAULT);
}

static void t_mem_table_frees_on_every_failure(void)
{
	struct vhost_memory_region rs[2] = {
		R(0, 0x2000, UA), R(0x1000, 0x1000, UA),
	};
	long base = fake_alloc_live, k;
	struct va_mem *m;
	long err;

	CHECK_EQ(mem_err(rs, 2), -EINVAL);
	CHECK_EQ(fake_alloc_live, base);
	rs[1] = R(0x2000, 0x1000, UA);
	for (k = 0; k < 2; k++) {
		fake_alloc_fail_after = k;
		m = mem_build(rs, 2, 8, &err);
		CHECK(!m);
		CHECK_EQ(err, -ENOMEM);
		CHECK_EQ(fake_alloc_live, base);
	}
	fake_alloc_fail_after = -1;
	m = mem_build(rs, 2, 8, &err);
	CHECK(m);
	CHECK_EQ(fake_alloc_live, base + 1);
	fake_free(m);
}

static void t_mem_translate_across_regions_and_gaps(void)
{
	struct vhost_memory_region rs[3] = {
		R(0x0, 0x1000, UA), R(0x1000, 0x1000, UA + 0x100000),
		R(0x10000, 0x1000, UA + 0x200000),
	};
	struct iovec iov[4];
	struct va_mem *m;
	long err;

	m = mem_build(rs, 3, 8, &err);
	CHECK(m);
	CHECK_EQ(va_mem_translate(m, 0x800, 0x1000, iov, 4), 2);
	CHECK_EQ(iov[0].iov_base, UA + 0x800);
	CHECK_EQ(iov[0].iov_len, 0x800);
	CHECK_EQ(iov[1].iov_base, UA + 0x100000);
	CHECK_EQ(iov[1].iov_len, 0x800);
	CHECK_EQ(va_mem_translate(m, 0x800, 0x1000, iov, 1), -ENOBUFS);
	CHECK_EQ(va_mem_translate(m, 0x1800, 0x1000, iov, 4), -EFAULT);
	CHECK_EQ(va_mem_translate(m, 0x2000, 1, iov, 4), -EFAULT);
	CHECK_EQ(va_mem_translate(m, 0xffff, 2, iov, 4), -EFAULT);
	CHECK_EQ(va_mem_translate(m, 0x10fff, 1, iov, 4), 1);
	CHECK_EQ(iov[0].iov_base, UA + 0x200fff);
	CHECK_EQ(va_mem_translate(m, 0x11000, 1, iov, 4), -EFAULT);
	CHECK_EQ(va_mem_translate(m, 0x5000000, 0, iov, 4), 0);
	CHECK_EQ(va_mem_translate(m, 0xfffffffffffffff0ULL, 0x20, iov, 4),
		 -EFAULT);
	fake_free(m);
}

static void t_mem_translate_finds_every_region_of_many(void)
{
	struct vhost_memory_region rs[64];
	struct iovec iov[2];
	struct va_mem *m;
	unsigned int i;
	long err;

	/* Given in reverse; regions at 0x2000 * i, gaps between them. */
	for (i = 0; i < 64; i++)
		rs[63 - i] = R(0x2000ULL * i, 0x1000, UA + 0x10000ULL * i);
	m = mem_build(rs, 64, 64, &err);
	CHECK(m);
	for (i = 0; i < 64; i++) {
		u64 g = 0x2000ULL * i;

		CHECK_EQ(va_mem_translate(m, g, 1, iov, 2), 1);
		CHECK_EQ(iov[0].iov_base, UA + 0x10000ULL * i);
		CHECK_EQ(va_mem_translate(m, g + 0xfff, 1, iov, 2), 1);
		CHECK_EQ(iov[0].iov_base, UA + 0x10000ULL * i + 0xfff);
		CHECK_EQ(va_mem_translate(m, g + 0x1000, 1, iov, 2), -EFAULT);
		CHECK_EQ(va_mem_translate(m, g + 0x1fff, 1, iov, 2), -EFAULT);
	}
	fake_free(m);
}

static void t_mem_uaddr_covered(void)
{
	/* Owner order differs from guest order. */
	struct vhost_memory_region rs[3] = {
		R(0x5000, 0x1000, UA), R(0x0, 0x1000, UA + 0x1000),
		R(0x9000, 0x1000, UA + 0x3000),
	};
	struct va_mem *m;
	long err;

	m = mem_build(rs, 3, 8, &err);
	CHECK(m);
	CHECK(va_mem_uaddr_covered(m, UA, 0x1000));
	CHECK(va_mem_uaddr_covered(m, UA + 0x800, 0x1000));	/* spans 2 */
	CHECK(va_mem_uaddr_covered(m, UA, 0x2000));
	CHECK(!va_mem_uaddr_covered(m, UA, 0x2001));		/* into gap */
	CHECK(!va_mem_uaddr_covered(m, UA - 1, 2));
	CHECK(!va_mem_uaddr_covered(m, UA + 0x2000, 1));
	CHECK(va_mem_uaddr_covered(m, UA + 0x3fff, 1));
	CHECK(!va_mem_uaddr_covered(m, UA + 0x3fff, 2));
	CHECK(va_mem_uaddr_covered(m, 0x1234, 0));
	CHECK(!va_mem_uaddr_covered(m, UA, ~0ULL));
	fake_free(m);
}

/* ---- dirty log ---- */

#define LOG_PAGES	4
#define BITS_PER_PAGE	(4096 * 8)

static u8 *log_map;

static void log_setup(void)
{
	log_map = xalloc_pages(LOG_PAGES * 4096);
	fake_map(log_map, LOG_PAGES * 4096, FAKE_RW);
}

static void log_teardown(void)
{
	fake_unmap(log_map);
	free(log_map);
	log_map = NULL;
}

/*
 * Is exactly the set of bits [first[i], last[i]] set, counting from bit 0
 * of byte @off of the map? Names the first wrong bit.
 */
static bool log_bits_are(unsigned long off, unsigned int n,
			 const u64 *first, const u64 *last, char *why,
			 size_t whylen)
{
	u64 bit, nbits = (u64)LOG_PAGES * 4096 * 8;

	for (bit = 0; bit < nbits; bit++) {
		bool set = log_map[bit / 8] & (1u << (bit % 8));
		bool want = false;
		unsigned int i;

		for (i = 0; i < n; i++)
			if (bit >= off * 8 + first[i] && bit <= off * 8 + last[i])
				want = true;
		if (set != want) {
			snprintf(why, whylen, "map bit %llu is %d",
				 (unsigned long long)bit, set);
			return false;
		}
	}
	return true;
}

#define CHECK_BITS(off, n, ...) do {					\
	const u64 _r[] = { __VA_ARGS__ };				\
	u64 _f[8], _l[8];						\
	char _why[64];							\
	unsigned int _i, _n = (n);					\
	for (_i = 0; _i < _n; _i++) {					\
		_f[_i] = _r[2 * _i];					\
		_l[_i] = _r[2 * _i + 1];				\
	}								\
	if (!log_bits_are((off), (n), _f, _l, _why, sizeof(_why))) {	\
		FAIL("log bits: %s", _why);				\
		return;							\
	}								\
} while (0)

static void t_log_write_sets_exactly_the_pages_written(void)
{
	log_setup();
	CHECK_EQ(va_log_write(log_map, 0x3005, 0x2000), 0);	/* pages 3-5 */
	CHECK_BITS(0, 1, 3, 5);
	CHECK_EQ(va_log_write(log_map, 0xfff, 2), 0);		/* pages 0-1 */
	CHECK_BITS(0, 2, 0, 1, 3, 5);
	CHECK_EQ(va_log_write(log_map, 0x7000, 0x1000), 0);	/* page 7 */
	CHECK_EQ(va_log_write(log_map, 0x8000, 1), 0);		/* page 8 */
	CHECK_BITS(0, 3, 0, 1, 3, 5, 7, 8);
	CHECK_EQ(va_log_write(log_map, 0x20000, 0), 0);		/* nothing */
	CHECK_BITS(0, 3, 0, 1, 3, 5, 7, 8);
	CHECK_EQ(fake_pins_live, 0);
	log_teardown();
}

static void t_log_write_crosses_bitmap_pages(void)
{
	u64 p = BITS_PER_PAGE - 10;	/* guest page: bit 10 before the end */

	log_setup();
	CHECK_EQ(va_log_write(log_map, p << 12, 20 << 12), 0);
	CHECK_BITS(0, 1, p, p + 19);
	memset(log_map, 0, LOG_PAGES * 4096);
	/* Two whole bitmap pages and a bit of a third. */
	CHECK_EQ(va_log_write(log_map, 5ULL << 12,
			      (2ULL * BITS_PER_PAGE + 1) << 12), 0);
	CHECK_BITS(0, 1, 5, 5 + 2 * BITS_PER_PAGE);
	CHECK_EQ(fake_pins_live, 0);
	log_teardown();
}

static void t_log_write_unaligned_base_crosses_bitmap_page(void)
{
	unsigned long off = 4095;	/* byte 0 of the log ends a page */

	log_setup();
	CHECK_EQ(va_log_write(log_map + off, 3ULL << 12, 10ULL << 12), 0);
	CHECK_BITS(off, 1, 3, 12);
	memset(log_map, 0, LOG_PAGES * 4096);
	off = 4096 + 4090;
	CHECK_EQ(va_log_write(log_map + off, 1ULL << 12, 100ULL << 12), 0);
	CHECK_BITS(off, 1, 1, 100);
	log_teardown();
}

static void t_log_write_segs_logs_only_bytes_written(void)
{
	const struct va_log_seg segs[3] = {
		{ 0x1000, 0x3000 }, { 0x10000, 0x2000 }, { 0x40000, 0x1000 },
	};

	log_setup();
	/* 0x3800 bytes: all of seg 0, the first 0x800 of seg 1. */
	CHECK_EQ(va_log_write_segs(log_map, segs, 3, 0x3800), 0);
	CHECK_BITS(0, 2, 1, 3, 0x10, 0x10);
	CHECK_EQ(va_log_write_segs(log_map, segs, 3, 0), 0);
	CHECK_BITS(0, 2, 1, 3, 0x10, 0x10);
	CHECK_EQ(va_log_write_segs(log_map, segs, 3, ~0ULL), 0);
	CHECK_BITS(0, 3, 1, 3, 0x10, 0x11, 0x40, 0x40);
	log_teardown();
}

static void t_log_write_unmapped_bitmap_is_efault(void)
{
	log_setup();
	fake_unmap(log_map);
	fake_map(log_map, 4096, FAKE_RW);	/* only the first page */
	CHECK_EQ(va_log_write(log_map, 0, 0x1000), 0);
	CHECK_EQ(va_log_write(log_map, (u64)BITS_PER_PAGE << 12, 1), -EFAULT);
	CHECK_EQ(fake_pins_live, 0);
	fake_unmap(log_map);
	fake_map(log_map, 4096, FAKE_R);	/* read-only */
	CHECK_EQ(va_log_write(log_map, 0, 1), -EFAULT);
	log_teardown();
}

static void t_log_access_ok_checks_bitmap_extent(void)
{
	struct vhost_memory_region rs[2] = {
		R(0, 0x100000, UA), R(0x100000000ULL, 0x1000, UA),
	};
	void *base = (void *)0x1000;
	struct va_mem *m;
	long err;

	fake_task_size = 0x1000 + 0x100;	/* a 256-byte bitmap fits */
	/* 256 bytes = 2048 pages = 8 MiB of guest. */
	CHECK(va_log_access_ok(base, 0, 0x800000));
	CHECK(!va_log_access_ok(base, 0, 0x800001));
	CHECK(va_log_access_ok(base, 0x7ff000, 0x1000));
	CHECK(!va_log_access_ok(base, 0x800000, 1));
	CHECK(va_log_access_ok(base, 0x900000, 0));
	CHECK(!va_log_access_ok(base, 0xfffffffffffff000ULL, 0x2000));
	fake_task_size = 1ULL << 47;
	m = mem_build(rs, 2, 8, &err);
	CHECK(m);
	fake_task_size = 0x1000 + 0x100;
	CHECK(!va_log_mem_access_ok(base, m));	/* 4 GiB region: no room */
	fake_task_size = 0x1000 + 0x20001;
	CHECK(va_log_mem_access_ok(base, m));	/* bit 2^20: byte 0x20000 */
	fake_task_size = 0x1000 + 0x20000;
	CHECK(!va_log_mem_access_ok(base, m));
	fake_free(m);
}

static void t_add_used_logs_used_ring_pages(void)
{
	struct vring_used_elem e = { 0 };

	/*
	 * The guest says its used ring starts 8 bytes before a page end:
	 * flags and idx lie in page 7 of guest memory, ring[7] in page 8.
	 */
	env_setup(8, 0);
	log_setup();
	E.r.log_base = log_map;
	E.r.log_used_gpa = 0x7ff8;
	ring_set_base(0, 7);
	E.r.log_all = true;
	CHECK_EQ(va_ring_add_used_n(&E.r, &e, 1), 0);
	CHECK_BITS(0, 0, 0);		/* log_used off: nothing */
	E.r.log_used = true;
	CHECK_EQ(va_ring_add_used_n(&E.r, &e, 1), 0);	/* slot 0 */
	CHECK_BITS(0, 1, 7, 8);		/* ring[0] straddles 7-8 */
	memset(log_map, 0, LOG_PAGES * 4096);
	ring_set_base(0, 7);
	CHECK_EQ(va_ring_add_used_n(&E.r, &e, 1), 0);	/* slot 7 */
	CHECK_BITS(0, 2, 7, 7, 8, 8);
	memset(log_map, 0, LOG_PAGES * 4096);
	/* Notification state goes to the log too. */
	CHECK_EQ(va_ring_disable_notify(&E.r), 0);
	CHECK_BITS(0, 1, 7, 7);
	log_teardown();
}

struct test {
	const char *name;
	void (*fn)(void);
};

#define T(fn) { #fn + 2, fn }
static const struct test tests[] = {
	T(t_fetch_empty_ring_reports_empty),
	T(t_fetch_direct_chain_readable_then_writable),
	T(t_fetch_buffer_across_regions_gives_one_iov_per_region),
	T(t_fetch_readable_after_writable_is_bad_chain),
	T(t_fetch_loop_in_chain_is_bad_chain_in_bounded_steps),
	T(t_fetch_self_loop_is_bad_chain),
	T(t_fetch_chain_of_every_descriptor_is_accepted),
	T(t_fetch_chain_longer_than_ring_is_bad_chain),
	T(t_fetch_next_beyond_ring_is_bad_chain),
	T(t_fetch_head_beyond_ring_breaks_ring),
	T(t_fetch_reads_avail_entries_ahead_in_one_access),
	T(t_fetch_rereads_a_repaired_avail_entry),
	T(t_start_forgets_avail_entries_read_ahead),
	T(t_fetch_avail_idx_more_than_num_ahead_breaks_ring),
	T(t_fetch_avail_idx_wraps_at_2pow16),
	T(t_fetch_addr_len_overflow_is_bad_chain),
	T(t_fetch_len_near_2pow32_kept_whole_or_refused),
	T(t_fetch_buffer_outside_memory_is_bad_chain),
	T(t_fetch_zero_length_descriptors_give_no_iov_no_log),
	T(t_fetch_more_iovs_than_room_is_bad_chain),
	T(t_fetch_more_log_segments_than_room_is_bad_chain),
	T(t_fetch_unmapped_desc_table_is_bad_chain),
	T(t_fetch_unmapped_avail_ring_breaks_ring),
	T(t_unfetch_gives_chains_back_in_order),
	T(t_fetch_honours_legacy_big_endian_fields),
	T(t_fetch_indirect_table_valid),
	T(t_fetch_indirect_table_across_regions),
	T(t_fetch_indirect_len_not_multiple_of_16_is_bad_chain),
	T(t_fetch_indirect_empty_table_is_bad_chain),
	T(t_fetch_indirect_nested_is_bad_chain),
	T(t_fetch_indirect_table_outside_memory_is_bad_chain),
	T(t_fetch_indirect_with_next_is_bad_chain),
	T(t_fetch_indirect_without_feature_is_bad_chain),
	T(t_fetch_indirect_loop_or_next_beyond_table_is_bad_chain),
	T(t_fetch_indirect_readable_after_writable_is_bad_chain),
	T(t_start_reads_used_idx_and_publishes_flags),
	T(t_add_used_writes_entries_then_idx),
	T(t_add_used_wraps_at_ring_end),
	T(t_add_used_idx_wraps_at_2pow16),
	T(t_add_used_more_than_num_stays_inside_used_ring),
	T(t_add_used_fault_is_reported),
	T(t_add_used_logs_used_ring_pages),
	T(t_notify_without_event_idx_follows_no_interrupt),
	T(t_notify_on_empty_overrides_no_interrupt),
	T(t_notify_event_idx_follows_used_event),
	T(t_notify_event_idx_across_idx_wrap),
	T(t_notify_event_idx_invalid_after_2pow16_used),
	T(t_notify_event_idx_invalid_when_one_batch_passes_signalled),
	T(t_disable_enable_notify_without_event_idx),
	T(t_disable_enable_notify_with_event_idx),
	T(t_enable_notify_when_enabled_writes_nothing),
	T(t_fetch_reads_entries_after_rmb_after_avail_idx),
	T(t_add_used_wmb_between_entries_and_idx),
	T(t_add_used_logs_after_data_with_wmb),
	T(t_should_notify_mb_between_used_idx_and_driver_side),
	T(t_enable_notify_mb_between_publish_and_recheck),
	T(t_mem_table_sorted_by_gpa),
	T(t_mem_table_refuses_overlap),
	T(t_mem_table_refuses_zero_size_and_wrap),
	T(t_mem_table_refuses_uaddr_beyond_task_size),
	T(t_mem_table_region_count_limit),
	T(t_mem_table_refuses_padding),
	T(t_mem_table_unreadable_is_efault),
	T(t_mem_table_frees_on_every_failure),
	T(t_mem_translate_across_regions_and_gaps),
	T(t_mem_translate_finds_every_region_of_many),
	T(t_mem_uaddr_covered),
	T(t_log_write_sets_exactly_the_pages_written),
	T(t_log_write_crosses_bitmap_pages),
	T(t_log_write_unaligned_base_crosses_bitmap_page),
	T(t_log_write_segs_logs_only_bytes_written),
	T(t_log_write_unmapped_bitmap_is_efault),
	T(t_log_access_ok_checks_bitmap_extent),
};

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned int i, n = 0, pass = 0, fail = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		n += selected(tests[i].name, argc, argv);
	printf("TAP version 13\n1..%u\n", n);
	n = 0;
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		long allocs;

		if (!selected(tests[i].name, argc, argv))
			continue;
		fake_mm_reset();
		failed = false;
		allocs = fake_alloc_live;
		tests[i].fn();
		if (E.arena)
			env_teardown();
		if (log_map)
			log_teardown();
		if (!failed && fake_alloc_live != allocs)
			FAIL("%ld allocations leaked", fake_alloc_live - allocs);
		if (!failed && (fake_pins_live || fake_kmaps_live))
			FAIL("%ld pins, %ld kmaps left", fake_pins_live,
			     fake_kmaps_live);
		fake_pins_live = 0;
		fake_kmaps_live = 0;
		fake_alloc_live = allocs;
		n++;
		if (failed) {
			printf("not ok %u - %s\n# %s\n", n, tests[i].name,
			       fail_msg);
			fail++;
		} else {
			printf("ok %u - %s\n", n, tests[i].name);
			pass++;
		}
	}
	printf("ring_test: %u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}
