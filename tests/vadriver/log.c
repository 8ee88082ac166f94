// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: dirty page logging for live migration. With VHOST_F_LOG_ALL,
 * a log base (bit N = guest page N, 4 KiB pages) and VHOST_VRING_F_LOG on
 * the rings, every guest page the device writes must be marked, and the
 * pages it did not write must not be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vadriver.h"
#include "traffic.h"

#define LOG_BUFS	12
#define LOG_BUFSZ	8192

struct log_buf {
	__u64 gpa;
	__u32 written;		/* bytes the device wrote (used len) */
};

static bool log_bit(struct va_dev *d, __u64 gpa)
{
	__u64 pg = gpa / VA_PAGE;

	return d->log[pg / 8] >> (pg % 8) & 1;
}

/* Every page of [gpa, gpa + len) marked (want) or clear (!want)? */
static __u64 log_range_bad(struct va_dev *d, __u64 gpa, __u64 len, bool want)
{
	__u64 p;

	if (!len)
		return 0;
	for (p = gpa & ~(VA_PAGE - 1); p < gpa + len; p += VA_PAGE)
		if (log_bit(d, p) != want)
			return p;
	return 0;
}

/* The number of marked pages in the whole log */
static unsigned long log_count(struct va_dev *d)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < d->log_size; i++)
		n += __builtin_popcount(d->log[i]);
	return n;
}

static unsigned long log_efd_count(struct va_dev *d)
{
	__u64 v = 0;

	if (read(d->log_efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void expect_range(struct va_dev *d, __u64 gpa, __u64 len, bool want,
			 const char *what)
{
	__u64 bad = log_range_bad(d, gpa, len, want);

	if (bad)
		check(false, "%s (page at GPA 0x%llx %s)", what,
		      (unsigned long long)bad, want ? "not marked" : "marked");
	else
		check(true, "%s", what);
}

static unsigned long pages_of(__u64 gpa, __u64 len)
{
	if (!len)
		return 0;
	return ((gpa + len - 1) / VA_PAGE) - gpa / VA_PAGE + 1;
}

static void log_config(struct va_cfg *cfg)
{
	struct log_buf b[LOG_BUFS + 2];
	size_t sizes[] = { 100, 5000, 20000 };
	unsigned char frame[20000];
	struct va_vq *rx, *tx;
	struct va_dev d;
	unsigned long expect, got;
	unsigned int i, k, nused;
	char what[128];
	__u64 tx_gpa[3];
	__u16 old;

	set_prefix("log%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;
	rx = &d.vq[VA_RX];
	tx = &d.vq[VA_TX];

	/*
	 * RX buffers of two pages each, page aligned, a never-used page
	 * after each; two of them at the high GPA (region C).
	 */
	old = rx->avail_idx;
	for (i = 0; i < LOG_BUFS + 2; i++) {
		struct va_seg seg;
		int head;

		if (i == 1 || i == LOG_BUFS)
			seg.gpa = gpa_alloc_c(&va_mem, LOG_BUFSZ + VA_PAGE,
					      VA_PAGE);
		else
			seg.gpa = gpa_alloc(&va_mem, LOG_BUFSZ + VA_PAGE,
					    VA_PAGE);
		seg.len = LOG_BUFSZ;
		b[i].gpa = seg.gpa;
		b[i].written = 0;
		gfill(&va_mem, seg.gpa, 0xaa, LOG_BUFSZ);
		head = vq_add(rx, &seg, 1, true, false, (void *)1UL);
		vq_publish(rx, head);
	}
	vq_kick(rx, old);
	usleep(100000);
	memset(d.log, 0, d.log_size);
	log_efd_count(&d);

	/*
	 * 100 bytes: 1 buffer, 1 page; 5000: 1 buffer, 2 pages; 20000: 3
	 * buffers (8100, one buffer, without mergeable buffers)
	 */
	if (!cfg->mrg)
		sizes[2] = LOG_BUFSZ - d.hdr_len - 80;
	d.rx_hold = true;
	for (k = 0; k < ARRAY_SIZE(sizes) && !d.broken; k++) {
		__u16 first = rx->last_used;
		struct res r;

		make_frame(frame, sizes[k], k);
		res_init(&r);
		tap_inject(&d.tap, NULL, frame, sizes[k]);
		rx_recv(&d, frame, sizes[k], NULL, &r);
		res_report(&r, "rx %zu bytes", sizes[k]);
		/* which buffers it took, and how much of each */
		for (i = 0; i < (__u16)(rx->last_used - first); i++) {
			struct vring_used_elem *e =
				&rx->used->ring[(__u16)(first + i) % rx->num];
			unsigned int j;

			for (j = 0; j < LOG_BUFS + 2; j++)
				if (e->id < rx->num &&
				    rx->desc[e->id].addr == b[j].gpa)
					b[j].written = e->len;
		}
	}
	if (d.broken)
		goto out;
	usleep(50000);

	expect = 0;
	nused = 0;
	for (i = 0; i < LOG_BUFS + 2; i++) {
		if (!b[i].written)
			continue;
		nused++;
		snprintf(what, sizeof(what),
			 "RX buffer at 0x%llx: the %u bytes written are marked",
			 (unsigned long long)b[i].gpa, b[i].written);
		expect_range(&d, b[i].gpa, b[i].written, true, what);
		expect += pages_of(b[i].gpa, b[i].written);
		if (b[i].written < LOG_BUFSZ &&
		    pages_of(b[i].gpa, b[i].written) < LOG_BUFSZ / VA_PAGE) {
			__u64 from = (b[i].gpa + b[i].written + VA_PAGE - 1) &
				~(VA_PAGE - 1);

			snprintf(what, sizeof(what),
				 "RX buffer at 0x%llx: pages past the written bytes clear",
				 (unsigned long long)b[i].gpa);
			expect_range(&d, from, b[i].gpa + LOG_BUFSZ - from,
				     false, what);
		}
	}
	for (i = 0, k = 0; i < LOG_BUFS + 2; i++) {
		if (!log_range_bad(&d, b[i].gpa + LOG_BUFSZ, VA_PAGE, false))
			k++;
	}
	check_eq(LOG_BUFS + 2, k, "padding pages after the RX buffers clear");
	for (i = 0, k = 0; i < LOG_BUFS + 2; i++) {
		if (!b[i].written &&
		    !log_range_bad(&d, b[i].gpa, LOG_BUFSZ, false))
			k++;
	}
	check_eq(LOG_BUFS + 2 - nused, k, "unused RX buffers clear");
	expect_range(&d, rx->used_gpa, 4 + 8 * rx->num + 2, true,
		     "RX used ring marked");
	expect += pages_of(rx->used_gpa, 4 + 8 * rx->num + 2);
	expect_range(&d, rx->desc_gpa, 16 * rx->num, false,
		     "RX descriptor table clear");
	expect_range(&d, rx->avail_gpa, 6 + 2 * rx->num, false,
		     "RX avail ring clear");
	expect_range(&d, tx->used_gpa, 6 + 8 * tx->num, false,
		     "TX used ring clear (no TX yet)");
	got = log_count(&d);
	check_eq(expect, got, "marked pages: the written ones, nothing else");
	got = log_efd_count(&d);
	check(got > 0, "log eventfd (VHOST_SET_LOG_FD) signalled (%lu)", got);

	/* TX: the device reads the buffers, writes only the used ring */
	memset(d.log, 0, d.log_size);
	for (k = 0; k < 3 && !d.broken; k++) {
		struct res r;
		int head;

		res_init(&r);
		make_frame(frame, 3000 * (k + 1), 10 + k);
		old = tx->avail_idx;
		head = tx_post(&d, frame, 3000 * (k + 1),
			       k == 1 ? L_HIGH : L_SINGLE, NULL);
		tx_gpa[k] = head >= 0 ? tx->chain[head]->seg[0].gpa : 0;
		vq_kick(tx, old);
		tx_complete(&d, head, &r);
		tx_captured(&d.tap, frame, 3000 * (k + 1), NULL, &r);
		res_report(&r, "tx %u bytes", 3000 * (k + 1));
	}
	usleep(50000);
	for (k = 0; k < 3; k++) {
		snprintf(what, sizeof(what), "TX buffer at 0x%llx clear",
			 (unsigned long long)tx_gpa[k]);
		expect_range(&d, tx_gpa[k], d.hdr_len + 3000 * (k + 1), false,
			     what);
	}
	expect_range(&d, tx->used_gpa, 4 + 8 * tx->num + 2, true,
		     "TX used ring marked");
	expect_range(&d, tx->desc_gpa, 16 * tx->num, false,
		     "TX descriptor table clear");
	for (i = 0, k = 0; i < LOG_BUFS + 2; i++)
		if (!log_range_bad(&d, b[i].gpa, LOG_BUFSZ, false))
			k++;
	check_eq(LOG_BUFS + 2, k, "RX buffers clear during TX");
	check_eq(pages_of(tx->used_gpa, 4 + 8 * tx->num + 2), log_count(&d),
		 "marked pages: the TX used ring, nothing else");
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_log(void)
{
	struct va_cfg cfg = {
		.mrg = true, .v1 = true, .indirect = true, .event_idx = true,
		.log = true, .num = 256,
	};

	cfg.vhost_hdr = true;
	log_config(&cfg);
	cfg.vhost_hdr = false;
	log_config(&cfg);
	cfg.mrg = false;
	cfg.vhost_hdr = true;
	cfg.event_idx = false;
	log_config(&cfg);
}
