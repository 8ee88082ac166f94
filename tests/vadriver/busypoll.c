// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: busy polling (VHOST_SET_VRING_BUSYLOOP_TIMEOUT, QEMU's poll-us).
 * Frames still go both ways intact with polling on; a queue spinning for
 * its own work gives way at once to the other queue's kick; and, on
 * vhost-accel, a timeout above its maximum is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vadriver.h"
#include "traffic.h"
#include "released.h"

/* vhost-accel's maximum (VA_VQ_BUSYLOOP_MAX_US in drivers/vhost/dev.h) */
#define BUSYLOOP_MAX_US	1000000
#define SPIN_TRIES	10

static int set_busyloop(struct va_dev *d, int index, unsigned int us)
{
	struct vhost_vring_state s = { .index = index, .num = us };

	return ioctl(d->fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s) ? -errno : 0;
}

/* utime + stime of thread @tid, in clock ticks; -1 if unreadable */
static long thread_ticks(pid_t tid)
{
	unsigned long ut, st;
	char path[64], buf[1024], *p;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* the name may hold spaces: fields count from after its ')' */
	p = p ? strrchr(buf, ')') : NULL;
	if (!p)
		return -1;
	n = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st);
	return n == 2 ? (long)(ut + st) : -1;
}

static bool pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(tid, sizeof(set), &set);
}

/*
 * The RX queue spins (the tap is empty) for up to the longest timeout
 * vhost-accel takes, a second; a TX frame posted meanwhile must be sent at
 * once (in 1-3 ms here; 100 ms allowed), not when the spin ends. The worker
 * runs on a CPU of its own so that nothing else on its CPU cuts the spin
 * short, which would hide a spin that ignores the TX kick.
 */
static void spin_gives_way(struct va_dev *d)
{
	unsigned int spin_ms = BUSYLOOP_MAX_US / 1000, bound = 100;
	long hz = sysconf(_SC_CLK_TCK), t0, t1;
	cpu_set_t saved;
	long long start, took = 0;
	unsigned int try;
	pid_t tid;
	bool ok = false;
	int r;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		check(false, "RX spin gives way to a TX kick: needs 2 CPUs, the VM has 1 (VA_SMP=2)");
		return;
	}
	tid = worker_tid(getpid());
	if (!check(tid > 0, "the device's worker thread is found"))
		return;
	sched_getaffinity(0, sizeof(saved), &saved);
	if (!check(pin(0, 0) && pin(tid, 1),
		   "pin this process to CPU 0, the worker (TID %d) to CPU 1",
		   tid))
		goto out;
	r = set_busyloop(d, VA_RX, spin_ms * 1000);
	if (!check_errno(r, -r, 0, "RX busyloop timeout %u ms", spin_ms))
		goto out;
	/*
	 * RX has buffers and the tap has nothing: the kick starts a spin. Any
	 * task woken on the worker's CPU ends it early (that is by design),
	 * so a try whose spin did not last is not a result: try again. Nothing
	 * is printed from the kick to the TX frame: the harness's pipe would
	 * wake on the worker's CPU and end the spin.
	 */
	for (try = 1; try <= SPIN_TRIES; try++) {
		fflush(stdout);
		usleep(200 * 1000);
		t0 = thread_ticks(tid);
		vq_force_kick(&d->vq[VA_RX]);
		usleep(300 * 1000);
		t1 = thread_ticks(tid);
		if (t0 >= 0 && t1 - t0 >= hz / 5)
			break;
		/* let the spin time out before the next try */
		usleep(spin_ms * 1000);
	}
	if (try <= SPIN_TRIES) {
		start = now_ms();
		ok = tx_one(d, 200, L_SINGLE, 7, "TX frame during the RX spin");
		took = now_ms() - start;
	}
	if (!check(try <= SPIN_TRIES,
		   "the RX kick starts a spin: the worker used %ld ms of CPU in the 300 ms after it (try %u of %u)",
		   (t1 - t0) * 1000 / hz, MIN(try, SPIN_TRIES), SPIN_TRIES))
		goto out_timeout;
	check(ok && took < bound,
	      "the TX frame is sent in %lld ms, within %u ms of a %u ms RX spin",
	      took, bound, spin_ms);
	/* Still spinning, or asleep: a frame now is received either way. */
	rx_one(d, 300, 8, "RX frame after the TX frame");
out_timeout:
	set_busyloop(d, VA_RX, 0);
out:
	sched_setaffinity(0, sizeof(saved), &saved);
}

void t_busypoll(void)
{
	struct va_cfg cfg = {
		.vhost_hdr = true, .mrg = true, .event_idx = true, .v1 = true,
		.indirect = true, .num = 256,
	};
	bool accel = strstr(va_dev_path, "vhost-accel");
	struct va_dev d;
	char what[64];
	unsigned int i;
	int r;

	set_prefix("busypoll:");
	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;

	r = set_busyloop(&d, VA_TX, BUSYLOOP_MAX_US + 1);
	if (accel)
		check_errno(r, -r, EINVAL,
			    "busyloop timeout %u us, above the maximum (vhost-accel only: vhost-net takes it)",
			    BUSYLOOP_MAX_US + 1);
	else
		diag("busyloop timeout %u us: %s on vhost-net (vhost-accel refuses it)",
		     BUSYLOOP_MAX_US + 1, r ? errname(-r) : "taken");
	r = set_busyloop(&d, VA_TX, BUSYLOOP_MAX_US);
	check_errno(r, -r, 0, "busyloop timeout %u us, the maximum",
		    BUSYLOOP_MAX_US);

	/* QEMU's usual poll-us on both queues: traffic as without it */
	r = set_busyloop(&d, VA_TX, 50);
	if (!r)
		r = set_busyloop(&d, VA_RX, 50);
	check_errno(r, -r, 0, "busyloop timeout 50 us on both queues");
	rx_post(&d, cfg.num, 2048, L_SINGLE);
	for (i = 0; i < 40 && !d.broken; i++) {
		snprintf(what, sizeof(what), "polling: tx %u", i + 1);
		tx_one(&d, 60 + 37 * i, i % 2 ? L_HDRSPLIT : L_SINGLE, i, what);
		snprintf(what, sizeof(what), "polling: rx %u", i + 1);
		rx_one(&d, 60 + 53 * i, 100 + i, what);
	}
	set_busyloop(&d, VA_TX, 0);
	set_busyloop(&d, VA_RX, 0);

	if (!d.broken)
		spin_gives_way(&d);
	dev_no_errors(&d, "busypoll");
out:
	dev_close(&d);
}
