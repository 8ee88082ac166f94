// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: allocation failures injected by the kernel's fault injection
 * (CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC with their debugfs controls,
 * which the debug kernel of make check-debug has and Debian's does not).
 *
 * During setup: for n = 1, 2, ... the n-th allocation the kernel makes for
 * this thread fails (/proc/thread-self/fail-nth) while a device is opened
 * and set up as QEMU does it. Whichever step that hits must fail with
 * ENOMEM and nothing else, and once the device is closed nothing of it may
 * be left (worker thread, module reference). The loop ends at the first n
 * that a whole setup does not reach; that device must then carry traffic.
 *
 * During traffic: the worker thread's slab and page allocations fail at
 * random (1 in 10) for a while as frames flow both ways. Frames may be
 * lost, the queues may not: once the injection stops, traffic flows again,
 * and nothing is left after the close.
 *
 * Leaks are kmemleak's to find: guest-init scans after the cases.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vadriver.h"
#include "pump.h"
#include "released.h"

#define FI_DEBUGFS	"/sys/kernel/debug"
/* More allocations than a setup makes: a runaway loop is a failure. */
#define FI_MAX_NTH	400
#define FI_TRAFFIC_MS	3000

static const struct va_cfg fi_cfg = {
	.vhost_hdr = true, .mrg = true, .event_idx = true, .v1 = true,
	.indirect = true, .num = 256,
};

static bool write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val);
}

/*
 * Set up one fault type (failslab, fail_page_alloc) so that it may fail
 * any allocation, sleeping ones and single pages included, quietly (the
 * harness fails a run on stack dumps); @prob percent of those of tasks
 * marked make-it-fail, or none with 0.
 */
static bool fi_config(const char *type, int prob)
{
	static const char *const common[][2] = {
		{ "verbose", "0" }, { "interval", "1" }, { "times", "-1" },
		{ "space", "0" }, { "task-filter", "Y" },
		{ "ignore-gfp-wait", "N" },
	};
	char path[128], val[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(common); i++) {
		snprintf(path, sizeof(path), FI_DEBUGFS "/%s/%s", type,
			 common[i][0]);
		if (!write_str(path, common[i][1]))
			return false;
	}
	if (!strcmp(type, "fail_page_alloc")) {
		if (!write_str(FI_DEBUGFS "/fail_page_alloc/min-order", "0") ||
		    !write_str(FI_DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N"))
			return false;
	}
	snprintf(path, sizeof(path), FI_DEBUGFS "/%s/probability", type);
	snprintf(val, sizeof(val), "%d", prob);
	return write_str(path, val);
}

static bool fi_available(void)
{
	return !access(FI_DEBUGFS "/failslab/probability", W_OK) &&
	       !access(FI_DEBUGFS "/fail_page_alloc/probability", W_OK) &&
	       !access("/proc/thread-self/fail-nth", W_OK);
}

/*
 * One setup as QEMU does it, on a tap and rings made beforehand, with the
 * n-th allocation failing. Returns 0 when every step succeeded, else the
 * errno of the step that failed, naming it in @step.
 */
static int fi_setup(struct va_dev *d, struct vhost_memory *mt,
		    const char **step)
{
	__u64 features = (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) |
			 (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			 (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			 (1ULL << VIRTIO_F_VERSION_1) |
			 (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	int i, err = 0;

#define FI_STEP(name, expr) do {					\
		if ((expr) < 0) {					\
			err = errno;					\
			*step = (name);					\
			goto out;					\
		}							\
	} while (0)

	*step = "";
	d->fd = open(va_dev_path, O_RDWR | O_CLOEXEC);
	FI_STEP("open", d->fd);
	FI_STEP("VHOST_SET_OWNER", ioctl(d->fd, VHOST_SET_OWNER));
	FI_STEP("VHOST_SET_FEATURES", ioctl(d->fd, VHOST_SET_FEATURES, &features));
	FI_STEP("VHOST_SET_MEM_TABLE", ioctl(d->fd, VHOST_SET_MEM_TABLE, mt));
	for (i = 0; i < 2; i++) {
		struct va_vq *vq = &d->vq[i];
		struct vhost_vring_state s = { .index = i, .num = vq->num };
		struct vhost_vring_addr a = vq_ring_addr(d, i, false);
		struct vhost_vring_file f = { .index = i, .fd = vq->kick };

		FI_STEP("VHOST_SET_VRING_NUM", ioctl(d->fd, VHOST_SET_VRING_NUM, &s));
		s.num = vq->avail_idx;
		FI_STEP("VHOST_SET_VRING_BASE", ioctl(d->fd, VHOST_SET_VRING_BASE, &s));
		FI_STEP("VHOST_SET_VRING_ADDR", ioctl(d->fd, VHOST_SET_VRING_ADDR, &a));
		FI_STEP("VHOST_SET_VRING_KICK", ioctl(d->fd, VHOST_SET_VRING_KICK, &f));
		f.fd = vq->call;
		FI_STEP("VHOST_SET_VRING_CALL", ioctl(d->fd, VHOST_SET_VRING_CALL, &f));
		f.fd = vq->err;
		FI_STEP("VHOST_SET_VRING_ERR", ioctl(d->fd, VHOST_SET_VRING_ERR, &f));
	}
	for (i = 0; i < 2; i++) {
		struct vhost_vring_file f = { .index = i, .fd = d->tap.fd };

		FI_STEP("VHOST_NET_SET_BACKEND", ioctl(d->fd, VHOST_NET_SET_BACKEND, &f));
	}
#undef FI_STEP
out:
	return err;
}

/*
 * This thread's fail-nth, opened before any failure is armed: opening it
 * later would itself allocate, and count.
 */
static int fi_nth_fd = -1;

static bool fi_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fi_nth_fd, buf, len, 0) == len;
}

/* What is left of the count: 0 once the n-th allocation has failed. */
static long fi_nth_left(void)
{
	char buf[32] = "";

	if (pread(fi_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Allocation failures during setup, one allocation at a time. */
static void fi_setup_nth(int refs0)
{
	unsigned int n, tried = 0, hits = 0, absorbed = 0, other = 0;
	bool reference = !strstr(va_dev_path, "vhost-accel");
	unsigned int ref_efault = 0;
	const char *other_step = "";
	int other_err = 0;
	bool reached = true;

	fi_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fi_nth_fd < 0) {
		bail("open /proc/thread-self/fail-nth: %s", strerror(errno));
		return;
	}
	for (n = 1; n <= FI_MAX_NTH && reached; n++) {
		struct vhost_memory *mt = mem_table(&va_mem);
		struct va_dev d;
		struct va_mark mk;
		const char *step;
		long left;
		int err, i;

		memset(&d, 0, sizeof(d));
		d.fd = -1;
		d.cfg = fi_cfg;
		d.hdr_len = cfg_hdr_len(&fi_cfg);
		mem_save(&va_mem, &mk);
		/* The table, the tap and the rings are the test's, made before. */
		if (!mt || tap_open(&d.tap, false, 0, false, false)) {
			bail("memory table or tap: %s", strerror(errno));
			free(mt);
			break;
		}
		for (i = 0; i < 2; i++)
			if (vq_init(&d, &d.vq[i], i, fi_cfg.num, 0)) {
				bail("vq_init: %s", strerror(errno));
				reached = false;
				goto next;
			}

		if (!fi_nth_set(n)) {
			bail("write /proc/thread-self/fail-nth: %s", strerror(errno));
			reached = false;
			goto next;
		}
		err = fi_setup(&d, mt, &step);
		left = fi_nth_left();
		fi_nth_set(0);
		tried++;
		reached = left == 0;
		if (err == ENOMEM) {
			hits++;
		} else if (err == EFAULT && reference &&
			   !strcmp(step, "VHOST_SET_MEM_TABLE")) {
			/*
			 * vhost-net's vhost_set_memory() answers any failure
			 * of its interval tree, allocation included, with
			 * EFAULT: the reference's known answer, not ours.
			 */
			hits++;
			ref_efault++;
		} else if (err) {
			if (!other++) {
				other_step = step;
				other_err = err;
			}
			diag("allocation %u failed: %s gave %s, not ENOMEM", n,
			     step, errname(err));
		} else if (reached) {
			/* The device fell back on something else. */
			absorbed++;
		}
		if (d.fd >= 0)
			close(d.fd);
		d.fd = -1;
		check_released(getpid(), refs0, NULL);
next:
		free(mt);
		dev_close(&d);
		mem_restore(&va_mem, &mk);
	}
	close(fi_nth_fd);
	fi_nth_fd = -1;
	diag("setups with the n-th allocation failing, n = 1..%u: %u failed with ENOMEM, %u succeeded all the same",
	     tried, hits - ref_efault, absorbed);
	if (ref_efault)
		diag("the reference answered %u of them with EFAULT from VHOST_SET_MEM_TABLE (vhost_set_memory's answer to any failure)",
		     ref_efault);
	check(!reached, "a setup that no injected failure reaches ends the loop (within %d)",
	      FI_MAX_NTH);
	check(hits > 0, "injected failures reached the device (%u setups failed)",
	      hits);
	check(!other, "every failed step failed with ENOMEM (%u did not; first: %s, %s)",
	      other, other_step, errname(other_err));
	next_device_works();
}

/* Allocation failures of the worker while traffic flows. */
static void fi_traffic(int refs0)
{
	struct va_cfg cfg = fi_cfg;
	struct va_dev d;
	struct pump pu;
	char path[64];
	unsigned int tx0, rx0;
	pid_t tid;

	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	pump_init(&pu, &d, NULL);
	if (!pump_progress(&pu, 50, 50, "before the injection"))
		goto out;
	tid = worker_tid(getpid());
	if (!check(tid > 0, "the device's worker thread found (%d)", tid))
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", tid);
	if (!check(write_str(path, "1") && fi_config("failslab", 10) &&
		   fi_config("fail_page_alloc", 10),
		   "1 in 10 of the worker's allocations fail (%s)", path))
		goto stop;
	tx0 = pu.tx_used;
	rx0 = pu.rx_used;
	pump_for(&pu, FI_TRAFFIC_MS * va_time_scale);
	diag("while the worker's allocations failed: %u frames out, %u in",
	     pu.tx_used - tx0, pu.rx_used - rx0);
stop:
	fi_config("failslab", 0);
	fi_config("fail_page_alloc", 0);
	write_str(path, "0");
	vq_force_kick(&d.vq[VA_TX]);
	vq_force_kick(&d.vq[VA_RX]);
	pump_progress(&pu, 100, 100, "after the injection stops");
	check(!pu.bad_ids, "no bad used ids (%u)", pu.bad_ids);
out:
	dev_close(&d);
	check_released(getpid(), refs0, NULL);
}

void t_failslab(void)
{
	int refs0 = mod_refs();

	if (!check(fi_available(),
		   "fault injection available (%s/failslab, %s/fail_page_alloc, fail-nth): the debug kernel of make check-debug has it",
		   FI_DEBUGFS, FI_DEBUGFS))
		return;
	fi_config("failslab", 0);
	fi_config("fail_page_alloc", 0);

	set_prefix("failslab: setup:");
	fi_setup_nth(refs0);
	mem_reset(&va_mem);

	set_prefix("failslab: traffic:");
	fi_traffic(refs0);
	mem_reset(&va_mem);
	next_device_works();
}
