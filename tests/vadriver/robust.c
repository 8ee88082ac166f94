// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: a guest that writes nonsense into its rings. The device must
 * not crash, must not use the bad buffer, must signal the vring's error
 * eventfd (as /dev/vhost-net does), and must carry on once the guest
 * repairs the ring and kicks again.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vadriver.h"
#include "traffic.h"

#define ERR_WAIT_MS	2000

static unsigned char frame[2048];

struct bad_case {
	const char *name;
	int vq;			/* VA_TX or VA_RX */
	enum va_layout layout;	/* of the good buffer that gets damaged */
	/* damage the buffer with head id 'head' */
	void (*damage)(struct va_dev *d, struct va_vq *vq, int head);
};

static struct vring_desc saved_desc[4];
static __u16 saved_avail, saved_ring;
static struct vring_desc *saved_ind;	/* indirect entry changed */
static __u16 saved_ind_flags;

static void save(struct va_vq *vq, int head)
{
	memcpy(saved_desc, &vq->desc[head], sizeof(saved_desc[0]));
	if (vq->desc[head].flags & VRING_DESC_F_NEXT)
		memcpy(&saved_desc[1], &vq->desc[vq->desc[head].next],
		       sizeof(saved_desc[1]));
	saved_ring = vq->avail->ring[(__u16)(vq->avail_idx - 1) % vq->num];
	saved_avail = vq->avail_idx;
	saved_ind = NULL;
}

static void restore(struct va_vq *vq, int head)
{
	if (saved_desc[0].flags & VRING_DESC_F_NEXT)
		memcpy(&vq->desc[saved_desc[0].next], &saved_desc[1],
		       sizeof(saved_desc[1]));
	memcpy(&vq->desc[head], saved_desc, sizeof(saved_desc[0]));
	vq->avail->ring[(__u16)(saved_avail - 1) % vq->num] = saved_ring;
	vq->avail_idx = saved_avail;
	__atomic_store_n(&vq->avail->idx, saved_avail, __ATOMIC_RELEASE);
	if (saved_ind)
		saved_ind->flags = saved_ind_flags;
}

static void d_outside(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].addr = 0x5000;	/* below every region */
}

static void d_past_end(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].addr = VA_GPA_C + VA_SIZE_C - 100;
}

static void d_huge_len(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].len = 0xffffff00;
}

static void d_wrong_dir(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].flags ^= VRING_DESC_F_WRITE;
}

static void d_loop(struct va_dev *d, struct va_vq *vq, int head)
{
	__u16 second = vq->desc[head].next;

	(void)d;
	vq->desc[second].flags |= VRING_DESC_F_NEXT;
	vq->desc[second].next = head;
}

static void d_next_range(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].next = vq->num + 5;
}

static void d_head_range(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	(void)head;
	vq->avail->ring[(__u16)(vq->avail_idx - 1) % vq->num] = vq->num + 3;
}

static void d_ind_len(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].len -= 3;
}

static void d_ind_zero(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].len = 0;
}

static void d_ind_nested(struct va_dev *d, struct va_vq *vq, int head)
{
	struct vring_desc *t = g2h(&va_mem, vq->desc[head].addr, 16);

	(void)d;
	saved_ind = &t[0];
	saved_ind_flags = t[0].flags;
	t[0].flags |= VRING_DESC_F_INDIRECT;
}

static void d_ind_next(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	vq->desc[head].flags |= VRING_DESC_F_NEXT;
	vq->desc[head].next = head;
}

static void d_avail_jump(struct va_dev *d, struct va_vq *vq, int head)
{
	(void)d;
	(void)head;
	vq->avail_idx += vq->num + 1;
}

static const struct bad_case cases[] = {
	{ "TX descriptor outside guest memory", VA_TX, L_SINGLE, d_outside },
	{ "TX descriptor running past the end of guest memory", VA_TX,
	  L_SINGLE, d_past_end },
	{ "TX descriptor of length 0xffffff00", VA_TX, L_SINGLE, d_huge_len },
	{ "TX chain with a write-only descriptor", VA_TX, L_HDRSPLIT,
	  d_wrong_dir },
	{ "TX chain that loops", VA_TX, L_HDRSPLIT, d_loop },
	{ "TX chain with next out of range", VA_TX, L_HDRSPLIT, d_next_range },
	{ "TX avail entry out of range", VA_TX, L_SINGLE, d_head_range },
	{ "TX avail idx more than the ring size ahead", VA_TX, L_SINGLE,
	  d_avail_jump },
	{ "TX indirect table length not a multiple of 16", VA_TX, L_INDIRECT,
	  d_ind_len },
	{ "TX indirect table of length 0", VA_TX, L_INDIRECT, d_ind_zero },
	{ "TX nested indirect table", VA_TX, L_INDIRECT, d_ind_nested },
	{ "TX indirect descriptor with NEXT", VA_TX, L_INDIRECT, d_ind_next },
	{ "RX read-only descriptor", VA_RX, L_SINGLE, d_wrong_dir },
	{ "RX descriptor outside guest memory", VA_RX, L_SINGLE, d_outside },
	{ "RX chain that loops", VA_RX, L_HDRSPLIT, d_loop },
	{ "RX avail entry out of range", VA_RX, L_SINGLE, d_head_range },
};

/*
 * What a device does with a malformed chain. /dev/vhost-net leaves it where
 * it is: it neither uses it nor moves on (TX), or skips it without a used
 * entry (RX). /dev/vhost-accel drops that one packet and hands the buffer
 * back used with length 0, so a bad packet costs the packet, not the queue.
 * A bad avail entry (a head out of range) names no buffer to hand back.
 */
static bool returns_bad_buffers(const struct bad_case *bc)
{
	return strstr(va_dev_path, "vhost-accel") &&
	       bc->damage != d_head_range && bc->damage != d_avail_jump;
}

static bool wait_err(struct va_vq *vq, int ms)
{
	struct pollfd p = { .fd = vq->err, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && vq_drain_err(vq) > 0;
}

static void run_case(const struct bad_case *bc)
{
	struct va_cfg cfg = {
		.vhost_hdr = true, .mrg = true, .v1 = true, .indirect = true,
		.event_idx = true, .num = 256,
	};
	struct va_dev d;
	struct va_vq *vq;
	struct res r;
	int head, e;
	bool dropped;
	__u16 old;

	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	vq = &d.vq[bc->vq];
	make_frame(frame, 1514, 1);
	/* a good frame first: the device is working */
	if (bc->vq == VA_TX) {
		if (!tx_one(&d, 1514, L_SINGLE, 0, "good frame before"))
			goto out;
	} else {
		rx_post(&d, 1, 4096, bc->layout);
		if (!rx_one(&d, 1514, 0, "good frame before"))
			goto out;
		/* the reposted buffer is the one to damage */
	}

	old = vq->avail_idx;
	if (bc->vq == VA_TX) {
		head = tx_post(&d, frame, 1514, bc->layout, NULL);
	} else {
		/* take back the reposted buffer: damage a fresh one */
		head = vq->avail->ring[(__u16)(vq->avail_idx - 1) % vq->num];
		old = vq->avail_idx - 1;
	}
	save(vq, head);
	bc->damage(&d, vq, head);
	__sync_synchronize();
	if (bc->vq == VA_RX) {
		vq_force_kick(vq);
		e = tap_inject(&d.tap, NULL, frame, 1514);
		if (e)
			diag("inject: %s", strerror(-e));
	} else {
		vq_kick(vq, old);
		vq_force_kick(vq);
	}
	check(wait_err(vq, ERR_WAIT_MS), "%s: error eventfd signalled",
	      bc->name);
	dropped = vq_wait_used(vq, 1, 200) == 0;
	if (returns_bad_buffers(bc)) {
		struct va_chain *c;
		__u32 len = 0, id = 0;
		bool got = dropped && !vq_get_used(vq, &c, &len, &id);

		if (got)
			free(c);
		check(got && id == (__u32)head && len == 0,
		      "%s: bad buffer returned used, length 0 (got %s, id %u, len %u)",
		      bc->name, got ? "an entry" : "none", id, len);
	} else if (bc->damage == d_avail_jump) {
		/*
		 * The buffer itself is fine: a device that took the bogus
		 * index in (vhost-net does) may use it on the next kick.
		 */
		diag("%s: the buffer was %s", bc->name,
		     dropped ? "used" : "not used");
	} else {
		check(!dropped, "%s: bad buffer not used", bc->name);
		if (dropped) {
			struct va_chain *c;
			__u32 len, id;

			if (!vq_get_used(vq, &c, &len, &id)) {
				free(c);
				diag("%s: the device returned the bad buffer as used (id %u%s, len %u)",
				     bc->name, id,
				     id == (__u32)head ? "" : ", not its id", len);
			}
		}
	}

	/*
	 * A device may have taken the bogus avail index in: there is no
	 * telling what it does with the entries it thinks are there.
	 */
	if (bc->damage == d_avail_jump)
		goto out;
	/*
	 * Repaired, one more good buffer with the same frame, kicked: the
	 * device works again. Whether it retries the repaired buffer or
	 * skipped it for good (/dev/vhost-net does either, depending on
	 * where it found the fault) is its business; what it does use must
	 * be right.
	 */
	res_init(&r);
	if (!dropped)
		restore(vq, head);
	__sync_synchronize();
	if (bc->vq == VA_TX) {
		int head2, n = 0, sent = 0;
		bool got2 = false, got1 = false;

		head2 = tx_post(&d, frame, 1514, L_SINGLE, NULL);
		vq_force_kick(vq);
		while (!got2 && r.ok && n < 2) {
			struct va_chain *c;
			__u32 len, id;

			if (vq_wait_used(vq, 1, va_timeout_ms)) {
				res_fail(&r, "no used entry within %d ms",
					 va_timeout_ms);
				break;
			}
			if (vq_get_used(vq, &c, &len, &id)) {
				res_fail(&r, "used id %u is not a buffer the guest made available",
					 id);
				break;
			}
			free(c);
			if (id == (__u32)head2) {
				got2 = true;
				sent++;
			} else if (id == (__u32)head && !dropped) {
				got1 = true;
				sent++;
			}
			n++;
		}
		while (r.ok && sent--)
			tx_captured(&d.tap, frame, 1514, NULL, &r);
		if (r.ok && !dropped)
			diag("%s: the repaired buffer was %s", bc->name,
			     got1 ? "used" : "skipped");
	} else {
		rx_post(&d, 1, 4096, L_SINGLE);
		vq_force_kick(vq);
		e = tap_inject(&d.tap, NULL, frame, 1514);
		if (e)
			diag("inject: %s", strerror(-e));
		rx_recv(&d, frame, 1514, NULL, &r);
		if (r.ok && vq_wait_used(vq, 1, 500) == 0)
			rx_recv(&d, frame, 1514, NULL, &r);
	}
	res_report(&r, "%s: repaired ring works again", bc->name);
	vq_drain_err(vq);
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_robust(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
}
