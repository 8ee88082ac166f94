// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: ring behaviour. Notification suppression both ways, index
 * wrap-around, extreme ring sizes, running out of RX buffers, and the
 * virtio-net header passed through a tap with IFF_VNET_HDR (checksum and
 * GSO offloads).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vadriver.h"
#include "traffic.h"

static unsigned char frame[VA_MAX_FRAME + 64];

/* A TX frame whose completion must NOT be notified */
static void tx_silent(struct va_dev *d, size_t len, unsigned int seq,
		      const char *what)
{
	struct va_vq *vq = &d->vq[VA_TX];
	struct va_mark mk;
	struct res r;
	__u16 old;

	res_init(&r);
	mem_save(&va_mem, &mk);
	make_frame(frame, len, seq);
	vq_drain_call(vq);
	vq->calls = 0;
	old = vq->avail_idx;
	tx_post(d, frame, len, L_SINGLE, NULL);
	vq_kick(vq, old);
	tx_complete(d, -1, &r);
	tx_captured(&d->tap, frame, len, NULL, &r);
	if (r.ok && vq_wait_call(vq, 300) == 0)
		res_fail(&r, "a call notification came anyway");
	if (!d->broken)
		mem_restore(&va_mem, &mk);
	res_report(&r, "%s", what);
}

/* Wait (1 s at most, scaled) until the device asks to be kicked for vq */
static bool wants_kick(struct va_dev *d, struct va_vq *vq)
{
	long long end = now_ms() + 1000 * va_time_scale;

	do {
		__sync_synchronize();
		if (d->cfg.event_idx) {
			if (vq_avail_event(vq) == vq->avail_idx)
				return true;
		} else if (!(vq->used->flags & VRING_USED_F_NO_NOTIFY)) {
			return true;
		}
		usleep(10000);
	} while (now_ms() < end);
	return false;
}

/* RX runs out of buffers: the device must ask for a kick, then resume */
static void rx_starve(struct va_dev *d, unsigned int seq)
{
	struct va_vq *vq = &d->vq[VA_RX];
	unsigned char f3[3][200];
	struct res r;
	unsigned int i;
	bool kicked;
	__u16 old;

	d->rx_hold = true;
	check(rx_post(d, 2, 2048, L_SINGLE) == 2, "rx: 2 buffers posted");
	for (i = 0; i < 3; i++) {
		make_frame(f3[i], sizeof(f3[i]), seq + i);
		tap_inject(&d->tap, NULL, f3[i], sizeof(f3[i]));
	}
	for (i = 0; i < 2; i++) {
		res_init(&r);
		rx_recv(d, f3[i], sizeof(f3[i]), NULL, &r);
		res_report(&r, "rx frame %u of 3 with 2 buffers", i + 1);
	}
	check(vq_wait_used(vq, 1, 300) == -ETIMEDOUT,
	      "rx frame 3 waits while there is no buffer");
	if (d->cfg.event_idx)
		check(wants_kick(d, vq),
		      "out of RX buffers: avail_event = avail idx %u (got %u)",
		      vq->avail_idx, vq_avail_event(vq));
	else
		check(wants_kick(d, vq),
		      "out of RX buffers: VRING_USED_F_NO_NOTIFY clear");
	d->rx_hold = false;
	old = vq->avail_idx;
	vq->always_kick = false;
	{
		struct va_seg seg;

		seg.gpa = gpa_alloc(&va_mem, 2048, 64);
		seg.len = 2048;
		gfill(&va_mem, seg.gpa, 0xaa, 2048);
		vq_publish(vq, vq_add(vq, &seg, 1, true, false,
				      (void *)1UL));
	}
	kicked = vq_kick(vq, old);
	check(kicked, "refilling an empty RX ring needs a kick");
	if (!kicked) {
		__u64 one = 1;

		if (write(vq->kick, &one, sizeof(one)) < 0)
			diag("kick: %s", strerror(errno));
	}
	res_init(&r);
	rx_recv(d, f3[2], sizeof(f3[2]), NULL, &r);
	res_report(&r, "rx frame 3 arrives after the refill");
	rx_post(d, 30, 2048, L_SINGLE);
}

static void notify_config(struct va_cfg *cfg)
{
	struct va_vq *tx, *rx;
	struct va_dev d;
	struct res r;
	__u16 *used_event;

	set_prefix("notify%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;
	tx = &d.vq[VA_TX];
	rx = &d.vq[VA_RX];
	used_event = &tx->avail->ring[tx->num];

	tx_one(&d, 1514, L_SINGLE, 1, "tx with notifications on");
	if (cfg->event_idx)
		check(wants_kick(&d, tx),
		      "TX idle: avail_event = avail idx %u (got %u)",
		      tx->avail_idx, vq_avail_event(tx));
	else
		check(wants_kick(&d, tx),
		      "TX idle: VRING_USED_F_NO_NOTIFY clear");

	if (cfg->notify_on_empty) {
		vq_set_interrupt(tx, false);
		tx_one(&d, 200, L_SINGLE, 2,
		       "tx NO_INTERRUPT, ring empties: NOTIFY_ON_EMPTY calls");
		vq_set_interrupt(tx, true);
		goto rx;
	}

	vq_set_interrupt(tx, false);
	tx_silent(&d, 200, 3, cfg->event_idx ?
		  "tx with used_event behind: no call" :
		  "tx with VRING_AVAIL_F_NO_INTERRUPT: no call");
	tx_silent(&d, 300, 4, cfg->event_idx ?
		  "tx with used_event behind: still no call" :
		  "tx with VRING_AVAIL_F_NO_INTERRUPT: still no call");
	if (cfg->event_idx) {
		/* call when the used index passes last_used + 1 */
		*used_event = tx->last_used + 1;
		__sync_synchronize();
		tx_silent(&d, 400, 5, "tx with used_event = used + 1: first frame, no call");
		tx_one(&d, 500, L_SINGLE, 6, "tx with used_event = used + 1: second frame calls");
	}
	vq_set_interrupt(tx, true);
	tx_one(&d, 600, L_SINGLE, 7, "tx with notifications on again");

	/* kicks: the device is idle and must want one for a new buffer */
	res_init(&r);
	if (!wants_kick(&d, tx))
		res_fail(&r, "device does not ask for a kick");
	res_report(&r, "TX idle again: device asks for a kick");

rx:
	rx_post(&d, 32, 2048, L_SINGLE);
	rx_one(&d, 1514, 10, "rx with notifications on");
	vq_set_interrupt(rx, false);
	{
		unsigned char f[700];

		make_frame(f, sizeof(f), 11);
		vq_drain_call(rx);
		rx->calls = 0;
		tap_inject(&d.tap, NULL, f, sizeof(f));
		res_init(&r);
		rx_recv(&d, f, sizeof(f), NULL, &r);
		if (r.ok && vq_wait_call(rx, 300) == 0)
			res_fail(&r, "a call notification came anyway");
		res_report(&r, "rx with notifications off: no call");
	}
	vq_set_interrupt(rx, true);
	rx_one(&d, 800, 12, "rx with notifications on again");

	/* a kick with nothing new is harmless */
	{
		__u64 one = 1;
		unsigned int i;

		for (i = 0; i < 3; i++)
			if (write(tx->kick, &one, sizeof(one)) < 0)
				break;
		check(vq_wait_used(tx, 1, 200) == -ETIMEDOUT,
		      "spurious TX kicks: nothing used");
		tx_one(&d, 900, L_SINGLE, 13, "tx after spurious kicks");
	}
	if (!cfg->notify_on_empty) {
		/* drain the posted RX buffers first: starve needs an empty ring */
		struct va_chain *c;
		__u32 len, id;

		d.rx_hold = true;
		while (rx->avail_idx != (__u16)(rx->last_used)) {
			unsigned char f[64];

			make_frame(f, sizeof(f), 14);
			tap_inject(&d.tap, NULL, f, sizeof(f));
			if (vq_wait_used(rx, 1, va_timeout_ms))
				break;
			if (!vq_get_used(rx, &c, &len, &id))
				free(c);
		}
		d.rx_hold = false;
		rx_starve(&d, 20);
	}
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_notify(void)
{
	struct va_cfg cfg = {
		.vhost_hdr = true, .mrg = true, .v1 = true, .indirect = true,
		.num = 256,
	};

	cfg.event_idx = false;
	notify_config(&cfg);
	cfg.event_idx = true;
	notify_config(&cfg);
	cfg.event_idx = false;
	cfg.notify_on_empty = true;
	notify_config(&cfg);
}

/* ---- indices through 65535 -> 0, small ring ---- */

static void wrap_config(struct va_cfg *cfg)
{
	static const enum va_layout tl[] = { L_SINGLE, L_HDRSPLIT, L_INDIRECT };
	struct vhost_vring_state s;
	struct va_dev d;
	unsigned int i;
	char what[64];
	int rc;

	set_prefix("wrap%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;
	for (i = 0; i < 20 && !d.broken; i++) {
		snprintf(what, sizeof(what), "tx %u (avail idx %u)", i + 1,
			 (__u16)(d.vq[VA_TX].avail_idx));
		tx_one(&d, 60 + 97 * i, tl[i % 3], i, what);
	}
	check_eq((__u16)(cfg->base[VA_TX] + 20), d.vq[VA_TX].used->idx,
		 "TX used idx after 20 frames");
	rx_post(&d, cfg->num, 2048, L_SINGLE);
	for (i = 0; i < 20 && !d.broken; i++) {
		size_t len = 60 + (i * 1777) % 7000;

		snprintf(what, sizeof(what), "rx %u: %zu bytes", i + 1, len);
		rx_one(&d, len, 100 + i, what);
	}
	check_eq((__u16)(cfg->base[VA_RX] + d.rx_bufs_used),
		 d.vq[VA_RX].used->idx, "RX used idx after %lu buffers",
		 d.rx_bufs_used);
	rc = dev_set_backend(&d, VA_TX, -1);
	s.index = VA_TX;
	if (!rc)
		rc = ioctl(d.fd, VHOST_GET_VRING_BASE, &s);
	if (check(!rc, "GET_VRING_BASE TX after stop"))
		check_eq((__u16)(cfg->base[VA_TX] + 20), s.num,
			 "TX last_avail_idx wrapped");
	rc = dev_set_backend(&d, VA_RX, -1);
	s.index = VA_RX;
	if (!rc)
		rc = ioctl(d.fd, VHOST_GET_VRING_BASE, &s);
	if (check(!rc, "GET_VRING_BASE RX after stop"))
		check_eq((__u16)(cfg->base[VA_RX] + d.rx_bufs_used), s.num,
			 "RX last_avail_idx wrapped");
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_wrap(void)
{
	struct va_cfg cfg = {
		.vhost_hdr = true, .mrg = true, .v1 = true, .indirect = true,
		.event_idx = true, .num = 8, .base = { 65525, 65530 },
	};

	wrap_config(&cfg);
	cfg.event_idx = false;
	cfg.base[VA_RX] = 65535;
	cfg.base[VA_TX] = 65520;
	wrap_config(&cfg);
}

/* ---- ring sizes ---- */

static void qsize_config(struct va_cfg *cfg)
{
	static const enum va_layout tl[] = {
		L_SINGLE, L_HDRSPLIT, L_INDIRECT, L_CHAINED, L_HIGH
	};
	unsigned int i, nl, bufsz;
	struct va_dev d;
	char what[64];

	set_prefix("qsize%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;
	/* no more descriptors per chain than the ring has */
	nl = cfg->num == 1 ? 1 : cfg->num == 2 ? 3 : ARRAY_SIZE(tl);
	for (i = 0; i < 6 && !d.broken; i++) {
		enum va_layout l = cfg->num == 1 && i == 5 ? L_INDIRECT :
			tl[i % nl];

		snprintf(what, sizeof(what), "tx %u %s", 1514 + i,
			 layout_name[l]);
		tx_one(&d, 1514 + i, l, i, what);
	}
	bufsz = cfg->num >= 64 ? 2048 : 4096;
	rx_post(&d, MIN(cfg->num, 64), bufsz, L_SINGLE);
	for (i = 0; i < 6 && !d.broken; i++) {
		size_t len = MIN(MIN(cfg->num, 64) * bufsz - d.hdr_len,
				 (size_t)(1000 + i * 3001));

		if (cfg->num >= 64 && i == 5)
			len = VA_MAX_FRAME;
		snprintf(what, sizeof(what), "rx %zu", len);
		rx_one(&d, len, 10 + i, what);
	}
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_qsize(void)
{
	struct va_cfg cfg = {
		.vhost_hdr = true, .mrg = true, .v1 = true, .indirect = true,
		.event_idx = true,
	};

	cfg.num = 1;
	qsize_config(&cfg);
	cfg.num = 2;
	cfg.event_idx = false;
	qsize_config(&cfg);
	cfg.num = 32768;
	cfg.event_idx = true;
	qsize_config(&cfg);
}

/* ---- RX frames that do not fit ---- */

void t_oversize(void)
{
	struct va_cfg cfg = {
		.vhost_hdr = true, .v1 = true, .indirect = true,
		.event_idx = true, .num = 256,
	};
	unsigned char big[1514], small[500];
	struct va_dev d;

	/* not mergeable: a frame larger than the chain is dropped */
	set_prefix("oversize%s:", cfg_name(&cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	rx_post(&d, 1, 1000, L_HDRSPLIT);
	make_frame(big, sizeof(big), 1);
	make_frame(small, sizeof(small), 2);
	vq_arm_call(&d.vq[VA_RX]);
	tap_inject(&d.tap, NULL, big, sizeof(big));
	tap_inject(&d.tap, NULL, small, sizeof(small));
	d.rx_hold = true;
	rx_expect(&d, small, sizeof(small), NULL,
		  "1514 byte frame, 1000 byte chain: dropped; next frame uses the chain");

	/* no buffer at all: the frame waits for one */
	make_frame(big, sizeof(big), 3);
	tap_inject(&d.tap, NULL, big, sizeof(big));
	check(vq_wait_used(&d.vq[VA_RX], 1, 300) == -ETIMEDOUT,
	      "empty RX ring: nothing delivered");
	d.rx_hold = false;
	rx_post(&d, 2, d.hdr_len + VA_MAX_FRAME, L_NLAYOUTS);
	rx_expect(&d, big, sizeof(big), NULL,
		  "frame that waited arrives once a chain is posted");
	dev_no_errors(&d, "no error notifications");
	dev_close(&d);
	mem_reset(&va_mem);

	/* mergeable: a frame waits until enough buffers are there */
	cfg.mrg = true;
	set_prefix("oversize%s:", cfg_name(&cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	d.rx_hold = true;
	rx_post(&d, 2, 2048, L_SINGLE);
	make_frame(frame, 9000, 4);
	tap_inject(&d.tap, NULL, frame, 9000);
	check(vq_wait_used(&d.vq[VA_RX], 1, 300) == -ETIMEDOUT,
	      "9000 byte frame, two 2048 byte buffers: frame waits");
	d.rx_hold = false;
	rx_post(&d, 4, 2048, L_SINGLE);
	rx_expect(&d, frame, 9000, NULL, "9000 byte frame arrives in 5 buffers after a refill");
	check_eq(5, d.rx_bufs_used, "buffers the 9000 byte frame took");
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

/* ---- header passed through the tap: checksum and GSO ---- */

static void offload_config(struct va_cfg *cfg)
{
	struct virtio_net_hdr_mrg_rxbuf gh;
	struct virtio_net_hdr want;
	struct va_mark mk;
	struct va_dev d;
	size_t len;
	struct res r;
	int head, e;
	__u16 old;

	set_prefix("offload%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;

	/* TX: UDP with a partial checksum */
	memset(&gh, 0, sizeof(gh));
	gh.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	gh.hdr.csum_start = 34;
	gh.hdr.csum_offset = 6;
	len = make_ipv4(frame, 1000, 17, 1);
	memset(&want, 0, sizeof(want));
	want.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	want.csum_start = 34;
	want.csum_offset = 6;
	res_init(&r);
	mem_save(&va_mem, &mk);
	old = d.vq[VA_TX].avail_idx;
	head = tx_post(&d, frame, len, L_HDRSPLIT, &gh);
	vq_kick(&d.vq[VA_TX], old);
	tx_complete(&d, head, &r);
	tx_captured(&d.tap, frame, len, &want, &r);
	mem_restore(&va_mem, &mk);
	res_report(&r, "tx UDP NEEDS_CSUM start 34 offset 6: the stack gets the partial checksum");

	/* TX: TCP GSO, 8000 and 60000 bytes of payload */
	for (e = 0; e < 2 && !d.broken; e++) {
		size_t payload = e ? 60000 : 8000;

		memset(&gh, 0, sizeof(gh));
		gh.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		gh.hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		gh.hdr.gso_size = 1400;
		gh.hdr.hdr_len = 54;
		gh.hdr.csum_start = 34;
		gh.hdr.csum_offset = 16;
		len = make_ipv4(frame, payload, 6, 2 + e);
		want.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		want.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		want.gso_size = 1400;
		want.csum_start = 34;
		want.csum_offset = 16;
		res_init(&r);
		mem_save(&va_mem, &mk);
		old = d.vq[VA_TX].avail_idx;
		head = tx_post(&d, frame, len, e ? L_CHAINED : L_SINGLE, &gh);
		vq_kick(&d.vq[VA_TX], old);
		tx_complete(&d, head, &r);
		tx_captured(&d.tap, frame, len, &want, &r);
		mem_restore(&va_mem, &mk);
		res_report(&r, "tx TCPv4 GSO %zu bytes, gso_size 1400: one GSO packet in the stack",
			   len);
	}

	/* RX */
	if (cfg->mrg)
		rx_post(&d, 96, 2048, L_NLAYOUTS);
	else
		rx_post(&d, 8, d.hdr_len + VA_MAX_FRAME, L_NLAYOUTS);
	rx_one(&d, 1514, 10, "rx plain frame: header all zero");

	memset(&want, 0, sizeof(want));
	want.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	want.csum_start = 34;
	want.csum_offset = 6;
	len = make_ipv4(frame, 1200, 17, 11);
	vq_arm_call(&d.vq[VA_RX]);
	e = tap_inject(&d.tap, &want, frame, len);
	if (e)
		diag("inject: %s", strerror(-e));
	rx_expect(&d, frame, len, &want, "rx UDP partial checksum: NEEDS_CSUM start 34 offset 6");

	for (e = 0; e < 2; e++) {
		size_t payload = e ? 30000 : 8000;
		struct virtio_net_hdr in = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
			.hdr_len = 54,
			.gso_size = 1448,
			.csum_start = 34,
			.csum_offset = 16,
		};
		char what[96];
		int rc;

		want = in;
		len = make_ipv4(frame, payload, 6, 12 + e);
		vq_arm_call(&d.vq[VA_RX]);
		rc = tap_inject(&d.tap, &in, frame, len);
		if (rc)
			diag("inject GSO: %s", strerror(-rc));
		snprintf(what, sizeof(what),
			 "rx TCPv4 GSO %zu bytes, gso_size 1448: header passed through",
			 len);
		rx_expect(&d, frame, len, &want, what);
	}
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_offload(void)
{
	struct va_cfg cfg = {
		.vhost_hdr = false, .offload = true, .indirect = true,
		.event_idx = true, .num = 256,
	};

	cfg.mrg = true;
	cfg.v1 = true;
	offload_config(&cfg);
	cfg.mrg = false;
	cfg.v1 = false;
	offload_config(&cfg);
	cfg.mrg = false;
	cfg.v1 = true;
	offload_config(&cfg);
}
