// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: the traffic pump (see pump.h).
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pump.h"

/* What the fault tests use: a window of mixed-size frames each way. */
const struct pump_cfg pump_default = {
	.slots = 256,
	.slot = 2048,
	.max_frame = 1459,
	.tx_window = 64,
	.rx_window = 64,
	.rx_inflight = 48,
	.inject_per_step = 4,
	.capture = true,
};

static unsigned char pump_buf[VA_MAX_FRAME + 4096];

/* The length of frame @n: varied, always the same for the same @n. */
static size_t pump_len(const struct pump *p, unsigned int n)
{
	return 60 + (n * 7919) % (p->cfg.max_frame - 59);
}

static void pump_write_tx(struct pump *p, unsigned int n, struct va_seg *seg)
{
	struct va_dev *d = p->d;
	size_t flen = pump_len(p, n);

	seg->gpa = p->tx_slots + (__u64)(n % p->cfg.slots) * p->cfg.slot;
	seg->len = d->hdr_len + flen;
	memset(pump_buf, 0, d->hdr_len);
	make_frame(pump_buf + d->hdr_len, flen, n);
	gcopy_to(&va_mem, seg->gpa, pump_buf, seg->len);
}

void pump_init(struct pump *p, struct va_dev *d, const struct pump_cfg *cfg)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->d = d;
	p->cfg = cfg ? *cfg : pump_default;
	p->tx_slots = gpa_alloc(&va_mem, (__u64)p->cfg.slots * p->cfg.slot,
				VA_PAGE);
	p->rx_slots = gpa_alloc(&va_mem, (__u64)p->cfg.slots * p->cfg.slot,
				VA_PAGE);
	if (p->cfg.tx_prefilled) {
		struct va_seg seg;

		for (i = 0; i < p->cfg.slots; i++)
			pump_write_tx(p, i, &seg);
	}
}

static void pump_reap(struct pump *p, struct va_vq *vq, unsigned int *used)
{
	struct va_chain *c;
	__u32 len, id;

	while (vq_pending_used(vq)) {
		if (vq_get_used(vq, &c, &len, &id)) {
			p->bad_ids++;
			break;
		}
		free(c);
		(*used)++;
	}
}

/* One round of work on both rings; never waits. */
void pump_turn(struct pump *p)
{
	struct va_dev *d = p->d;
	struct va_vq *tx = &d->vq[VA_TX], *rx = &d->vq[VA_RX];
	const struct pump_cfg *cfg = &p->cfg;
	struct va_seg seg;
	unsigned int k;
	__u16 old, tx_old = tx->avail_idx;
	int head;

	if (cfg->tx_recycle && p->tx_posted) {
		unsigned int inflight = p->tx_posted - p->tx_used;
		int n = vq_recycle(tx);

		if (n < 0) {
			p->bad_ids++;
			n = 0;
		}
		/* Every frame in flight was used: the device had run dry. */
		if ((unsigned int)n == inflight)
			p->tx_dry++;
		p->tx_used += n;
		p->tx_posted += n;
	} else {
		pump_reap(p, tx, &p->tx_used);
		if (p->tx_posted && p->tx_posted == p->tx_used)
			p->tx_dry++;
	}
	pump_reap(p, rx, &p->rx_used);
	p->turns++;

	old = rx->avail_idx;
	while (p->rx_posted - p->rx_used < cfg->rx_window && vq_free_descs(rx)) {
		seg.gpa = p->rx_slots +
			  (__u64)(p->rx_posted % cfg->slots) * cfg->slot;
		seg.len = cfg->slot;
		head = vq_add(rx, &seg, 1, true, false, NULL);
		if (head < 0)
			break;
		vq_publish(rx, head);
		p->rx_posted++;
	}
	vq_kick(rx, old);

	while (p->tx_posted - p->tx_used < cfg->tx_window && vq_free_descs(tx)) {
		if (cfg->tx_prefilled) {
			unsigned int n = p->tx_posted % cfg->slots;

			seg.gpa = p->tx_slots + (__u64)n * cfg->slot;
			seg.len = d->hdr_len + pump_len(p, n);
		} else {
			pump_write_tx(p, p->tx_posted, &seg);
		}
		head = vq_add(tx, &seg, 1, false, false, NULL);
		if (head < 0)
			break;
		vq_publish(tx, head);
		p->tx_posted++;
	}
	vq_kick(tx, tx_old);

	for (k = 0; k < cfg->inject_per_step &&
		    p->rx_sent - p->rx_used < cfg->rx_inflight; k++) {
		size_t flen = pump_len(p, 0x10000 + p->rx_sent);

		make_frame(pump_buf, flen, 0x10000 + p->rx_sent);
		if (tap_inject(&d->tap, NULL, pump_buf, flen))
			break;
		p->rx_sent++;
	}
	/* frames lost on the way (a tap gone, its queue full) do not hold
	 * the pump up
	 */
	if (p->rx_used != p->rx_used_then) {
		p->rx_used_then = p->rx_used;
		p->rx_moved_ms = now_ms();
	} else if (now_ms() - p->rx_moved_ms > 200) {
		p->rx_sent = p->rx_used;
		p->rx_moved_ms = now_ms();
	}
	while (cfg->capture && d->tap.cap >= 0 &&
	       tap_capture(&d->tap, NULL, pump_buf, sizeof(pump_buf), 0) >= 0)
		p->tx_seen++;
}

/* A turn, then a little time for the device: up to 1 ms for a frame. */
void pump_step(struct pump *p)
{
	struct pollfd pfd = { .fd = p->d->tap.cap, .events = POLLIN };

	pump_turn(p);
	if (!p->cfg.capture || pfd.fd < 0 || poll(&pfd, 1, 1) < 0)
		usleep(1000);
}

void pump_for(struct pump *p, int ms)
{
	long long end = now_ms() + ms;

	while (now_ms() < end)
		pump_step(p);
}

/*
 * Where each ring stands, for a stall: posted and used as the driver counted
 * them, the indices and what the device last asked for (used->flags, or the
 * avail event with EVENT_IDX). A device that used every frame but whose
 * frames did not reach the tap stalled behind the ring; one that used none
 * and asks for no kick waits for work it will not be told of.
 */
static void pump_diag_rings(const struct pump *p)
{
	static const char *const names[] = { "rx", "tx" };
	const struct va_dev *d = p->d;
	unsigned int i;

	diag("pump: tx %u posted, %u used, %u seen on the tap; rx %u posted, %u used, %u sent; %u turns",
	     p->tx_posted, p->tx_used, p->tx_seen, p->rx_posted, p->rx_used,
	     p->rx_sent, p->turns);
	for (i = VA_RX; i <= VA_TX; i++) {
		const struct va_vq *vq = &d->vq[i];

		diag("pump: %s ring: avail idx %u, used idx %u, read to %u, used flags %#x, avail event %u, %lu kicks, %lu calls",
		     names[i], vq->avail_idx,
		     __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE),
		     vq->last_used,
		     __atomic_load_n(&vq->used->flags, __ATOMIC_ACQUIRE),
		     vq_avail_event(vq), vq->kicks, vq->calls);
	}
}

/*
 * Traffic goes on: within the timeout, @tx more frames reach the tap and
 * @rx more frames reach the guest.
 */
bool pump_progress(struct pump *p, unsigned int tx, unsigned int rx,
		   const char *what)
{
	unsigned int tx0 = p->tx_seen, rx0 = p->rx_used;
	long long end = now_ms() + va_timeout_ms;
	bool flowed;

	while (!(flowed = p->tx_seen - tx0 >= tx && p->rx_used - rx0 >= rx) &&
	       now_ms() < end)
		pump_step(p);
	if (!flowed)
		pump_diag_rings(p);
	return check(flowed && !p->bad_ids,
		     "%s: traffic flows (%u frames out, %u in, %u bad used ids)",
		     what, p->tx_seen - tx0, p->rx_used - rx0, p->bad_ids);
}
