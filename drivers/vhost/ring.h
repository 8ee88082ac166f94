/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The split virtqueue, device side: read available descriptor chains into
 * iovecs, publish used entries, decide when to notify. It knows nothing of
 * networking, files or threads: the caller serialises all calls on one ring
 * (the device layer holds the queue's mutex) and runs them in the owner's
 * address space, since ring addresses are the owner's user addresses.
 */
#ifndef _VHOST_ACCEL_RING_H
#define _VHOST_ACCEL_RING_H

#include <linux/types.h>
#include <linux/uio.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_ring.h>

#include "mem.h"

/* The largest split ring the virtio spec allows. */
#define VA_RING_MAX_NUM		32768

/* Avail entries read at once: one user copy instead of one per chain. */
#define VA_RING_AVAIL_BATCH	64

struct va_ring {
	/* Layout, set through the device while the ring is stopped. */
	unsigned int num;		/* entries, a power of 2; 0 = unset */
	vring_desc_t __user *desc;
	vring_avail_t __user *avail;
	vring_used_t __user *used;

	/* Negotiated behaviour. */
	bool le;			/* ring fields are little-endian */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC */
	bool notify_on_empty;		/* VIRTIO_F_NOTIFY_ON_EMPTY */

	/* Where descriptor buffers live. */
	const struct va_mem *mem;

	/* Dirty log (VHOST_F_LOG_ALL): buffers and, with log_used, used ring. */
	bool log_all;
	void __user *log_base;
	bool log_used;			/* VHOST_VRING_F_LOG */
	u64 log_used_gpa;		/* guest address of @used */

	/* Progress. */
	u16 last_avail_idx;		/* next avail entry to consume */
	u16 avail_idx;			/* avail->idx as last read */
	u16 last_used_idx;		/* next used entry to fill */
	u16 used_flags;			/* used->flags as last written */
	u16 signalled_used;		/* last_used_idx at last notification */
	bool signalled_used_valid;

	/*
	 * Avail entries read ahead, from avail->ring[avail_cache_idx] on:
	 * only entries the driver had published (below avail_idx), which it
	 * may not change until they are used. Emptied when the ring starts
	 * (its base is set only while it is stopped), when its address is
	 * set, and when an entry was out of range: the driver may repair it
	 * and kick (the queue then looks again).
	 */
	u16 avail_cache_idx;
	u16 avail_cached;		/* valid entries in avail_cache */
	__virtio16 avail_cache[VA_RING_AVAIL_BATCH];
};

/*
 * One descriptor chain: its readable buffers, then its writable ones, as
 * iovecs in the owner's address space. The caller provides the arrays.
 */
struct va_chain {
	struct iovec *iov;
	unsigned int iov_max;
	unsigned int out;		/* readable iovecs, first */
	unsigned int in;		/* writable iovecs, after them */
	struct va_log_seg *log;		/* writable guest ranges, or NULL */
	unsigned int log_max;
	unsigned int nlog;
	u16 head;			/* descriptor index to return as used */
};

/* What va_ring_fetch() found. */
enum va_fetch {
	VA_FETCH_EMPTY = 0,		/* nothing available */
	VA_FETCH_CHAIN,			/* a chain, in the va_chain */
	/* A chain that breaks the rules: consumed, to go back with len 0. */
	VA_FETCH_BAD_CHAIN,
	VA_FETCH_BROKEN,		/* the ring itself is unusable */
};

size_t va_ring_desc_size(unsigned int num);
size_t va_ring_avail_size(unsigned int num, bool event_idx);
size_t va_ring_used_size(unsigned int num, bool event_idx);

int va_ring_start(struct va_ring *r);
enum va_fetch va_ring_fetch(struct va_ring *r, struct va_chain *c);
void va_ring_unfetch(struct va_ring *r, unsigned int n);
int va_ring_add_used_n(struct va_ring *r, const struct vring_used_elem *elems,
		       unsigned int n);
bool va_ring_should_notify(struct va_ring *r);
int va_ring_disable_notify(struct va_ring *r);
bool va_ring_enable_notify(struct va_ring *r);
bool va_ring_avail_empty(struct va_ring *r);

/* Forget what was read ahead: the ring starts, or its address changed. */
static inline void va_ring_forget_avail(struct va_ring *r)
{
	r->avail_cached = 0;
}

static inline void va_ring_used_elem(const struct va_ring *r,
				     struct vring_used_elem *e, u32 id, u32 len)
{
	e->id = __cpu_to_virtio32(r->le, id);
	e->len = __cpu_to_virtio32(r->le, len);
}

static inline void va_chain_reset(struct va_chain *c)
{
	c->out = 0;
	c->in = 0;
	c->nlog = 0;
}

#endif /* _VHOST_ACCEL_RING_H */
