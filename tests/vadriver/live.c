// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: what QEMU does to a running device, and life beyond one
 * device. Eventfds replaced while running (MSI-X masking), the memory
 * table replaced while running (hotplug), dirty logging switched on and off
 * while running (migration), a multiqueue tap with one device per queue,
 * sustained traffic both ways at once, the owner process exiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vadriver.h"
#include "traffic.h"

static const struct va_cfg live_cfg = {
	.vhost_hdr = true, .mrg = true, .event_idx = true, .v1 = true,
	.indirect = true, .num = 256,
};

static unsigned char frame[VA_MAX_FRAME + 64];

static int set_vring_fd(struct va_dev *d, unsigned long req, int index, int fd)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	return ioctl(d->fd, req, &f) ? -errno : 0;
}

static unsigned long efd_read(int fd)
{
	__u64 v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* ---- eventfds replaced while running ---- */

static void live_eventfds(struct va_dev *d)
{
	struct va_vq *tx = &d->vq[VA_TX], *rx = &d->vq[VA_RX];
	int orig_call = tx->call, orig_kick = tx->kick, nfd, rc;
	struct res r;

	/* call: a new eventfd gets the notifications, the old one none */
	nfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = set_vring_fd(d, VHOST_SET_VRING_CALL, VA_TX, nfd);
	check_errno(rc, -rc, 0, "VHOST_SET_VRING_CALL to a new eventfd while running");
	efd_read(orig_call);
	tx->call = nfd;
	tx_one(d, 1000, L_SINGLE, 1, "tx: call on the new eventfd");
	check(efd_read(orig_call) == 0, "tx: the old call eventfd stays quiet");

	/* call -1: completions go on, nobody is told */
	rc = set_vring_fd(d, VHOST_SET_VRING_CALL, VA_TX, -1);
	check_errno(rc, -rc, 0, "VHOST_SET_VRING_CALL -1 while running");
	res_init(&r);
	{
		struct va_mark mk;
		__u16 old = tx->avail_idx;
		int head;

		mem_save(&va_mem, &mk);
		make_frame(frame, 1100, 2);
		head = tx_post(d, frame, 1100, L_SINGLE, NULL);
		vq_kick(tx, old);
		tx_complete(d, head, &r);
		tx_captured(&d->tap, frame, 1100, NULL, &r);
		if (efd_read(nfd) || efd_read(orig_call))
			res_fail(&r, "an unbound call eventfd was signalled");
		if (!d->broken)
			mem_restore(&va_mem, &mk);
	}
	res_report(&r, "tx with no call eventfd");
	rc = set_vring_fd(d, VHOST_SET_VRING_CALL, VA_TX, orig_call);
	check_errno(rc, -rc, 0, "VHOST_SET_VRING_CALL back to the first eventfd");
	tx->call = orig_call;
	close(nfd);
	tx_one(d, 1200, L_SINGLE, 3, "tx: call on the first eventfd again");

	/* RX call too */
	nfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = set_vring_fd(d, VHOST_SET_VRING_CALL, VA_RX, nfd);
	check_errno(rc, -rc, 0, "VHOST_SET_VRING_CALL RX to a new eventfd");
	orig_call = rx->call;
	rx->call = nfd;
	rx_one(d, 1300, 4, "rx: call on the new eventfd");
	set_vring_fd(d, VHOST_SET_VRING_CALL, VA_RX, orig_call);
	rx->call = orig_call;
	close(nfd);

	/* kick: a new eventfd wakes the device */
	nfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = set_vring_fd(d, VHOST_SET_VRING_KICK, VA_TX, nfd);
	check_errno(rc, -rc, 0, "VHOST_SET_VRING_KICK to a new eventfd while running");
	tx->kick = nfd;
	tx->always_kick = true;
	tx_one(d, 1400, L_SINGLE, 5, "tx: kicked through the new eventfd");
	rc = set_vring_fd(d, VHOST_SET_VRING_KICK, VA_TX, orig_kick);
	tx->kick = orig_kick;
	tx->always_kick = false;
	close(nfd);
	tx_one(d, 1500, L_SINGLE, 6, "tx: kicked through the first eventfd again");
}

/* ---- memory table replaced while running ---- */

static void live_memtable(struct va_dev *d)
{
	struct va_region *c = &va_mem.reg[2];
	unsigned char *old_hva = c->hva, *nhva;
	struct vhost_memory *mt;
	unsigned int i;
	char what[96];
	int rc;

	/* RX buffers in region C only, posted before the switch */
	rx_post(d, 24, 4096, L_HIGH);
	rx_one(d, 700, 10, "rx into region C before the switch");

	nhva = mmap(NULL, c->size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nhva == MAP_FAILED) {
		bail("mmap: %s", strerror(errno));
		return;
	}
	madvise(nhva, c->size, MADV_DONTFORK);
	memcpy(nhva, old_hva, c->size);
	c->hva = nhva;
	mt = mem_table(&va_mem);
	rc = mt ? ioctl(d->fd, VHOST_SET_MEM_TABLE, mt) : -1;
	check_errno(rc, errno, 0,
		    "VHOST_SET_MEM_TABLE moving region C to new memory while running");
	free(mt);
	/* whatever still uses the old translation reads garbage */
	memset(old_hva, 0x55, c->size);
	for (i = 0; i < 3; i++) {
		snprintf(what, sizeof(what),
			 "tx from region C after the switch (%u)", i + 1);
		tx_one(d, 1514 + 1000 * i, L_HIGH, 20 + i, what);
		snprintf(what, sizeof(what),
			 "rx into region C after the switch (%u)", i + 1);
		rx_one(d, 1514 + 2000 * i, 30 + i, what);
	}
	for (i = 0; i < c->size && old_hva[i] == 0x55; i++)
		;
	check(i == c->size, "old region C memory untouched after the switch");

	/* region C gone: a buffer there is an error, not a crash */
	{
		struct va_vq *tx = &d->vq[VA_TX];
		struct vhost_memory *two;
		struct pollfd p = { .fd = tx->err, .events = POLLIN };
		struct va_mark mk;
		__u16 old;

		two = mem_table(&va_mem);
		two->nregions = 2;
		rc = ioctl(d->fd, VHOST_SET_MEM_TABLE, two);
		check_errno(rc, errno, 0, "VHOST_SET_MEM_TABLE without region C while running");
		free(two);
		vq_drain_err(tx);
		mem_save(&va_mem, &mk);
		make_frame(frame, 1514, 40);
		old = tx->avail_idx;
		tx_post(d, frame, 1514, L_HIGH, NULL);
		vq_kick(tx, old);
		check(poll(&p, 1, 2000 * va_time_scale) == 1 && vq_drain_err(tx),
		      "tx from a region no longer in the table: error eventfd signalled");
		check(tap_capture(&d->tap, NULL, frame, sizeof(frame), 200) ==
		      -ETIMEDOUT, "tx from a region no longer in the table: nothing sent");
		/* the buffer may be used (dropped) or not: the ring is done */
		d->broken = true;
	}
	dev_close(d);
	c->hva = old_hva;
	munmap(nhva, c->size);
}

/* ---- dirty log switched on and off while running, as QEMU migrates ---- */

static int set_addr_log(struct va_dev *d, int i, bool log)
{
	struct vhost_vring_addr a = vq_ring_addr(d, i, log);

	return ioctl(d->fd, VHOST_SET_VRING_ADDR, &a) ? -errno : 0;
}

static unsigned long bits_set(const unsigned char *log, size_t n)
{
	unsigned long c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += __builtin_popcount(log[i]);
	return c;
}

static bool page_marked(const unsigned char *log, __u64 gpa)
{
	__u64 pg = gpa / VA_PAGE;

	return log[pg / 8] >> (pg % 8) & 1;
}

static void live_log(struct va_dev *d)
{
	size_t size = ALIGN_UP(((VA_GPA_C + VA_SIZE_C) / VA_PAGE + 7) / 8,
			       VA_PAGE);
	struct va_vq *rx = &d->vq[VA_RX], *tx = &d->vq[VA_TX];
	__u64 base, f;
	unsigned char *log;
	int rc, i, efd;
	struct res r;
	size_t len;

	rx_post(d, 64, 2048, L_SINGLE);
	tx_one(d, 1514, L_SINGLE, 50, "tx before logging");
	rx_one(d, 1514, 51, "rx before logging");

	log = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (log == MAP_FAILED)
		return;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	/* QEMU's order: log base, features with LOG_ALL, rings with F_LOG */
	base = (__u64)(unsigned long)log;
	rc = ioctl(d->fd, VHOST_SET_LOG_BASE, &base);
	check_errno(rc, errno, 0, "VHOST_SET_LOG_BASE while running");
	rc = ioctl(d->fd, VHOST_SET_LOG_FD, &efd);
	check_errno(rc, errno, 0, "VHOST_SET_LOG_FD while running");
	f = d->features | 1ULL << VHOST_F_LOG_ALL;
	rc = ioctl(d->fd, VHOST_SET_FEATURES, &f);
	check_errno(rc, errno, 0, "VHOST_SET_FEATURES + LOG_ALL while running");
	for (i = 0; i < 2; i++) {
		rc = set_addr_log(d, i, true);
		check_errno(rc, -rc, 0, "VHOST_SET_VRING_ADDR + F_LOG on %s while running",
			    i ? "TX" : "RX");
	}
	memset(log, 0, size);

	/* a 5000 byte frame into 2048 byte buffers: 3 buffers */
	res_init(&r);
	make_frame(frame, 5000, 52);
	tap_inject(&d->tap, NULL, frame, 5000);
	{
		__u16 first = rx->last_used;
		unsigned int k, bad = 0, n;

		/* keep the descriptors as they are until they are looked at */
		d->rx_hold = true;
		rx_recv(d, frame, 5000, NULL, &r);
		d->rx_hold = false;
		n = (__u16)(rx->last_used - first);
		for (k = 0; k < n; k++) {
			struct vring_used_elem *e =
				&rx->used->ring[(__u16)(first + k) % rx->num];
			__u64 a = rx->desc[e->id % rx->num].addr, p;

			for (p = a & ~(VA_PAGE - 1); p < a + e->len; p += VA_PAGE)
				bad += !page_marked(log, p);
		}
		if (!n)
			res_fail(&r, "nothing received");
		else if (bad)
			res_fail(&r, "%u pages written but not marked", bad);
		else if (!page_marked(log, rx->used_gpa))
			res_fail(&r, "RX used ring not marked");
	}
	res_report(&r, "rx after logging was switched on: written pages marked");
	rx_post(d, 8, 2048, L_SINGLE);
	tx_one(d, 1514, L_SINGLE, 53, "tx after logging was switched on");
	check(page_marked(log, tx->used_gpa), "TX used ring marked");
	check(efd_read(efd) > 0, "log eventfd signalled");

	/* migration over (or cancelled): logging off, nothing marked any more */
	f = d->features;
	rc = ioctl(d->fd, VHOST_SET_FEATURES, &f);
	check_errno(rc, errno, 0, "VHOST_SET_FEATURES without LOG_ALL while running");
	for (i = 0; i < 2; i++) {
		rc = set_addr_log(d, i, false);
		check_errno(rc, -rc, 0, "VHOST_SET_VRING_ADDR without F_LOG on %s",
			    i ? "TX" : "RX");
	}
	memset(log, 0, size);
	rx_one(d, 5000, 54, "rx after logging was switched off");
	tx_one(d, 1514, L_SINGLE, 55, "tx after logging was switched off");
	len = bits_set(log, size);
	check(!len, "nothing marked once logging is off (%zu pages)", len);
	dev_no_errors(d, "no error notifications");
	/* the device may keep the log base: let it go first */
	dev_close(d);
	munmap(log, size);
	close(efd);
}

void t_live(void)
{
	struct va_cfg cfg = live_cfg;
	struct va_dev d;

	set_prefix("live%s eventfds:", cfg_name(&cfg));
	if (!dev_open(&d, va_dev_path) && !dev_setup(&d, &cfg)) {
		rx_post(&d, 32, 2048, L_SINGLE);
		live_eventfds(&d);
		dev_no_errors(&d, "no error notifications");
	}
	dev_close(&d);
	mem_reset(&va_mem);

	set_prefix("live%s memtable:", cfg_name(&cfg));
	if (!dev_open(&d, va_dev_path) && !dev_setup(&d, &cfg))
		live_memtable(&d);
	dev_close(&d);
	mem_reset(&va_mem);

	set_prefix("live%s log:", cfg_name(&cfg));
	if (!dev_open(&d, va_dev_path) && !dev_setup(&d, &cfg))
		live_log(&d);
	dev_close(&d);
	mem_reset(&va_mem);
}

/* ---- multiqueue: one tap, two queues, one device each ---- */

void t_mq(void)
{
	struct va_cfg cfg = live_cfg;
	struct va_dev d[2];
	struct va_tap t;
	unsigned char frames[16][1200];
	size_t flen[16];
	unsigned int got[16][2], i, k, n = 0, per[2] = { 0, 0 };
	long long end;
	int q1;

	set_prefix("multiqueue%s:", cfg_name(&cfg));
	d[0].fd = d[1].fd = -1;
	if (tap_open(&t, false, cfg_hdr_len(&cfg), false, true))
		return;
	q1 = tap_add_queue(&t);
	if (!check(q1 >= 0, "second queue of %s (IFF_MULTI_QUEUE)", t.name)) {
		tap_close(&t);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (dev_open(&d[i], va_dev_path))
			goto out;
		d[i].tap = t;
		if (i)
			d[i].tap.fd = q1;
		if (dev_setup(&d[i], &cfg))
			goto out;
		rx_post(&d[i], 64, 2048, L_NLAYOUTS);
	}
	for (i = 0; i < 8; i++) {
		char what[64];

		snprintf(what, sizeof(what), "tx %u through queue %u", i + 1,
			 i & 1);
		tx_one(&d[i & 1], 100 + 200 * i, i % L_NLAYOUTS, i, what);
	}

	/* 16 UDP flows: each frame must arrive once, on either queue */
	memset(got, 0, sizeof(got));
	for (i = 0; i < 16; i++) {
		flen[i] = make_ipv4(frames[i], 1000, 17, 100 + i);
		frames[i][34] = 0x90 + i;	/* source port: another flow */
		tap_inject(&t, NULL, frames[i], flen[i]);
	}
	end = now_ms() + va_timeout_ms;
	while (n < 16 && now_ms() < end) {
		bool any = false;

		for (k = 0; k < 2; k++) {
			struct res r;
			const unsigned char *f;
			size_t len;

			if (!vq_pending_used(&d[k].vq[VA_RX]))
				continue;
			any = true;
			res_init(&r);
			rx_recv(&d[k], NULL, 0, NULL, &r);
			f = rx_last_frame(&len);
			if (!r.ok || !f) {
				res_report(&r, "rx on queue %u", k);
				continue;
			}
			for (i = 0; i < 16; i++) {
				if (len == flen[i] &&
				    !memcmp(f, frames[i], len)) {
					got[i][k]++;
					per[k]++;
					n++;
					break;
				}
			}
			if (i == 16)
				check(false, "rx on queue %u: a frame nobody sent (%zu bytes)",
				      k, len);
		}
		if (!any)
			usleep(5000);
	}
	for (i = 0, k = 0; i < 16; i++)
		k += got[i][0] + got[i][1] == 1;
	check_eq(16, k, "16 flows sent into the tap: each frame arrived once");
	diag("queue 0 got %u frames, queue 1 got %u", per[0], per[1]);
	for (i = 0; i < 2; i++)
		dev_no_errors(&d[i], i ? "queue 1: no error notifications" :
			      "queue 0: no error notifications");
out:
	/* the sockets belong to queue 0's copy */
	if (d[1].fd >= 0) {
		d[1].tap.cap = d[1].tap.inj = -1;
		dev_close(&d[1]);
	} else {
		close(q1);
	}
	if (d[0].fd >= 0)
		dev_close(&d[0]);
	else
		tap_close(&t);
	mem_reset(&va_mem);
}

/* ---- both directions at once, for a while ---- */

#define ST_FRAMES	3000
#define ST_TX_WINDOW	128
#define ST_RX_WINDOW	32
#define ST_SLOT		9216

static size_t st_len(unsigned int seq, unsigned int mul)
{
	return 60 + (seq * mul) % 8940;
}

/* Ioctls that change nothing, racing with the worker */
static void churn(struct va_dev *d, unsigned int n)
{
	struct vhost_memory *mt;
	struct vhost_vring_state s;
	__u64 f = d->features;

	switch (n % 4) {
	case 0:
		mt = mem_table(&va_mem);
		if (mt && ioctl(d->fd, VHOST_SET_MEM_TABLE, mt))
			diag("%s: VHOST_SET_MEM_TABLE: %s", __func__,
			     strerror(errno));
		free(mt);
		break;
	case 1:
		set_vring_fd(d, VHOST_SET_VRING_CALL, n & 1 ? VA_TX : VA_RX,
			     d->vq[n & 1 ? VA_TX : VA_RX].call);
		break;
	case 2:
		if (ioctl(d->fd, VHOST_SET_FEATURES, &f))
			diag("%s: VHOST_SET_FEATURES: %s", __func__,
			     strerror(errno));
		break;
	default:
		s.index = (n / 4) & 1;
		ioctl(d->fd, VHOST_GET_VRING_BASE, &s);
		break;
	}
}

static void stress_pass(bool churning)
{
	static unsigned char cap[VA_MAX_FRAME], want[9100];
	struct va_cfg cfg = live_cfg;
	unsigned int tx_posted = 0, tx_done = 0, tx_seen = 0;
	unsigned int rx_sent = 0, rx_got = 0;
	struct va_vq *tx, *rx;
	struct res rt, rr;
	struct va_dev d;
	long long t0, last;
	unsigned int turns = 0;
	__u64 slots;

	set_prefix("stress%s%s:", cfg_name(&cfg),
		   churning ? " with ioctl churn" : "");
	res_init(&rt);
	res_init(&rr);
	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	tx = &d.vq[VA_TX];
	rx = &d.vq[VA_RX];
	slots = gpa_alloc(&va_mem, 256ULL * ST_SLOT, VA_PAGE);
	rx_post(&d, 128, 2048, L_NLAYOUTS);
	t0 = last = now_ms();
	while ((tx_seen < ST_FRAMES || rx_got < ST_FRAMES) &&
	       now_ms() - last < va_timeout_ms && rt.ok && rr.ok) {
		struct pollfd p[3] = {
			{ .fd = tx->call, .events = POLLIN },
			{ .fd = rx->call, .events = POLLIN },
			{ .fd = d.tap.cap, .events = POLLIN },
		};
		__u16 old = tx->avail_idx;
		bool posted = false;

		/* TX: keep the ring busy */
		while (tx_posted < ST_FRAMES &&
		       tx_posted - tx_done < ST_TX_WINDOW) {
			size_t len = st_len(tx_posted, 7919);
			__u64 g = slots + (tx_posted % 256) * ST_SLOT;
			struct va_seg seg[2];
			int nseg = 1, head;

			memset(want, 0, d.hdr_len);
			make_frame(want + d.hdr_len, len, tx_posted);
			gcopy_to(&va_mem, g, want, d.hdr_len + len);
			seg[0].gpa = g;
			seg[0].len = d.hdr_len + len;
			if (tx_posted & 1) {
				seg[0].len = d.hdr_len;
				seg[1].gpa = g + d.hdr_len;
				seg[1].len = len;
				nseg = 2;
			}
			head = vq_add(tx, seg, nseg, false, tx_posted % 5 == 0,
				      NULL);
			if (head < 0)
				break;
			vq_publish(tx, head);
			tx_posted++;
			posted = true;
		}
		if (posted)
			vq_kick(tx, old);
		/* RX: a window of frames in flight */
		while (rx_sent < ST_FRAMES && rx_sent - rx_got < ST_RX_WINDOW) {
			make_frame(want, st_len(rx_sent, 104729), 0x10000 + rx_sent);
			if (tap_inject(&d.tap, NULL, want,
				       st_len(rx_sent, 104729)))
				break;
			rx_sent++;
		}
		poll(p, 3, 10);
		if (churning)
			churn(&d, turns++);
		vq_drain_call(tx);
		vq_drain_call(rx);
		while (vq_pending_used(tx)) {
			struct va_chain *c;
			__u32 len, id;

			if (vq_get_used(tx, &c, &len, &id)) {
				res_fail(&rt, "used id %u is not outstanding", id);
				break;
			}
			free(c);
			if (len)
				res_fail(&rt, "used len %u", len);
			tx_done++;
			last = now_ms();
		}
		for (;;) {
			size_t len = st_len(tx_seen, 7919);
			int n = tap_capture(&d.tap, NULL, cap, sizeof(cap), 0);

			if (n < 0)
				break;
			make_frame(want, len, tx_seen);
			if ((size_t)n != len || memcmp(cap, want, len)) {
				res_fail(&rt, "frame %u: %d bytes, want %zu, or other bytes",
					 tx_seen, n, len);
				break;
			}
			tx_seen++;
			last = now_ms();
		}
		while (vq_pending_used(rx) && rr.ok) {
			size_t len = st_len(rx_got, 104729);

			make_frame(want, len, 0x10000 + rx_got);
			rx_recv(&d, want, len, NULL, &rr);
			if (rr.ok)
				rx_got++;
			last = now_ms();
		}
	}
	if (rt.ok && tx_seen < ST_FRAMES)
		res_fail(&rt, "%u of %u sent, %u used, then nothing for %d ms",
			 tx_seen, ST_FRAMES, tx_done, va_timeout_ms);
	if (rr.ok && rx_got < ST_FRAMES)
		res_fail(&rr, "%u of %u received, then nothing for %d ms",
			 rx_got, ST_FRAMES, va_timeout_ms);
	diag("%u TX and %u RX frames in %lld ms%s", tx_seen, rx_got,
	     now_ms() - t0, churning ? " with ioctls in between" : "");
	res_report(&rt, "%u TX frames intact and in order, RX running", ST_FRAMES);
	res_report(&rr, "%u RX frames intact and in order, TX running", ST_FRAMES);
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_stress(void)
{
	stress_pass(false);
	stress_pass(true);
}

/* ---- the owner process exits ---- */

static int child_owner(int fd, int wpipe)
{
	struct va_cfg cfg = live_cfg;
	struct va_dev d;
	bool ok;

	/* guest memory is MADV_DONTFORK: the child maps its own */
	if (mem_init(&va_mem))
		return 2;
	memset(&d, 0, sizeof(d));
	d.fd = fd;
	d.path = va_dev_path;
	d.tap.fd = d.tap.cap = d.tap.inj = -1;
	d.vq[0].kick = d.vq[0].call = d.vq[0].err = -1;
	d.vq[1].kick = d.vq[1].call = d.vq[1].err = -1;
	d.log_efd = -1;
	set_prefix("lifecycle: child owner:");
	if (dev_setup(&d, &cfg))
		return 1;
	rx_post(&d, 64, 2048, L_SINGLE);
	ok = tx_one(&d, 1514, L_SINGLE, 1, "tx");
	ok &= rx_one(&d, 1514, 2, "rx");
	/* buffers the device still holds when the owner goes */
	rx_post(&d, 16, 2048, L_SINGLE);
	if (write(wpipe, d.tap.name, IFNAMSIZ) != IFNAMSIZ)
		return 2;
	return ok ? 0 : 1;
}

void t_lifecycle(void)
{
	struct va_cfg cfg = live_cfg;
	char name[IFNAMSIZ] = "";
	struct va_tap t;
	struct va_dev d;
	int fd, p[2], status, rc, i;
	long long t0;
	pid_t pid;

	fd = open(va_dev_path, O_RDWR | O_CLOEXEC);
	if (!check(fd >= 0, "open %s", va_dev_path) || pipe(p))
		return;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		bail("fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		close(p[0]);
		_exit(child_owner(fd, p[1]));
	}
	close(p[1]);
	if (read(p[0], name, IFNAMSIZ) != IFNAMSIZ)
		name[0] = 0;
	name[IFNAMSIZ - 1] = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "a child process owned the device, its traffic worked, it exited");

	/* the owner is gone; frames still arrive at its tap */
	if (name[0] && !tap_attach(&t, name)) {
		diag("the dead owner's tap %s is still there (the device holds it)",
		     name);
		for (i = 0; i < 8; i++) {
			make_frame(frame, 100 + 500 * i, 100 + i);
			tap_inject(&t, NULL, frame, 100 + 500 * i);
		}
		usleep(200000);
		tap_close(&t);
	}
	rc = ioctl(fd, VHOST_SET_OWNER);
	diag("VHOST_SET_OWNER after the owner exited: %s (information only)",
	     rc ? errname(errno) : "accepted");
	t0 = now_ms();
	close(fd);
	check(now_ms() - t0 < 5000, "close after the owner exited returns (%lld ms)",
	      now_ms() - t0);
	for (i = 0; i < 100 && name[0] && if_nametoindex(name); i++)
		usleep(20000);
	check(!name[0] || !if_nametoindex(name),
	      "the dead owner's tap is released with the device");

	set_prefix("lifecycle%s:", cfg_name(&cfg));
	if (!dev_open(&d, va_dev_path) && !dev_setup(&d, &cfg)) {
		rx_post(&d, 32, 2048, L_SINGLE);
		tx_one(&d, 1514, L_SINGLE, 3, "tx on a new device afterwards");
		rx_one(&d, 1514, 4, "rx on a new device afterwards");
		/* close with buffers posted and frames queued in the tap */
		make_frame(frame, 1000, 5);
		tap_inject(&d.tap, NULL, frame, 1000);
		rx_post(&d, 8, 2048, L_SINGLE);
	}
	t0 = now_ms();
	dev_close(&d);
	check(now_ms() - t0 < 5000, "close with traffic in flight returns (%lld ms)",
	      now_ms() - t0);
	mem_reset(&va_mem);
}
