// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: packets. TX: the guest puts a virtio-net header and a frame in
 * descriptors, the tap's netdev must receive exactly the frame. RX: a
 * frame sent out of the tap's netdev must land in the guest's buffers
 * with the right header.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vadriver.h"
#include "traffic.h"

const char *const layout_name[L_NLAYOUTS] = {
	[L_SINGLE] = "single",
	[L_HDRSPLIT] = "hdr+data",
	[L_CHAINED] = "chained",
	[L_INDIRECT] = "indirect",
	[L_STRADDLE] = "straddling A/B",
	[L_HIGH] = "high region",
};

#define RX_FILL		0xaa
#define RX_MAX_BUFS	256

bool va_straddle_busy;

static unsigned char fbuf[VA_MAX_FRAME + 4096];	/* frames */
static unsigned char gbuf[VA_MAX_FRAME + 65536];	/* guest streams */
static unsigned char cbuf[VA_MAX_FRAME + 4096];	/* captures */

void res_init(struct res *r)
{
	r->ok = true;
	r->why[0] = 0;
}

void res_fail(struct res *r, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!r->ok)
		return;
	r->ok = false;
	strcpy(r->why, " (");
	va_start(ap, fmt);
	vsnprintf(r->why + 2, sizeof(r->why) - 4, fmt, ap);
	va_end(ap);
	n = strlen(r->why);
	r->why[n] = ')';
	r->why[n + 1] = 0;
}

bool res_report(struct res *r, const char *fmt, ...)
{
	char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return check(r->ok, "%s%s", name, r->why);
}

/* A buffer of len bytes somewhere in A/B, at an odd offset */
static __u64 alloc_buf(__u32 len)
{
	return gpa_alloc(&va_mem, len + 64, 64) + va_rand() % 61;
}

/*
 * Lay out a buffer of total bytes, whose first hdr bytes are the
 * virtio-net header, as descriptor segments. rx: big buffers are split in
 * pages the way non-mergeable Linux guests do. Returns the segment count.
 */
int build_segs(struct va_dev *d, __u32 total, enum va_layout l, bool rx,
	       struct va_seg *seg)
{
	unsigned int hdr = d->hdr_len;
	int n = 0, max, i;
	__u32 cut[VA_MAX_SEG + 1];

	switch (l) {
	case L_SINGLE:
		seg[0].gpa = alloc_buf(total);
		seg[0].len = total;
		return 1;
	case L_HDRSPLIT:
		seg[n].gpa = alloc_buf(hdr);
		seg[n++].len = MIN(hdr, total);
		if (total <= hdr)
			return n;
		if (!rx) {
			seg[n].gpa = alloc_buf(total - hdr);
			seg[n++].len = total - hdr;
			return n;
		}
		for (i = hdr; (__u32)i < total; i += VA_PAGE) {
			__u32 len = MIN(VA_PAGE, total - i);

			seg[n].gpa = gpa_alloc(&va_mem, len, VA_PAGE);
			seg[n++].len = len;
		}
		return n;
	case L_STRADDLE:
		if (va_straddle_busy)
			break;
		va_straddle_busy = true;
		seg[0].gpa = VA_GPA_AB_SPLIT - total / 2 - (va_rand() % 8);
		if (total < 2)
			seg[0].gpa = VA_GPA_AB_SPLIT - 1;
		seg[0].len = total;
		return 1;
	case L_HIGH:
		seg[0].gpa = gpa_alloc_c(&va_mem, total + 64, 64) +
			va_rand() % 61;
		seg[0].len = total;
		return 1;
	default:
		break;
	}

	/* chained or indirect: cut points, one inside the header */
	max = l == L_INDIRECT ? 24 : 16;
	if (total < 2) {
		seg[0].gpa = alloc_buf(total);
		seg[0].len = total;
		return 1;
	}
	n = 2 + va_rand() % (max - 1);
	if ((__u32)n > total)
		n = total;
	cut[0] = 0;
	cut[1] = 1 + va_rand() % MIN(hdr - 1, total - 1);
	for (i = 2; i < n; i++)
		cut[i] = 1 + va_rand() % (total - 1);
	cut[n] = total;
	/* sort and drop duplicates */
	for (i = 1; i < n; i++) {
		int j;

		for (j = i + 1; j < n; j++) {
			if (cut[j] < cut[i]) {
				__u32 t = cut[i];

				cut[i] = cut[j];
				cut[j] = t;
			}
		}
	}
	max = 0;
	for (i = 0; i < n; i++) {
		if (cut[i + 1] == cut[i])
			continue;
		seg[max].gpa = alloc_buf(cut[i + 1] - cut[i]);
		seg[max++].len = cut[i + 1] - cut[i];
	}
	return max;
}

static int stream_to(const struct va_seg *seg, int nseg, const void *src,
		     size_t n)
{
	const unsigned char *p = src;
	int i;

	for (i = 0; i < nseg && n; i++) {
		size_t c = MIN(n, seg[i].len);

		if (gcopy_to(&va_mem, seg[i].gpa, p, c))
			return -1;
		p += c;
		n -= c;
	}
	return n ? -1 : 0;
}

static int stream_from(void *dst, const struct va_seg *seg, int nseg,
		       size_t n)
{
	unsigned char *p = dst;
	int i;

	for (i = 0; i < nseg && n; i++) {
		size_t c = MIN(n, seg[i].len);

		if (gcopy_from(&va_mem, p, seg[i].gpa, c))
			return -1;
		p += c;
		n -= c;
	}
	return n ? -1 : 0;
}

/* Bytes [from, total) of a chain still hold RX_FILL; -1 or where not */
static long untouched_from(const struct va_chain *c, __u32 from)
{
	static unsigned char tmp[VA_MAX_FRAME + 4096];
	__u32 off = 0;
	int i;

	for (i = 0; i < c->nseg; i++) {
		__u32 len = c->seg[i].len, s, k;

		if (off + len > from) {
			s = from > off ? from - off : 0;
			gcopy_from(&va_mem, tmp, c->seg[i].gpa + s, len - s);
			for (k = 0; k < len - s; k++)
				if (tmp[k] != RX_FILL)
					return off + s + k;
		}
		off += len;
	}
	return -1;
}

bool dev_no_errors(struct va_dev *d, const char *what)
{
	unsigned long rx = vq_drain_err(&d->vq[VA_RX]);
	unsigned long tx = vq_drain_err(&d->vq[VA_TX]);
	struct res r;

	res_init(&r);
	if (rx || tx)
		res_fail(&r, "error eventfd: rx %lu, tx %lu", rx, tx);
	return res_report(&r, "%s", what);
}

/* Post one TX buffer of hdr + frame[len] in layout l; returns the head */
int tx_post(struct va_dev *d, const unsigned char *frame, size_t len,
	    enum va_layout l, const struct virtio_net_hdr_mrg_rxbuf *hdr)
{
	struct va_vq *vq = &d->vq[VA_TX];
	struct va_seg seg[VA_MAX_SEG];
	size_t total = d->hdr_len + len;
	int nseg, head;

	memset(gbuf, 0, d->hdr_len);
	if (hdr)
		memcpy(gbuf, hdr, d->hdr_len);
	memcpy(gbuf + d->hdr_len, frame, len);
	if (l == L_INDIRECT && (!d->cfg.indirect || !vq->ind_gpa))
		l = L_CHAINED;
	if (l == L_STRADDLE && va_straddle_busy)
		l = L_CHAINED;
	nseg = build_segs(d, total, l, false, seg);
	if (stream_to(seg, nseg, gbuf, total))
		return -1;
	head = vq_add(vq, seg, nseg, false, l == L_INDIRECT,
		      (void *)(unsigned long)(l == L_STRADDLE));
	if (head >= 0)
		vq_publish(vq, head);
	return head;
}

/* Take one TX completion; checks id (if want_head >= 0) and len 0 */
void tx_complete(struct va_dev *d, int want_head, struct res *r)
{
	struct va_vq *vq = &d->vq[VA_TX];
	struct va_chain *c;
	__u32 len, id;
	int e;

	if (vq_wait_used(vq, 1, va_timeout_ms)) {
		res_fail(r, "no used entry within %d ms", va_timeout_ms);
		d->broken = true;
		return;
	}
	e = vq_get_used(vq, &c, &len, &id);
	if (e) {
		res_fail(r, "used id %u is not a buffer the guest made available",
			 id);
		d->broken = true;
		return;
	}
	if (c->cookie)
		va_straddle_busy = false;
	if (want_head >= 0 && id != (__u32)want_head)
		res_fail(r, "used id %u, want %d", id, want_head);
	else if (len != 0)
		res_fail(r, "used len %u, want 0 (the device writes nothing)",
			 len);
	free(c);
}

/*
 * The tap's netdev received frame[len] (or, below an Ethernet header,
 * nothing: tun drops such frames and so /dev/vhost-net delivers nothing).
 */
void tx_captured(struct va_tap *t, const unsigned char *frame, size_t len,
		 const struct virtio_net_hdr *want, struct res *r)
{
	struct virtio_net_hdr h;
	int n, at;

	if (len < VA_ETH_HLEN) {
		n = tap_capture(t, &h, cbuf, sizeof(cbuf), 200);
		if (n != -ETIMEDOUT)
			res_fail(r, "tap received %d bytes; a frame shorter than an Ethernet header is dropped by tun",
				 n);
		return;
	}
	n = tap_capture(t, &h, cbuf, sizeof(cbuf), va_timeout_ms);
	if (n == -ETIMEDOUT) {
		res_fail(r, "nothing reached %s within %d ms", t->name,
			 va_timeout_ms);
		return;
	}
	if (n < 0) {
		res_fail(r, "capture: %s", strerror(-n));
		return;
	}
	if ((size_t)n != len) {
		res_fail(r, "%s received %d bytes, want %zu", t->name, n, len);
		return;
	}
	at = first_diff(cbuf, frame, len);
	if (at >= 0) {
		res_fail(r, "byte %d differs: 0x%02x, want 0x%02x", at,
			 cbuf[at], frame[at]);
		return;
	}
	if (!want) {
		if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM || h.gso_type)
			res_fail(r, "stack got flags 0x%x gso_type %u, want none",
				 h.flags, h.gso_type);
		return;
	}
	if (h.flags != want->flags)
		res_fail(r, "stack got hdr flags 0x%x, want 0x%x", h.flags,
			 want->flags);
	else if (h.gso_type != want->gso_type)
		res_fail(r, "stack got gso_type %u, want %u", h.gso_type,
			 want->gso_type);
	else if (h.gso_size != want->gso_size)
		res_fail(r, "stack got gso_size %u, want %u", h.gso_size,
			 want->gso_size);
	else if (h.csum_start != want->csum_start)
		res_fail(r, "stack got csum_start %u, want %u", h.csum_start,
			 want->csum_start);
	else if (h.csum_offset != want->csum_offset)
		res_fail(r, "stack got csum_offset %u, want %u", h.csum_offset,
			 want->csum_offset);
}

/*
 * The device must signal the call eventfd for what it has used since
 * vq_arm_call(). When it has not within the timeout, wait as long again and
 * say whether the call came late or not at all, with the ring's indices: a
 * slow machine and a lost notification read differently in a CI log.
 * The caller ends the step with vq_release_event().
 */
static void expect_call(struct va_vq *vq, struct res *r)
{
	long long start = now_ms();
	char late[48];

	if (!vq_wait_call(vq, va_timeout_ms))
		return;
	if (vq_wait_call(vq, va_timeout_ms))
		snprintf(late, sizeof(late), "none within %d ms more",
			 va_timeout_ms);
	else
		snprintf(late, sizeof(late), "it came after %lld ms",
			 now_ms() - start);
	res_fail(r, "no call notification within %d ms: %s; used idx %u, read up to %u, used_event %u, avail idx %u, used flags 0x%x, avail flags 0x%x",
		 va_timeout_ms, late,
		 __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE),
		 vq->last_used, vq_used_event(vq), vq->avail_idx,
		 vq->used->flags, vq->avail->flags);
}

/* One frame through TX, start to end, one check line */
bool tx_one(struct va_dev *d, size_t len, enum va_layout l, unsigned int seq,
	    const char *what)
{
	struct va_vq *vq = &d->vq[VA_TX];
	struct va_mark mk;
	struct res r;
	__u16 old;
	int head;

	res_init(&r);
	if (d->broken)
		res_fail(&r, "not run: an earlier step timed out");
	if (!r.ok)
		return res_report(&r, "%s", what);
	mem_save(&va_mem, &mk);
	make_frame(fbuf, len, seq);
	vq_arm_call(vq);
	old = vq->avail_idx;
	head = tx_post(d, fbuf, len, l, NULL);
	if (head < 0) {
		res_fail(&r, "no room in the TX ring");
		goto out;
	}
	vq_kick(vq, old);
	tx_complete(d, head, &r);
	if (d->broken)
		goto out;
	expect_call(vq, &r);
	tx_captured(&d->tap, fbuf, len, NULL, &r);
out:
	vq_release_event(vq);
	if (!d->broken)
		mem_restore(&va_mem, &mk);
	return res_report(&r, "%s", what);
}

/* ---- RX ---- */

static int rx_add(struct va_dev *d, const struct va_seg *seg, int nseg,
		  bool indirect, bool straddle)
{
	int i;

	for (i = 0; i < nseg; i++)
		gfill(&va_mem, seg[i].gpa, RX_FILL, seg[i].len);
	return vq_add(&d->vq[VA_RX], seg, nseg, true, indirect,
		      (void *)(unsigned long)(straddle ? 3 : 1));
}

/*
 * Make count receive buffers of bufsz bytes available, in layout l
 * (L_NLAYOUTS: a different layout for each) and kick.
 */
int rx_post(struct va_dev *d, unsigned int count, unsigned int bufsz,
	    enum va_layout l)
{
	struct va_vq *vq = &d->vq[VA_RX];
	struct va_seg seg[VA_MAX_SEG];
	__u16 old = vq->avail_idx;
	unsigned int i;
	int posted = 0;

	for (i = 0; i < count; i++) {
		enum va_layout li = l == L_NLAYOUTS ? (i % L_NLAYOUTS) : l;
		bool straddle;
		int nseg, head;

		if (li == L_INDIRECT && (!d->cfg.indirect || !vq->ind_gpa))
			li = L_CHAINED;
		if (li == L_STRADDLE && va_straddle_busy)
			li = L_SINGLE;
		straddle = li == L_STRADDLE;
		nseg = build_segs(d, bufsz, li, true, seg);
		head = rx_add(d, seg, nseg, li == L_INDIRECT, straddle);
		if (head < 0)
			break;
		vq_publish(vq, head);
		posted++;
	}
	vq_kick(vq, old);
	return posted;
}

/* Give consumed buffers back to the device, as they were */
static void rx_repost(struct va_dev *d, struct va_chain **c, int n)
{
	struct va_vq *vq = &d->vq[VA_RX];
	__u16 old = vq->avail_idx;
	int i, head;

	for (i = 0; i < n; i++) {
		head = rx_add(d, c[i]->seg, c[i]->nseg, c[i]->indirect,
			      (unsigned long)c[i]->cookie == 3);
		if (head >= 0)
			vq_publish(vq, head);
		free(c[i]);
	}
	vq_kick(vq, old);
}

static __u16 hdr16(const unsigned char *p)
{
	return p[0] | p[1] << 8;	/* little endian: v1, or legacy on x86 */
}

static const unsigned char *rx_last;
static size_t rx_last_len;

/* The frame rx_recv took last (valid until the next rx_recv) */
const unsigned char *rx_last_frame(size_t *len)
{
	*len = rx_last_len;
	return rx_last;
}

/*
 * Receive one packet: the used entries it took, the data, the header.
 * frame: what must arrive (NULL: anything, see rx_last_frame). want: the
 * header expected (NULL: all zero). Buffers go back to the ring.
 */
void rx_recv(struct va_dev *d, const unsigned char *frame, size_t len,
	     const struct virtio_net_hdr *want, struct res *r)
{
	struct va_vq *vq = &d->vq[VA_RX];
	static struct va_chain *c[RX_MAX_BUFS];
	__u32 ulen[RX_MAX_BUFS];
	struct virtio_net_hdr zero = { 0 }, h;
	unsigned int hl = d->hdr_len, nb = 1, n = 0, i;
	size_t total = 0;
	int foreign = 0, at;

	if (!want)
		want = &zero;
again:
	n = 0;
	total = 0;
	nb = 1;
	rx_last = NULL;
	rx_last_len = 0;
	while (n < nb) {
		__u32 id;

		if (vq_wait_used(vq, 1, va_timeout_ms)) {
			if (n)
				res_fail(r, "only %u of num_buffers %u used entries within %d ms",
					 n, nb, va_timeout_ms);
			else
				res_fail(r, "nothing received within %d ms",
					 va_timeout_ms);
			d->broken = true;
			goto out;
		}
		if (vq_get_used(vq, &c[n], &ulen[n], &id)) {
			res_fail(r, "used id %u is not a buffer the guest made available",
				 id);
			d->broken = true;
			goto out;
		}
		if (ulen[n] > c[n]->total) {
			res_fail(r, "used len %u > buffer size %u", ulen[n],
				 c[n]->total);
			n++;
			goto out;
		}
		if (total + ulen[n] > sizeof(gbuf)) {
			res_fail(r, "more than %zu bytes", sizeof(gbuf));
			n++;
			goto out;
		}
		stream_from(gbuf + total, c[n]->seg, c[n]->nseg, ulen[n]);
		total += ulen[n];
		if (!n && d->cfg.mrg) {
			if (ulen[0] < hl) {
				res_fail(r, "first buffer holds %u bytes, less than the %u byte header",
					 ulen[0], hl);
				n++;
				goto out;
			}
			nb = hdr16(gbuf + 10);
			if (!nb || nb > RX_MAX_BUFS) {
				res_fail(r, "num_buffers %u", nb);
				n++;
				goto out;
			}
		}
		n++;
	}
	if (total < hl) {
		res_fail(r, "%zu bytes, less than the %u byte header", total, hl);
		goto out;
	}
	if (total - hl >= VA_ETH_HLEN && foreign < 8 &&
	    ((gbuf[hl + 12] == 0x86 && gbuf[hl + 13] == 0xdd) ||
	     (gbuf[hl + 12] == 0x08 && gbuf[hl + 13] == 0x06))) {
		diag("skipping a frame the host stack sent (ethertype 0x%02x%02x, %zu bytes)",
		     gbuf[hl + 12], gbuf[hl + 13], total - hl);
		foreign++;
		rx_repost(d, c, n);
		goto again;
	}
	rx_last = gbuf + hl;
	rx_last_len = total - hl;
	if (frame && total - hl != len) {
		res_fail(r, "%zu bytes after the header, want %zu", total - hl,
			 len);
		goto out;
	}
	at = frame ? first_diff(gbuf + hl, frame, len) : -1;
	if (at >= 0) {
		res_fail(r, "frame byte %d differs: 0x%02x, want 0x%02x", at,
			 gbuf[hl + at], frame[at]);
		goto out;
	}
	memcpy(&h, gbuf, sizeof(h));
	if (h.flags != want->flags)
		res_fail(r, "hdr flags 0x%x, want 0x%x", h.flags, want->flags);
	else if (h.gso_type != want->gso_type)
		res_fail(r, "hdr gso_type %u, want %u", h.gso_type,
			 want->gso_type);
	else if (h.hdr_len != want->hdr_len)
		res_fail(r, "hdr hdr_len %u, want %u", h.hdr_len, want->hdr_len);
	else if (h.gso_size != want->gso_size)
		res_fail(r, "hdr gso_size %u, want %u", h.gso_size,
			 want->gso_size);
	else if (h.csum_start != want->csum_start)
		res_fail(r, "hdr csum_start %u, want %u", h.csum_start,
			 want->csum_start);
	else if (h.csum_offset != want->csum_offset)
		res_fail(r, "hdr csum_offset %u, want %u", h.csum_offset,
			 want->csum_offset);
	else if (d->cfg.mrg && hdr16(gbuf + 10) != n)
		res_fail(r, "num_buffers %u, but %u used entries",
			 hdr16(gbuf + 10), n);
	if (!d->cfg.mrg && hl == 12 && !d->nomrg_nb_seen) {
		d->nomrg_nb_seen = true;
		diag("num_buffers without MRG_RXBUF (VERSION_1): 0x%04x%s",
		     hdr16(gbuf + 10),
		     hdr16(gbuf + 10) == (RX_FILL << 8 | RX_FILL) ?
		     " (not written; /dev/vhost-net leaves it too)" : "");
	}
	for (i = 0; i < n; i++) {
		long u = untouched_from(c[i], ulen[i]);

		if (u >= 0) {
			res_fail(r, "buffer %u of %u: byte %ld written, beyond used len %u",
				 i + 1, n, u, ulen[i]);
			break;
		}
	}
out:
	d->rx_bufs_used += n;
	if (d->rx_hold) {
		for (i = 0; i < n; i++)
			free(c[i]);
	} else {
		rx_repost(d, c, n);
	}
}

bool rx_expect(struct va_dev *d, const unsigned char *frame, size_t len,
	       const struct virtio_net_hdr *want_hdr, const char *what)
{
	struct va_vq *vq = &d->vq[VA_RX];
	struct res r;

	res_init(&r);
	if (d->broken)
		res_fail(&r, "not run: an earlier step timed out");
	else
		rx_recv(d, frame, len, want_hdr, &r);
	if (r.ok)
		expect_call(vq, &r);
	vq_release_event(vq);
	return res_report(&r, "%s", what);
}

bool rx_one(struct va_dev *d, size_t len, unsigned int seq, const char *what)
{
	struct va_vq *vq = &d->vq[VA_RX];
	struct res r;
	int e;

	make_frame(fbuf, len, seq);
	vq_arm_call(vq);
	e = tap_inject(&d->tap, NULL, fbuf, len);
	if (e) {
		vq_release_event(vq);
		res_init(&r);
		res_fail(&r, "send into %s: %s", d->tap.name, strerror(-e));
		return res_report(&r, "%s", what);
	}
	return rx_expect(d, fbuf, len, NULL, what);
}

/* ---- traffic: every combination of header mode and ring features ---- */

static const size_t tx_sizes[] = {
	1, 13, 14, 15, 60, 64, 1514, 1518, 4096, 9000, 65535
};
static const size_t rx_sizes[] = {
	14, 15, 60, 64, 1514, 1518, 4096, 9000, 65535
};

static void traffic_config(const struct va_cfg *cfg, unsigned int ci,
			   bool quick)
{
	struct va_dev d;
	char what[128];
	unsigned int i, seq = ci << 16, nrand = quick ? 1 : 4;
	int l, posted;

	set_prefix("traffic%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path) || dev_setup(&d, cfg))
		goto out;

	/* TX: fixed sizes, each in another layout; then random sizes */
	for (i = 0; i < ARRAY_SIZE(tx_sizes) + nrand && !d.broken; i++) {
		size_t len = i < ARRAY_SIZE(tx_sizes) ? tx_sizes[i] :
			1 + va_rand() % VA_MAX_FRAME;

		l = (i + ci) % L_NLAYOUTS;
		snprintf(what, sizeof(what), "tx %zu bytes %s", len,
			 layout_name[l]);
		tx_one(&d, len, l, seq++, what);
	}
	/* every layout for a standard and a maximal frame */
	for (l = 0; l < L_NLAYOUTS && !quick && !d.broken; l++) {
		snprintf(what, sizeof(what), "tx 1514 bytes %s",
			 layout_name[l]);
		tx_one(&d, 1514, l, seq++, what);
		snprintf(what, sizeof(what), "tx 65535 bytes %s",
			 layout_name[l]);
		tx_one(&d, 65535, l, seq++, what);
	}
	tx_burst(&d, quick ? 8 : 32, seq);
	seq += 64;

	/* RX */
	if (cfg->mrg)
		posted = rx_post(&d, 96, 2048, L_NLAYOUTS);
	else
		posted = rx_post(&d, 8, d.hdr_len + VA_MAX_FRAME, L_NLAYOUTS);
	check(posted > 0, "rx buffers posted (%d)", posted);
	for (i = 0; i < ARRAY_SIZE(rx_sizes) + nrand && !d.broken; i++) {
		size_t len = i < ARRAY_SIZE(rx_sizes) ? rx_sizes[i] :
			VA_ETH_HLEN + va_rand() % (VA_MAX_FRAME - 13);

		snprintf(what, sizeof(what), "rx %zu bytes", len);
		rx_one(&d, len, seq++, what);
	}
	rx_burst(&d, cfg->mrg ? 16 : 8, seq);
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

/* n frames made available at once with one kick; all arrive, in order */
void tx_burst(struct va_dev *d, unsigned int n, unsigned int seq)
{
	static unsigned char frames[32][2048];
	struct va_vq *vq = &d->vq[VA_TX];
	size_t len[32];
	struct va_mark mk;
	struct res r;
	unsigned int i;
	__u16 old;

	res_init(&r);
	if (n > 32)
		n = 32;
	if (d->broken) {
		res_fail(&r, "not run: an earlier step timed out");
		goto report;
	}
	mem_save(&va_mem, &mk);
	vq_arm_call(vq);
	old = vq->avail_idx;
	for (i = 0; i < n; i++) {
		len[i] = VA_ETH_HLEN + va_rand() % (sizeof(frames[0]) - 14);
		make_frame(frames[i], len[i], seq + i);
		if (tx_post(d, frames[i], len[i], i % L_NLAYOUTS, NULL) < 0) {
			res_fail(&r, "no room for frame %u", i);
			n = i;
			break;
		}
	}
	vq_kick(vq, old);
	for (i = 0; i < n && !d->broken; i++)
		tx_complete(d, -1, &r);
	if (!d->broken)
		expect_call(vq, &r);
	for (i = 0; i < n && !d->broken && r.ok; i++)
		tx_captured(&d->tap, frames[i], len[i], NULL, &r);
	vq_release_event(vq);
	if (!d->broken)
		mem_restore(&va_mem, &mk);
report:
	res_report(&r, "tx burst of %u frames, one kick", n);
}

/* n frames sent into the tap back to back; all arrive, in order */
void rx_burst(struct va_dev *d, unsigned int n, unsigned int seq)
{
	static unsigned char frames[16][9100];
	struct va_vq *vq = &d->vq[VA_RX];
	size_t len[16];
	struct res r;
	unsigned int i;
	int e;

	res_init(&r);
	if (n > 16)
		n = 16;
	if (d->broken) {
		res_fail(&r, "not run: an earlier step timed out");
		goto report;
	}
	vq_arm_call(vq);
	for (i = 0; i < n; i++) {
		len[i] = VA_ETH_HLEN + va_rand() % (sizeof(frames[0]) - 14);
		make_frame(frames[i], len[i], seq + i);
		e = tap_inject(&d->tap, NULL, frames[i], len[i]);
		if (e) {
			res_fail(&r, "send into %s: %s", d->tap.name,
				 strerror(-e));
			n = i;
			break;
		}
	}
	for (i = 0; i < n && r.ok && !d->broken; i++)
		rx_recv(d, frames[i], len[i], NULL, &r);
	if (r.ok)
		expect_call(vq, &r);
	vq_release_event(vq);
report:
	res_report(&r, "rx burst of %u frames", n);
}

static void traffic_matrix(bool quick)
{
	unsigned int ci = 0, m;

	for (m = 0; m < 16; m++) {
		struct va_cfg cfg = {
			.vhost_hdr = !(m & 8),
			.mrg = !(m & 4),
			.event_idx = !(m & 2),
			.v1 = !(m & 1),
			.indirect = true,
			.num = 256,
		};

		traffic_config(&cfg, ci++, quick);
	}
}

void t_traffic(void)
{
	traffic_matrix(false);
}
