// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: guest memory (three regions at GPAs unrelated to their user
 * addresses) and the driver side of split virtqueues.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "vadriver.h"

#define GUARD	VA_PAGE

/* A full barrier: each use says what it orders */
static inline void mb(void)
{
	__sync_synchronize();
}

int mem_init(struct va_mem *m)
{
	size_t total = VA_SIZE_A + VA_SIZE_B + VA_SIZE_C + 4 * GUARD;
	unsigned char *base, *p;
	int i;

	/*
	 * [guard][B][guard][A][guard][C][guard]: B lies below A in the user
	 * address space although it follows A in guest physical space, and
	 * every region is fenced by an inaccessible page.
	 */
	base = mmap(NULL, total, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	p = base + GUARD;
	m->reg[1].hva = p;
	p += VA_SIZE_B + GUARD;
	m->reg[0].hva = p;
	p += VA_SIZE_A + GUARD;
	m->reg[2].hva = p;
	m->reg[0].gpa = VA_GPA_A;
	m->reg[0].size = VA_SIZE_A;
	m->reg[1].gpa = VA_GPA_B;
	m->reg[1].size = VA_SIZE_B;
	m->reg[2].gpa = VA_GPA_C;
	m->reg[2].size = VA_SIZE_C;
	for (i = 0; i < VA_NREGIONS; i++) {
		if (mprotect(m->reg[i].hva, m->reg[i].size,
			     PROT_READ | PROT_WRITE))
			return -1;
		/* as QEMU does for guest RAM: a forked child gets none */
		madvise(m->reg[i].hva, m->reg[i].size, MADV_DONTFORK);
	}
	mem_reset(m);
	return 0;
}

/* Zero all guest memory and forget every allocation */
void mem_reset(struct va_mem *m)
{
	int i;

	for (i = 0; i < VA_NREGIONS; i++)
		memset(m->reg[i].hva, 0, m->reg[i].size);
	m->next_a = VA_GPA_A;
	m->next_b = VA_GPA_B + VA_STRADDLE;
	m->next_c = VA_GPA_C;
	va_straddle_busy = false;
}

void mem_save(struct va_mem *m, struct va_mark *mk)
{
	mk->a = m->next_a;
	mk->b = m->next_b;
	mk->c = m->next_c;
}

void mem_restore(struct va_mem *m, const struct va_mark *mk)
{
	m->next_a = mk->a;
	m->next_b = mk->b;
	m->next_c = mk->c;
}

/* Guest memory from A (then B); never crosses the A/B split area */
__u64 gpa_alloc(struct va_mem *m, __u64 size, __u64 align)
{
	__u64 g;

	if (!align)
		align = 8;
	g = ALIGN_UP(m->next_a, align);
	if (g + size <= VA_GPA_AB_SPLIT - VA_STRADDLE) {
		m->next_a = g + size;
		return g;
	}
	g = ALIGN_UP(m->next_b, align);
	if (g + size <= VA_GPA_B + VA_SIZE_B) {
		m->next_b = g + size;
		return g;
	}
	fprintf(stderr, "vadriver: out of guest memory (%llu bytes)\n",
		(unsigned long long)size);
	abort();
}

__u64 gpa_alloc_c(struct va_mem *m, __u64 size, __u64 align)
{
	__u64 g;

	if (!align)
		align = 8;
	g = ALIGN_UP(m->next_c, align);
	if (g + size > VA_GPA_C + VA_SIZE_C) {
		fprintf(stderr, "vadriver: out of region C memory\n");
		abort();
	}
	m->next_c = g + size;
	return g;
}

/* The user address of [gpa, gpa + len) if it lies in one region */
void *g2h(struct va_mem *m, __u64 gpa, __u64 len)
{
	int i;

	for (i = 0; i < VA_NREGIONS; i++) {
		struct va_region *r = &m->reg[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

static int gcopy(struct va_mem *m, __u64 gpa, void *buf, size_t n,
		 bool to_guest, int c)
{
	unsigned char *b = buf;

	while (n) {
		struct va_region *r = NULL;
		size_t chunk;
		int i;

		for (i = 0; i < VA_NREGIONS; i++) {
			if (gpa >= m->reg[i].gpa &&
			    gpa - m->reg[i].gpa < m->reg[i].size) {
				r = &m->reg[i];
				break;
			}
		}
		if (!r)
			return -EFAULT;
		chunk = MIN(n, r->size - (gpa - r->gpa));
		if (c >= 0)
			memset(r->hva + (gpa - r->gpa), c, chunk);
		else if (to_guest)
			memcpy(r->hva + (gpa - r->gpa), b, chunk);
		else
			memcpy(b, r->hva + (gpa - r->gpa), chunk);
		gpa += chunk;
		n -= chunk;
		if (b)
			b += chunk;
	}
	return 0;
}

int gcopy_to(struct va_mem *m, __u64 gpa, const void *src, size_t n)
{
	return gcopy(m, gpa, (void *)src, n, true, -1);
}

int gcopy_from(struct va_mem *m, void *dst, __u64 gpa, size_t n)
{
	return gcopy(m, gpa, dst, n, false, -1);
}

int gfill(struct va_mem *m, __u64 gpa, int c, size_t n)
{
	return gcopy(m, gpa, NULL, n, true, c & 0xff);
}

struct vhost_memory *mem_table(struct va_mem *m)
{
	struct vhost_memory *t;
	int i;

	t = calloc(1, sizeof(*t) + VA_NREGIONS * sizeof(t->regions[0]));
	if (!t)
		return NULL;
	t->nregions = VA_NREGIONS;
	for (i = 0; i < VA_NREGIONS; i++) {
		t->regions[i].guest_phys_addr = m->reg[i].gpa;
		t->regions[i].memory_size = m->reg[i].size;
		t->regions[i].userspace_addr =
			(__u64)(unsigned long)m->reg[i].hva;
	}
	return t;
}

/* ---- split virtqueue, driver side ---- */

static __u16 *used_event_p(struct va_vq *vq)
{
	return &vq->avail->ring[vq->num];
}

static __u16 *avail_event_p(const struct va_vq *vq)
{
	return (__u16 *)&vq->used->ring[vq->num];
}

__u16 vq_avail_event(const struct va_vq *vq)
{
	return __atomic_load_n(avail_event_p(vq), __ATOMIC_ACQUIRE);
}

__u16 vq_used_event(struct va_vq *vq)
{
	return __atomic_load_n(used_event_p(vq), __ATOMIC_ACQUIRE);
}

int vq_init(struct va_dev *d, struct va_vq *vq, int index, unsigned int num,
	    __u16 base)
{
	struct va_mem *m = &va_mem;
	unsigned int i;

	memset(vq, 0, sizeof(*vq));
	vq->dev = d;
	vq->index = index;
	vq->num = num;
	vq->kick = vq->call = vq->err = -1;
	vq->desc_gpa = gpa_alloc(m, 16ULL * num, VA_PAGE);
	vq->avail_gpa = gpa_alloc(m, 6 + 2ULL * num, VA_PAGE);
	vq->used_gpa = gpa_alloc(m, 6 + 8ULL * num, VA_PAGE);
	vq->desc = g2h(m, vq->desc_gpa, 16ULL * num);
	vq->avail = g2h(m, vq->avail_gpa, 6 + 2ULL * num);
	vq->used = g2h(m, vq->used_gpa, 6 + 8ULL * num);
	if (num <= 256) {
		vq->ind_max = 64;
		vq->ind_gpa = gpa_alloc(m, 16ULL * vq->ind_max * num, VA_PAGE);
	}
	vq->free = calloc(num, sizeof(*vq->free));
	vq->chain = calloc(num, sizeof(*vq->chain));
	if (!vq->free || !vq->chain)
		goto err;
	/* hand out ids in a scrambled order: chains are not 0, 1, 2... */
	for (i = 0; i < num; i++)
		vq->free[i] = i;
	for (i = num - 1; i > 0; i--) {
		unsigned int j = va_rand() % (i + 1);
		__u16 t = vq->free[i];

		vq->free[i] = vq->free[j];
		vq->free[j] = t;
	}
	vq->nfree = num;
	vq->avail_idx = base;
	vq->last_used = base;
	vq->avail->idx = base;
	vq->used->idx = base;
	*used_event_p(vq) = base;
	/* as if the device had last asked to be kicked at base */
	*avail_event_p(vq) = base;
	vq->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	vq->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	vq->err = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->kick < 0 || vq->call < 0 || vq->err < 0)
		goto err;
	return 0;
err:
	vq_fini(vq);
	return -1;
}

void vq_fini(struct va_vq *vq)
{
	unsigned int i;

	if (vq->chain) {
		for (i = 0; i < vq->num; i++)
			free(vq->chain[i]);
	}
	free(vq->chain);
	free(vq->free);
	vq->chain = NULL;
	vq->free = NULL;
	if (vq->kick >= 0)
		close(vq->kick);
	if (vq->call >= 0)
		close(vq->call);
	if (vq->err >= 0)
		close(vq->err);
	vq->kick = vq->call = vq->err = -1;
}

unsigned int vq_free_descs(struct va_vq *vq)
{
	return vq->nfree;
}

/*
 * Put a chain of nseg buffers in the descriptor table (or in an indirect
 * table) and return its head id, or -1 if the ring is full.
 */
int vq_add(struct va_vq *vq, const struct va_seg *seg, int nseg, bool write,
	   bool indirect, void *cookie)
{
	__u16 wflag = write ? VRING_DESC_F_WRITE : 0;
	struct va_chain *c;
	__u16 ids[VA_MAX_SEG];
	int i, head;

	if (nseg < 1 || nseg > VA_MAX_SEG)
		return -1;
	if (indirect && (!vq->ind_gpa || (unsigned int)nseg > vq->ind_max))
		return -1;
	if (vq->nfree < (indirect ? 1U : (unsigned int)nseg))
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->nseg = nseg;
	c->indirect = indirect;
	c->cookie = cookie;
	for (i = 0; i < nseg; i++) {
		c->seg[i] = seg[i];
		c->total += seg[i].len;
	}

	if (indirect) {
		struct vring_desc *t;
		__u64 tgpa;

		head = vq->free[--vq->nfree];
		tgpa = vq->ind_gpa + 16ULL * vq->ind_max * head;
		t = g2h(&va_mem, tgpa, 16ULL * nseg);
		for (i = 0; i < nseg; i++) {
			t[i].addr = seg[i].gpa;
			t[i].len = seg[i].len;
			t[i].flags = wflag |
				(i + 1 < nseg ? VRING_DESC_F_NEXT : 0);
			t[i].next = i + 1 < nseg ? i + 1 : 0;
		}
		vq->desc[head].addr = tgpa;
		vq->desc[head].len = 16 * nseg;
		vq->desc[head].flags = VRING_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		c->ndesc = 1;
		ids[0] = head;
	} else {
		for (i = 0; i < nseg; i++)
			ids[i] = vq->free[--vq->nfree];
		for (i = 0; i < nseg; i++) {
			struct vring_desc *dd = &vq->desc[ids[i]];

			dd->addr = seg[i].gpa;
			dd->len = seg[i].len;
			dd->flags = wflag |
				(i + 1 < nseg ? VRING_DESC_F_NEXT : 0);
			dd->next = i + 1 < nseg ? ids[i + 1] : 0;
		}
		head = ids[0];
		c->ndesc = nseg;
	}
	/* the ids go back to the free list without trusting ring memory */
	memcpy(c->ids, ids, sizeof(ids[0]) * c->ndesc);
	vq->chain[head] = c;
	c->busy = true;
	return head;
}

/* Make head available (visible to the device after vq_kick) */
void vq_publish(struct va_vq *vq, int head)
{
	vq->avail->ring[vq->avail_idx % vq->num] = head;
	vq->avail_idx++;
}

/*
 * Publish avail->idx and notify the device if it asked for it. old_idx is
 * avail_idx before the buffers were added. Returns whether it kicked.
 */
bool vq_kick(struct va_vq *vq, __u16 old_idx)
{
	__u16 new_idx = vq->avail_idx;
	bool need;
	__u64 one = 1;

	__atomic_store_n(&vq->avail->idx, new_idx, __ATOMIC_RELEASE);
	/*
	 * avail->idx before reading the device's avail_event or used flags:
	 * pairs with the device's barrier between publishing those and
	 * reading avail->idx again, so that no kick is lost.
	 */
	mb();
	if (vq->always_kick)
		need = true;
	else if (vq->dev->cfg.event_idx)
		need = vring_need_event(vq_avail_event(vq), new_idx, old_idx);
	else
		need = !(__atomic_load_n(&vq->used->flags, __ATOMIC_ACQUIRE) &
			 VRING_USED_F_NO_NOTIFY);
	if (need) {
		if (write(vq->kick, &one, sizeof(one)) != sizeof(one))
			perror("vadriver: kick");
		vq->kicks++;
	}
	return need;
}

/* A kick whatever the device asked for (spurious kicks are allowed) */
void vq_force_kick(struct va_vq *vq)
{
	__u64 one = 1;

	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	/* avail->idx before the kick, as in vq_kick() */
	mb();
	if (write(vq->kick, &one, sizeof(one)) != sizeof(one))
		perror("vadriver: kick");
	vq->kicks++;
}

/*
 * With EVENT_IDX, ask for a call at the next used entry: used_event follows
 * what the driver has read, unless interrupts are off or a step holds it
 * (vq_arm_call()).
 */
static void vq_follow_used(struct va_vq *vq)
{
	if (!vq->dev->cfg.event_idx || vq->no_interrupt || vq->hold_event)
		return;
	__atomic_store_n(used_event_p(vq), vq->last_used, __ATOMIC_RELEASE);
	/*
	 * used_event before reading used->idx again: pairs with the device's
	 * barrier between publishing used->idx and reading used_event, so that
	 * no interrupt is lost.
	 */
	mb();
}

/*
 * Make every chain the device used available again as it is: same head,
 * same buffers. The cheapest way for a driver to keep a ring full (a TX
 * ring of frames written once). Returns how many, or -EINVAL when the
 * device used an id that was not outstanding.
 */
int vq_recycle(struct va_vq *vq)
{
	__u16 end = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	int n = 0;

	while (vq->last_used != end) {
		struct vring_used_elem e = vq->used->ring[vq->last_used % vq->num];

		vq->last_used++;
		if (e.id >= vq->num || !vq->chain[e.id] || !vq->chain[e.id]->busy)
			return -EINVAL;
		vq_publish(vq, e.id);
		n++;
	}
	if (n)
		vq_follow_used(vq);
	return n;
}

__u16 vq_pending_used(struct va_vq *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) -
		vq->last_used;
}

/*
 * Take the next used entry. 0 and the chain (which the caller frees),
 * -EAGAIN if there is none, -EINVAL if the device returned an id that is
 * not an outstanding head (*id tells which).
 */
int vq_get_used(struct va_vq *vq, struct va_chain **chain, __u32 *len,
		__u32 *id)
{
	struct vring_used_elem e;
	struct va_chain *c;
	unsigned int i;

	if (!vq_pending_used(vq))
		return -EAGAIN;
	e = vq->used->ring[vq->last_used % vq->num];
	vq->last_used++;
	vq_follow_used(vq);
	*id = e.id;
	*len = e.len;
	if (e.id >= vq->num || !vq->chain[e.id] || !vq->chain[e.id]->busy)
		return -EINVAL;
	c = vq->chain[e.id];
	vq->chain[e.id] = NULL;
	for (i = 0; i < c->ndesc; i++)
		vq->free[vq->nfree++] = c->ids[i];
	c->busy = false;
	*chain = c;
	return 0;
}

static unsigned long read_efd(int fd)
{
	__u64 v;

	if (read(fd, &v, sizeof(v)) == sizeof(v))
		return v;
	return 0;
}

unsigned long vq_drain_call(struct va_vq *vq)
{
	if (read_efd(vq->call))
		vq->calls++;
	return vq->calls;
}

unsigned long vq_drain_err(struct va_vq *vq)
{
	return read_efd(vq->err);
}

/* Wait until at least n used entries are pending; counts calls seen */
int vq_wait_used(struct va_vq *vq, unsigned int n, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = vq->call, .events = POLLIN };
		long long left;

		if (vq_pending_used(vq) >= n)
			return 0;
		left = end - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		/* short slices: a device may update used without a call */
		if (poll(&p, 1, MIN(left, 20)) > 0)
			vq_drain_call(vq);
	}
}

/* Wait for a call notification, if none was counted yet */
int vq_wait_call(struct va_vq *vq, int timeout_ms)
{
	struct pollfd p = { .fd = vq->call, .events = POLLIN };
	long long end = now_ms() + timeout_ms;

	for (;;) {
		long long left;

		vq_drain_call(vq);
		if (vq->calls)
			return 0;
		left = end - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		poll(&p, 1, left);
	}
}

/*
 * Start a step that must end in a call notification: forget earlier calls
 * and keep used_event where it is until vq_release_event(). Without the
 * hold, a driver that polls the used ring may move used_event past an entry
 * between the device publishing used->idx and reading used_event; the
 * device then rightly sends no call (the driver has seen the entry), and a
 * check that waits for one fails on a timing the protocol allows.
 */
void vq_arm_call(struct va_vq *vq)
{
	vq_drain_call(vq);
	vq->calls = 0;
	vq->hold_event = true;
}

/* The step is over: ask for a call at the next used entry, as before */
void vq_release_event(struct va_vq *vq)
{
	vq->hold_event = false;
	vq_follow_used(vq);
}

/* Ask for (on) or suppress (off) used-buffer notifications */
void vq_set_interrupt(struct va_vq *vq, bool on)
{
	vq->no_interrupt = !on;
	if (vq->dev->cfg.event_idx) {
		/* off: an event index the used index has just passed */
		__atomic_store_n(used_event_p(vq),
				 on ? vq->last_used : (__u16)(vq->last_used - 1),
				 __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&vq->avail->flags,
				 on ? 0 : VRING_AVAIL_F_NO_INTERRUPT,
				 __ATOMIC_RELEASE);
	}
	/* used_event or flags before reading used->idx again (vq_recycle()) */
	mb();
}
