// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue, device side (virtio 1.1, section 2.6).
 *
 * Everything read from the ring is written by the guest at any moment and
 * trusted for nothing: indices are bounded, chains are bounded by the ring
 * size, buffers are translated only through the memory table. A chain that
 * breaks a rule is consumed and handed back unused; a ring whose indices
 * make no sense is reported broken.
 *
 * Barriers follow the spec's order: the avail index is read before the
 * entries it covers (smp_rmb), used entries are written before the used
 * index (smp_wmb), and a full barrier separates publishing used entries or
 * re-enabling notifications from reading the driver's side again (smp_mb).
 */

#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "ring.h"

/* The longest indirect table the spec allows (a 16-bit next field). */
#define VA_RING_MAX_INDIRECT	(U16_MAX + 1)

/* An indirect table may straddle this many memory regions. */
#define VA_RING_INDIRECT_IOVS	4

size_t va_ring_desc_size(unsigned int num)
{
	return sizeof(struct vring_desc) * num;
}

size_t va_ring_avail_size(unsigned int num, bool event_idx)
{
	return sizeof(struct vring_avail) + sizeof(__virtio16) * num +
	       (event_idx ? sizeof(__virtio16) : 0);
}

size_t va_ring_used_size(unsigned int num, bool event_idx)
{
	return sizeof(struct vring_used) +
	       sizeof(struct vring_used_elem) * num +
	       (event_idx ? sizeof(__virtio16) : 0);
}

static u16 va16(const struct va_ring *r, __virtio16 v)
{
	return __virtio16_to_cpu(r->le, v);
}

static int va_ring_log_used(struct va_ring *r, const void __user *field,
			    size_t len)
{
	u64 off = (u64)(unsigned long)field - (u64)(unsigned long)r->used;

	if (!r->log_all || !r->log_used)
		return 0;
	return va_log_write(r->log_base, r->log_used_gpa + off, len);
}

static int va_ring_put_used_flags(struct va_ring *r)
{
	if (put_user(__cpu_to_virtio16(r->le, r->used_flags), &r->used->flags))
		return -EFAULT;
	return va_ring_log_used(r, &r->used->flags, sizeof(r->used->flags));
}

static int va_ring_put_avail_event(struct va_ring *r)
{
	__virtio16 __user *event = (__virtio16 __user *)&r->used->ring[r->num];

	if (put_user(__cpu_to_virtio16(r->le, r->avail_idx), event))
		return -EFAULT;
	return va_ring_log_used(r, event, sizeof(*event));
}

/*
 * Begin using a ring whose layout and base are set: pick up the used index
 * where the driver left it and publish our notification state.
 */
int va_ring_start(struct va_ring *r)
{
	__virtio16 idx;

	va_ring_forget_avail(r);
	if (get_user(idx, &r->used->idx))
		return -EFAULT;
	r->last_used_idx = va16(r, idx);
	r->signalled_used_valid = false;
	return va_ring_put_used_flags(r);
}

/* Read guest bytes at @gpa, which may straddle memory regions. */
static int va_ring_read_guest(const struct va_ring *r, u64 gpa, void *dst,
			      size_t len)
{
	struct iovec iov[VA_RING_INDIRECT_IOVS];
	int n, i;

	n = va_mem_translate(r->mem, gpa, len, iov, ARRAY_SIZE(iov));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (copy_from_user(dst, iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		dst += iov[i].iov_len;
	}
	return 0;
}

/* Append the buffer of one direct descriptor to the chain. */
static int va_ring_add_buf(const struct va_ring *r, struct va_chain *c,
			   const struct vring_desc *d)
{
	u64 addr = __virtio64_to_cpu(r->le, d->addr);
	u32 len = __virtio32_to_cpu(r->le, d->len);
	bool writable = va16(r, d->flags) & VRING_DESC_F_WRITE;
	unsigned int used = c->out + c->in;
	int n;

	/* Readable buffers come first (virtio 1.1, 2.6.4.2). */
	if (!writable && c->in)
		return -EINVAL;

	n = va_mem_translate(r->mem, addr, len, c->iov + used,
			     c->iov_max - used);
	if (n < 0)
		return n;

	if (!writable) {
		c->out += n;
		return 0;
	}
	c->in += n;
	if (c->log && len) {
		if (c->nlog == c->log_max)
			return -ENOBUFS;
		c->log[c->nlog].gpa = addr;
		c->log[c->nlog].len = len;
		c->nlog++;
	}
	return 0;
}

static int va_ring_walk_indirect(const struct va_ring *r, struct va_chain *c,
				 const struct vring_desc *ind)
{
	u64 table = __virtio64_to_cpu(r->le, ind->addr);
	u32 len = __virtio32_to_cpu(r->le, ind->len);
	unsigned int count = len / sizeof(struct vring_desc);
	unsigned int i = 0, seen = 0;
	struct vring_desc d;
	u16 flags;
	int ret;

	if (!len || len % sizeof(struct vring_desc) ||
	    count > VA_RING_MAX_INDIRECT)
		return -EINVAL;

	for (;;) {
		ret = va_ring_read_guest(r, table + (u64)i * sizeof(d), &d,
					 sizeof(d));
		if (ret)
			return ret;
		flags = va16(r, d.flags);
		/* No nesting (virtio 1.1, 2.6.5.3.1). */
		if (flags & VRING_DESC_F_INDIRECT)
			return -EINVAL;
		ret = va_ring_add_buf(r, c, &d);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = va16(r, d.next);
		if (i >= count || ++seen >= count)
			return -EINVAL;
	}
}

/* Walk the chain that starts at @head into @c. */
static int va_ring_walk(const struct va_ring *r, struct va_chain *c,
			unsigned int head)
{
	unsigned int i = head, seen = 0;
	struct vring_desc d;
	u16 flags;
	int ret;

	for (;;) {
		if (copy_from_user(&d, r->desc + i, sizeof(d)))
			return -EFAULT;
		flags = va16(r, d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			/* Only with the feature, and never chained on. */
			if (!r->indirect || (flags & VRING_DESC_F_NEXT))
				return -EINVAL;
			return va_ring_walk_indirect(r, c, &d);
		}
		ret = va_ring_add_buf(r, c, &d);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = va16(r, d.next);
		/* A chain can hold each descriptor once: longer is a loop. */
		if (i >= r->num || ++seen >= r->num)
			return -EINVAL;
	}
}

/*
 * The avail entry at last_avail_idx, which the caller knows is below
 * avail_idx: from the entries read ahead, or with the ones after it (up to
 * avail_idx, the batch size and the end of the ring) in one user copy.
 */
static int va_ring_avail_entry(struct va_ring *r, __virtio16 *val)
{
	u16 pos = r->last_avail_idx - r->avail_cache_idx;
	unsigned int start, n;

	/* va_ring_unfetch() can move last_avail_idx back before the cache. */
	if (pos >= r->avail_cached) {
		start = r->last_avail_idx & (r->num - 1);
		n = min3((unsigned int)(u16)(r->avail_idx - r->last_avail_idx),
			 (unsigned int)VA_RING_AVAIL_BATCH, r->num - start);
		r->avail_cached = 0;
		if (copy_from_user(r->avail_cache, &r->avail->ring[start],
				   n * sizeof(r->avail_cache[0])))
			return -EFAULT;
		r->avail_cache_idx = r->last_avail_idx;
		r->avail_cached = n;
		pos = 0;
	}
	*val = r->avail_cache[pos];
	return 0;
}

/*
 * Take the next available chain. On VA_FETCH_CHAIN and VA_FETCH_BAD_CHAIN
 * the chain is consumed (undo with va_ring_unfetch()) and @c->head names it.
 */
enum va_fetch va_ring_fetch(struct va_ring *r, struct va_chain *c)
{
	__virtio16 val;
	u16 head;

	va_chain_reset(c);

	if (r->avail_idx == r->last_avail_idx) {
		u16 idx;

		if (get_user(val, &r->avail->idx))
			return VA_FETCH_BROKEN;
		idx = va16(r, val);
		/* The driver cannot have made more than num entries ready. */
		if ((u16)(idx - r->last_avail_idx) > r->num)
			return VA_FETCH_BROKEN;
		r->avail_idx = idx;
		if (idx == r->last_avail_idx)
			return VA_FETCH_EMPTY;
		/* Read entries only after the index that covers them. */
		smp_rmb();
	}

	if (va_ring_avail_entry(r, &val))
		return VA_FETCH_BROKEN;
	head = va16(r, val);
	if (head >= r->num) {
		/* A kick looks again: at the entry as it is then. */
		va_ring_forget_avail(r);
		return VA_FETCH_BROKEN;
	}

	r->last_avail_idx++;
	c->head = head;
	if (va_ring_walk(r, c, head))
		return VA_FETCH_BAD_CHAIN;
	return VA_FETCH_CHAIN;
}

/* Give back the last @n fetched chains: they will be fetched again. */
void va_ring_unfetch(struct va_ring *r, unsigned int n)
{
	r->last_avail_idx -= n;
}

/* Publish @n used entries, then the index that covers them. */
int va_ring_add_used_n(struct va_ring *r, const struct vring_used_elem *elems,
		       unsigned int n)
{
	unsigned int start = r->last_used_idx & (r->num - 1);
	unsigned int first = min(n, r->num - start);
	vring_used_elem_t __user *ring = r->used->ring;
	int ret;

	/* More than the ring holds would run past its end. */
	if (unlikely(n > r->num))
		return -EINVAL;
	if (copy_to_user(&ring[start], elems, first * sizeof(*elems)) ||
	    copy_to_user(&ring[0], elems + first, (n - first) * sizeof(*elems)))
		return -EFAULT;
	/* The log must not run ahead of the data it covers. */
	smp_wmb();
	ret = va_ring_log_used(r, &ring[start], first * sizeof(*elems));
	if (!ret)
		ret = va_ring_log_used(r, &ring[0], (n - first) * sizeof(*elems));
	if (ret)
		return ret;

	/* Entries before the index that makes them visible. */
	if (put_user(__cpu_to_virtio16(r->le, r->last_used_idx + n),
		     &r->used->idx))
		return -EFAULT;
	/* The index before the log bit that tells migration to copy it. */
	smp_wmb();
	ret = va_ring_log_used(r, &r->used->idx, sizeof(r->used->idx));
	if (ret)
		return ret;

	r->last_used_idx += n;
	/*
	 * If the index ran past signalled_used by 2^16, vring_need_event()
	 * would give a wrong answer: force the next notification.
	 */
	if (unlikely((u16)(r->last_used_idx - r->signalled_used) < (u16)n))
		r->signalled_used_valid = false;
	return 0;
}

/* Does the driver want an interrupt for what was just used? */
bool va_ring_should_notify(struct va_ring *r)
{
	__virtio16 val;
	u16 old, new;
	bool valid;

	/* The used index must be visible before we read the driver's side. */
	smp_mb();

	if (r->notify_on_empty && r->avail_idx == r->last_avail_idx)
		return true;

	if (!r->event_idx) {
		if (get_user(val, &r->avail->flags))
			return true;
		return !(va16(r, val) & VRING_AVAIL_F_NO_INTERRUPT);
	}

	old = r->signalled_used;
	valid = r->signalled_used_valid;
	new = r->last_used_idx;
	r->signalled_used = new;
	r->signalled_used_valid = true;
	if (unlikely(!valid))
		return true;
	if (get_user(val, &r->avail->ring[r->num]))
		return true;
	return vring_need_event(va16(r, val), new, old);
}

/* Ask the driver not to kick: we are going to look at the ring anyway. */
int va_ring_disable_notify(struct va_ring *r)
{
	if (r->used_flags & VRING_USED_F_NO_NOTIFY)
		return 0;
	r->used_flags |= VRING_USED_F_NO_NOTIFY;
	/* With EVENT_IDX, the avail event we do not move does the job. */
	if (r->event_idx)
		return 0;
	return va_ring_put_used_flags(r);
}

/*
 * Ask the driver to kick again. Returns true when buffers were made
 * available meanwhile, which the caller must process (or it would wait for
 * a kick the driver has no reason to send).
 */
bool va_ring_enable_notify(struct va_ring *r)
{
	__virtio16 val;
	int ret;

	if (!(r->used_flags & VRING_USED_F_NO_NOTIFY))
		return false;
	r->used_flags &= ~VRING_USED_F_NO_NOTIFY;
	if (r->event_idx)
		ret = va_ring_put_avail_event(r);
	else
		ret = va_ring_put_used_flags(r);
	if (ret)
		return false;

	/* Publish the flag (or event) before looking at the index again. */
	smp_mb();
	if (get_user(val, &r->avail->idx))
		return false;
	return va16(r, val) != r->avail_idx;
}

/* Is there nothing to fetch? Cheap enough to poll. */
bool va_ring_avail_empty(struct va_ring *r)
{
	__virtio16 val;

	if (r->avail_idx != r->last_avail_idx)
		return false;
	if (get_user(val, &r->avail->idx))
		return false;
	return va16(r, val) == r->avail_idx;
}
