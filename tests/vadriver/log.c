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

#define LOG_BUFS	14
#define LOG_MAXSEG	3

/*
 * An RX buffer: one 8 KiB segment (mergeable buffers), or a chain of a
 * header segment and two pages (one big buffer per packet). Every
 * segment starts a page and has an unused page after it.
 */
struct log_buf {
	int nseg;
	struct va_seg seg[LOG_MAXSEG];
	bool indirect;
	__u32 written;		/* used len */
	bool used;
};

static bool log_bit(struct va_dev *d, __u64 gpa)
{
	__u64 pg = gpa / VA_PAGE;

	return d->log[pg / 8] >> (pg % 8) & 1;
}

/* First page of [gpa, gpa + len) that is not as wanted, or 0 */
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

/* Where a buffer goes: region A, region C, or across the A/B split */
static __u64 log_alloc(unsigned int i, unsigned int s, __u32 len)
{
	if (i == 1)
		return gpa_alloc_c(&va_mem, len + VA_PAGE, VA_PAGE);
	if (i == 2 && s == 0 && len > VA_PAGE)
		return VA_GPA_AB_SPLIT - VA_PAGE;
	return gpa_alloc(&va_mem, len + VA_PAGE, VA_PAGE);
}

static void post_buffers(struct va_dev *d, struct log_buf *b, bool mrg)
{
	struct va_vq *rx = &d->vq[VA_RX];
	__u16 old = rx->avail_idx;
	unsigned int i;
	int s;

	for (i = 0; i < LOG_BUFS; i++) {
		int head;

		memset(&b[i], 0, sizeof(b[i]));
		if (mrg) {
			b[i].nseg = 1;
			b[i].seg[0].len = 2 * VA_PAGE;
		} else {
			b[i].nseg = 3;
			b[i].seg[0].len = d->hdr_len;
			b[i].seg[1].len = VA_PAGE;
			b[i].seg[2].len = VA_PAGE;
			b[i].indirect = i & 1;
		}
		for (s = 0; s < b[i].nseg; s++) {
			b[i].seg[s].gpa = log_alloc(i, s, b[i].seg[s].len);
			gfill(&va_mem, b[i].seg[s].gpa, 0xaa, b[i].seg[s].len);
		}
		head = vq_add(rx, b[i].seg, b[i].nseg, true, b[i].indirect,
			      (void *)1UL);
		vq_publish(rx, head);
	}
	vq_kick(rx, old);
}

/* Check the log against what the RX buffers say was written */
static unsigned long check_rx_pages(struct va_dev *d, struct log_buf *b)
{
	unsigned long expect = 0, clean = 0, pads = 0, nused = 0;
	char what[128];
	unsigned int i;
	int s;

	for (i = 0; i < LOG_BUFS; i++) {
		__u32 left = b[i].written;
		__u64 bad_set = 0, bad_clear = 0;

		for (s = 0; s < b[i].nseg; s++) {
			struct va_seg *sg = &b[i].seg[s];
			__u32 w = MIN(left, sg->len);
			__u64 tail = ALIGN_UP(sg->gpa + w, VA_PAGE);

			left -= w;
			if (!bad_set)
				bad_set = log_range_bad(d, sg->gpa, w, true);
			expect += pages_of(sg->gpa, w);
			if (tail < sg->gpa + sg->len && !bad_clear)
				bad_clear = log_range_bad(d, tail,
							  sg->gpa + sg->len - tail,
							  false);
			if (!log_range_bad(d, ALIGN_UP(sg->gpa + sg->len,
						       VA_PAGE), VA_PAGE, false))
				pads++;
		}
		if (!b[i].used) {
			if (!bad_clear)
				clean++;
			continue;
		}
		nused++;
		snprintf(what, sizeof(what),
			 "RX buffer at 0x%llx: the pages of the %u bytes written are marked",
			 (unsigned long long)b[i].seg[0].gpa, b[i].written);
		if (bad_set)
			check(false, "%s (page at GPA 0x%llx not marked)", what,
			      (unsigned long long)bad_set);
		else
			check(true, "%s", what);
		snprintf(what, sizeof(what),
			 "RX buffer at 0x%llx: pages past the written bytes clear",
			 (unsigned long long)b[i].seg[0].gpa);
		if (bad_clear)
			check(false, "%s (page at GPA 0x%llx marked)", what,
			      (unsigned long long)bad_clear);
		else
			check(true, "%s", what);
	}
	check_eq(LOG_BUFS - nused, clean, "unused RX buffers clear");
	{
		unsigned long nseg = 0;

		for (i = 0; i < LOG_BUFS; i++)
			nseg += b[i].nseg;
		check_eq(nseg, pads, "padding pages after the RX buffers clear");
	}
	return expect;
}

static void log_config(struct va_cfg *cfg)
{
	struct log_buf b[LOG_BUFS];
	size_t sizes[] = { 100, 5000, 20000 };
	unsigned char frame[20000];
	struct va_vq *rx, *tx;
	struct va_dev d;
	unsigned long expect, got;
	unsigned int i, k;
	char what[128];
	__u64 tx_gpa[3];
	__u16 old;
	int s;

	set_prefix("log%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;
	rx = &d.vq[VA_RX];
	tx = &d.vq[VA_TX];
	post_buffers(&d, b, cfg->mrg);
	usleep(100000);
	memset(d.log, 0, d.log_size);
	log_efd_count(&d);

	/*
	 * Mergeable: 100 bytes take 1 buffer, 1 page; 5000 bytes 1 buffer,
	 * 2 pages; 20000 bytes 3 buffers. Else one chain each, the last
	 * one nearly full.
	 */
	if (!cfg->mrg)
		sizes[2] = 2 * VA_PAGE - 80;
	d.rx_hold = true;
	for (k = 0; k < ARRAY_SIZE(sizes) && !d.broken; k++) {
		__u16 first = rx->last_used;
		struct res r;

		make_frame(frame, sizes[k], k);
		res_init(&r);
		tap_inject(&d.tap, NULL, frame, sizes[k]);
		rx_recv(&d, frame, sizes[k], NULL, &r);
		res_report(&r, "rx %zu bytes", sizes[k]);
		for (i = 0; i < (__u16)(rx->last_used - first); i++) {
			struct vring_used_elem *e =
				&rx->used->ring[(__u16)(first + i) % rx->num];
			__u64 a;
			unsigned int j;

			if (e->id >= rx->num)
				continue;
			a = rx->desc[e->id].addr;
			if (rx->desc[e->id].flags & VRING_DESC_F_INDIRECT)
				a = ((struct vring_desc *)g2h(&va_mem, a, 16))->addr;
			for (j = 0; j < LOG_BUFS; j++) {
				if (b[j].seg[0].gpa == a) {
					b[j].written = e->len;
					b[j].used = true;
				}
			}
		}
	}
	if (d.broken)
		goto out;
	usleep(50000);

	expect = check_rx_pages(&d, b);
	expect_range(&d, rx->used_gpa, 4 + 8 * rx->num + 2, true,
		     "RX used ring marked");
	expect += pages_of(rx->used_gpa, 4 + 8 * rx->num + 2);
	expect_range(&d, rx->desc_gpa, 16 * rx->num, false,
		     "RX descriptor table clear");
	expect_range(&d, rx->avail_gpa, 6 + 2 * rx->num, false,
		     "RX avail ring clear");
	expect_range(&d, rx->ind_gpa, 16ULL * rx->ind_max * rx->num, false,
		     "RX indirect tables clear");
	expect_range(&d, tx->used_gpa, 6 + 8 * tx->num, false,
		     "TX used ring clear (no TX yet)");
	got = log_count(&d);
	check_eq(expect, got, "marked pages: the written ones, nothing else");
	got = log_efd_count(&d);
	check(got > 0, "log eventfd (VHOST_SET_LOG_FD) signalled (%lu)", got);

	/* TX: the device reads the buffers, writes only the used ring */
	memset(d.log, 0, d.log_size);
	for (k = 0; k < 3 && !d.broken; k++) {
		static const enum va_layout tl[] = {
			L_SINGLE, L_HIGH, L_INDIRECT
		};
		struct res r;
		int head;

		res_init(&r);
		make_frame(frame, 3000 * (k + 1), 10 + k);
		old = tx->avail_idx;
		head = tx_post(&d, frame, 3000 * (k + 1), tl[k], NULL);
		tx_gpa[k] = 0;
		if (head >= 0 && tl[k] != L_INDIRECT)
			tx_gpa[k] = tx->chain[head]->seg[0].gpa;
		vq_kick(tx, old);
		tx_complete(&d, head, &r);
		tx_captured(&d.tap, frame, 3000 * (k + 1), NULL, &r);
		res_report(&r, "tx %u bytes", 3000 * (k + 1));
	}
	usleep(50000);
	for (k = 0; k < 3; k++) {
		if (!tx_gpa[k])
			continue;
		snprintf(what, sizeof(what), "TX buffer at 0x%llx clear",
			 (unsigned long long)tx_gpa[k]);
		expect_range(&d, tx_gpa[k], d.hdr_len + 3000 * (k + 1), false,
			     what);
	}
	expect_range(&d, tx->used_gpa, 4 + 8 * tx->num + 2, true,
		     "TX used ring marked");
	expect_range(&d, tx->desc_gpa, 16 * tx->num, false,
		     "TX descriptor table clear");
	expect_range(&d, tx->ind_gpa, 16ULL * tx->ind_max * tx->num, false,
		     "TX indirect tables clear");
	for (i = 0, k = 0; i < LOG_BUFS; i++) {
		bool clean = true;

		for (s = 0; s < b[i].nseg; s++)
			clean &= !log_range_bad(&d, b[i].seg[s].gpa,
						b[i].seg[s].len, false);
		k += clean;
	}
	check_eq(LOG_BUFS, k, "RX buffers clear during TX");
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
	cfg.vhost_hdr = false;
	cfg.v1 = false;
	log_config(&cfg);
}
