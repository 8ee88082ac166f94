// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: many devices under load at once.
 *
 * LOAD_DEVS devices, each with its own tap, carry small frames both ways
 * for a bounded time. The driver serves every device alike, one turn each
 * in a round, with windows far larger than a device can use in a round, so
 * that what a device moves is what its worker manages to move: every
 * device must make progress both ways, and the slowest must get at least
 * 1/LOAD_FAIR of the mean (a fair share, with room for the noise of a
 * scheduler sharing two CPUs among 65 threads).
 *
 * Then one more device floods its TX queue: a full ring of frames, posted
 * again as soon as they are used, while frames keep arriving for its RX
 * queue and the other devices go on as before. Its own RX must keep its
 * share, and the others must keep theirs, and at least 1/LOAD_FAIR of what
 * they moved before the flood.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vadriver.h"
#include "pump.h"

#define LOAD_DEVS	64
#define LOAD_MS		5000
#define LOAD_FAIR	4
/*
 * The driver's round: devices work on their own in between. At 20 ms, a
 * worker given a long time slice could send a whole window of 64-byte
 * frames in it, and once workers sent them at about 13 kpps each a
 * quarter of the turns found the window used up.
 */
#define LOAD_ROUND_US	10000

static const struct va_cfg load_cfg = {
	.vhost_hdr = true, .mrg = true, .event_idx = true, .v1 = true,
	.num = 1024,
};

/*
 * Small frames written once, and a deep TX ring kept full by handing used
 * chains straight back: a device never runs dry between two of the
 * driver's rounds (which get one CPU share among 65 busy workers), so what
 * a device sends is what its worker gets to do. RX is paced by the
 * injection into the taps (a syscall a frame): every device must keep up.
 */
static const struct pump_cfg load_pump = {
	.slots = 256, .slot = 128, .max_frame = 100,
	.tx_window = 1024, .rx_window = 32, .rx_inflight = 16,
	.inject_per_step = 2, .tx_prefilled = true, .tx_recycle = true,
};

/*
 * Full-size frames in a ring so deep that it never runs dry between two
 * rounds: the device always has more to send, and only its weight limits
 * give its RX queue a turn.
 */
static const struct va_cfg flood_cfg = {
	.vhost_hdr = true, .mrg = true, .event_idx = true, .v1 = true,
	.num = 4096,
};

static const struct pump_cfg flood_pump = {
	.slots = 512, .slot = 2048, .max_frame = 1514,
	.tx_window = 4096, .rx_window = 32, .rx_inflight = 16,
	.inject_per_step = 2, .tx_prefilled = true, .tx_recycle = true,
};

struct load_dev {
	struct va_dev d;
	struct pump p;
	/* counts at the start of a phase */
	unsigned int tx0, rx0, turns0, dry0;
	/* in the last phase: frames moved, turns, turns with TX idle */
	unsigned int tx, rx, turns, dry;
};

/* Frames the tap took from the device (its netdev's "received"). */
static long long tap_rx_packets(const char *tap)
{
	char path[128];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets",
		 tap);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static bool load_open(struct load_dev *ld, const struct va_cfg *vc,
		      const struct pump_cfg *pc)
{
	struct va_cfg cfg = *vc;

	if (dev_open(&ld->d, va_dev_path) || dev_setup(&ld->d, &cfg))
		return false;
	/* What arrives on the tap is counted by the tap itself. */
	close(ld->d.tap.cap);
	ld->d.tap.cap = -1;
	pump_init(&ld->p, &ld->d, pc);
	return true;
}

/*
 * Run @n devices from @devs for @ms, each one turn a round. A device's
 * first turn (which posts its whole window) comes before the clock starts.
 */
static void load_run(struct load_dev *devs, unsigned int n, int ms)
{
	long long end;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!devs[i].p.tx_posted)
			pump_turn(&devs[i].p);
	for (i = 0; i < n; i++) {
		devs[i].tx0 = devs[i].p.tx_used;
		devs[i].rx0 = devs[i].p.rx_used;
		devs[i].turns0 = devs[i].p.turns;
		devs[i].dry0 = devs[i].p.tx_dry;
	}
	end = now_ms() + ms;
	while (now_ms() < end) {
		/*
		 * The workers run on their own for a while; the windows are
		 * deep enough that none runs dry before the next round.
		 */
		usleep(LOAD_ROUND_US * va_time_scale);
		for (i = 0; i < n; i++)
			pump_turn(&devs[i].p);
	}
	for (i = 0; i < n; i++) {
		devs[i].tx = devs[i].p.tx_used - devs[i].tx0;
		devs[i].rx = devs[i].p.rx_used - devs[i].rx0;
		devs[i].turns = devs[i].p.turns - devs[i].turns0;
		devs[i].dry = devs[i].p.tx_dry - devs[i].dry0;
	}
}

struct load_stat {
	unsigned int min, max, median;
	double mean, jain;	/* Jain's index: 1 is perfectly fair */
	unsigned int slowest;	/* index of the minimum */
};

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static void load_stat(const unsigned int *v, unsigned int n,
		      struct load_stat *s)
{
	unsigned int sorted[LOAD_DEVS + 1], i;
	double sum = 0, sq = 0;

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_uint);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = sorted[n / 2];
	s->slowest = 0;
	for (i = 0; i < n; i++) {
		sum += v[i];
		sq += (double)v[i] * v[i];
		if (v[i] < v[s->slowest])
			s->slowest = i;
	}
	s->mean = sum / n;
	s->jain = sq ? sum * sum / (n * sq) : 0;
}

/* Every device moved frames, the slowest at least 1/LOAD_FAIR of the mean. */
static void load_check_fair(struct load_dev *devs, unsigned int n,
			    const char *phase, struct load_stat *tx,
			    struct load_stat *rx)
{
	unsigned int v[LOAD_DEVS + 1], i, turns = 0, dry = 0;

	for (i = 0; i < n; i++) {
		turns += devs[i].turns;
		dry += devs[i].dry;
	}
	/* A device that used its whole window waited for the driver. */
	check(dry * 4 <= turns,
	      "%s: the devices were the limit: %u rounds, a TX window found all used in %u of %u turns",
	      phase, devs[0].turns, dry, turns);
	for (i = 0; i < n; i++)
		v[i] = devs[i].tx;
	load_stat(v, n, tx);
	for (i = 0; i < n; i++)
		v[i] = devs[i].rx;
	load_stat(v, n, rx);
	diag("%s: TX frames per device min %u median %u max %u mean %.0f (Jain %.3f)",
	     phase, tx->min, tx->median, tx->max, tx->mean, tx->jain);
	diag("%s: RX frames per device min %u median %u max %u mean %.0f (Jain %.3f)",
	     phase, rx->min, rx->median, rx->max, rx->mean, rx->jain);
	check(tx->min > 0 && tx->min * LOAD_FAIR >= tx->mean,
	      "%s: every device sends, the slowest (#%u, %u frames) at least 1/%d of the mean (%.0f)",
	      phase, tx->slowest, tx->min, LOAD_FAIR, tx->mean);
	check(rx->min > 0 && rx->min * LOAD_FAIR >= rx->mean,
	      "%s: every device receives, the slowest (#%u, %u frames) at least 1/%d of the mean (%.0f)",
	      phase, rx->slowest, rx->min, LOAD_FAIR, rx->mean);
}

void t_load(void)
{
	struct sched_param fifo = { .sched_priority = 1 };
	struct load_dev *devs, *flood;
	struct load_stat tx1 = { 0 }, rx1 = { 0 }, tx2 = { 0 }, rx2 = { 0 };
	unsigned int i, opened = 0, bad = 0, short_tap = 0;
	long long t0;

	set_prefix("load:");
	devs = calloc(LOAD_DEVS + 1, sizeof(*devs));
	if (!devs) {
		bail("calloc: %s", strerror(errno));
		return;
	}
	flood = &devs[LOAD_DEVS];
	t0 = now_ms();
	for (i = 0; i <= LOAD_DEVS; i++) {
		opened = i + 1;	/* dev_close() undoes a half-done setup too */
		if (devs + i == flood ?
		    !load_open(flood, &flood_cfg, &flood_pump) :
		    !load_open(devs + i, &load_cfg, &load_pump))
			goto out;
	}
	diag("%u devices and taps set up in %lld ms", opened, now_ms() - t0);
	/*
	 * A guest's driver runs on vCPUs of its own, not on a share of the
	 * CPUs the 65 workers compete for: run the driver ahead of them, so
	 * that its rounds stay short and the devices, not the driver, are
	 * what limits the traffic. Only now that every device has its
	 * worker: vhost-net's workers are threads of their owner since 6.4,
	 * and would inherit the policy.
	 */
	if (sched_setscheduler(0, SCHED_FIFO, &fifo))
		diag("SCHED_FIFO: %s: the driver may be the limit", strerror(errno));

	load_run(devs, LOAD_DEVS, LOAD_MS * va_time_scale);
	load_check_fair(devs, LOAD_DEVS, "64 devices", &tx1, &rx1);

	/* The flooder joins: all LOAD_DEVS + 1 are turned each round. */
	load_run(devs, LOAD_DEVS + 1, LOAD_MS * va_time_scale);
	load_check_fair(devs, LOAD_DEVS, "64 devices beside a flood", &tx2,
			&rx2);
	check(flood->dry * 10 <= flood->turns,
	      "flood: the flooding device always had frames to send (its window found all used in %u of %u turns)",
	      flood->dry, flood->turns);
	diag("flood: the flooding device sent %u frames of up to %u bytes (%.1fx the others' mean, of up to %u), received %u",
	     flood->tx, flood_pump.max_frame, flood->tx / (tx2.mean ? tx2.mean : 1),
	     load_pump.max_frame, flood->rx);
	check(flood->rx * LOAD_FAIR >= rx2.mean,
	      "flood: the flooding device's own RX keeps its share (%u frames, others' mean %.0f)",
	      flood->rx, rx2.mean);
	check(tx2.mean * LOAD_FAIR >= tx1.mean && rx2.mean * LOAD_FAIR >= rx1.mean,
	      "flood: the others keep at least 1/%d of what they moved before (TX mean %.0f -> %.0f, RX %.0f -> %.0f)",
	      LOAD_FAIR, tx1.mean, tx2.mean, rx1.mean, rx2.mean);

	/* What the device used went out through the tap. */
	for (i = 0; i <= LOAD_DEVS; i++) {
		struct load_dev *ld = &devs[i];
		long long got = tap_rx_packets(ld->d.tap.name);

		bad += ld->p.bad_ids;
		if (got < 0 || (unsigned long long)got < ld->p.tx_used)
			short_tap++;
		if (vq_drain_err(&ld->d.vq[VA_RX]) ||
		    vq_drain_err(&ld->d.vq[VA_TX]))
			bad++;
	}
	check(!short_tap,
	      "every frame the devices used arrived on their taps (%u taps short)",
	      short_tap);
	check(!bad, "no bad used ids and no error notifications (%u)", bad);
out:
	fifo.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &fifo);
	t0 = now_ms();
	for (i = 0; i < opened; i++)
		dev_close(&devs[i].d);
	diag("%u devices closed in %lld ms", opened, now_ms() - t0);
	free(devs);
	mem_reset(&va_mem);
}
