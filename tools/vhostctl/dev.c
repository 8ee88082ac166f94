// SPDX-License-Identifier: GPL-2.0
/*
 * vhostctl dev show | stats: devices, queues and counters from the
 * vhost_accel generic netlink family.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vhostctl.h"
#include <linux/vhost_accel.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void dev_usage(FILE *f)
{
	fputs("Usage: vhostctl [ -j | -p ] [ -s ] dev show [ ID ]   (alias: s, list)\n"
	      "       vhostctl [ -j | -p ] dev stats [ ID ] [ -w SECONDS ]\n"
	      "       vhostctl dev help\n"
	      "\n"
	      "show   every device you may see (all with CAP_NET_ADMIN, else those\n"
	      "       owned by your uid), or device ID: owner, worker, backend,\n"
	      "       features and queues; -s adds the queue counters (JSON always\n"
	      "       has them).\n"
	      "stats  queue counters; with -w, every SECONDS (decimals allowed) the\n"
	      "       rates since the previous sample, until interrupted.\n", f);
}

static const char *queue_ifname(const struct va_dev *d, uint32_t ifindex,
				char *buf)
{
	if (!ifindex)
		return NULL;
	if (d->has_backend && ifindex == d->backend_ifindex &&
	    d->backend_ifname[0])
		return d->backend_ifname;
	if (if_indextoname(ifindex, buf))
		return buf;
	return NULL;
}

static void print_counters_header(void)
{
	print_text("%12s %14s %9s %9s %11s %11s %s", "packets", "bytes",
		   "drops", "errors", "kicks", "calls", "last_error");
}

static void print_counters(enum output_type t, const struct va_queue *q)
{
	char buf[16];

	open_json_object("stats");
	print_u64(t, "packets", "%12" PRIu64, q->packets);
	print_u64(t, "bytes", " %14" PRIu64, q->bytes);
	print_u64(t, "drops", " %9" PRIu64, q->drops);
	print_u64(t, "errors", " %9" PRIu64, q->errors);
	print_u64(t, "kicks", " %11" PRIu64, q->kicks);
	print_u64(t, "calls", " %11" PRIu64, q->calls);
	print_string(t, "last_error", " %s",
		     va_error_name(q->last_error, buf, sizeof(buf)));
	close_json_object();
}

static void print_queue(const struct va_dev *d, const struct va_queue *q)
{
	char buf[IF_NAMESIZE];
	const char *ifname = queue_ifname(d, q->backend_ifindex, buf);

	open_json_object(NULL);
	print_uint(PRINT_ANY, "index", "    queue %u", q->index);
	print_string(PRINT_ANY, "type", " %s:", va_queue_type(q->index));
	print_uint(PRINT_ANY, "size", " size %u", q->size);
	print_uint(PRINT_ANY, "last_avail", " last_avail %u", q->last_avail);
	print_uint(PRINT_ANY, "used_idx", " used_idx %u", q->used_idx);
	print_uint(PRINT_ANY, "busyloop_timeout", " busyloop %uus",
		   q->busyloop_timeout);
	if (q->backend_ifindex) {
		print_uint(PRINT_JSON, "backend_ifindex", NULL,
			   q->backend_ifindex);
		if (ifname)
			print_string(PRINT_ANY, "backend_ifname",
				     " backend %s", ifname);
		else
			print_uint(PRINT_FP, NULL, " backend ifindex %u",
				   q->backend_ifindex);
	} else {
		print_text(" backend none");
	}
	print_bool(PRINT_ANY, "broken", " BROKEN", q->broken);
	print_nl();
	/* JSON always carries the counters, text only with -s */
	if (show_stats) {
		print_text("      ");
		print_counters_header();
		print_text("\n      ");
	}
	print_counters(show_stats ? PRINT_ANY : PRINT_JSON, q);
	if (show_stats)
		print_nl();
	close_json_object();
}

static void print_dev(const struct va_dev *d)
{
	unsigned int i;

	open_json_object(NULL);
	print_uint(PRINT_ANY, "id", "dev %u:", d->id);
	if (d->has_owner) {
		print_uint(PRINT_ANY, "owner_pid", " owner %u", d->owner_pid);
		print_string(PRINT_ANY, "owner_comm", " (%s)", d->owner_comm);
	} else {
		print_text(" owner none");
	}
	if (d->has_worker)
		print_uint(PRINT_ANY, "worker_pid", " worker %u",
			   d->worker_pid);
	print_uint(PRINT_ANY, "mem_regions", " regions %u", d->mem_regions);
	print_text(" ");
	if (d->has_backend)
		va_print_backend(d->backend_ifindex, d->backend_ifname,
				 d->backend_kind);
	else
		print_text("backend none");
	print_nl();
	if (d->has_features) {
		print_text("    ");
		va_print_features(d->features);
		print_nl();
	}
	open_json_array(PRINT_JSON, "queues");
	for (i = 0; i < d->nqueues; i++)
		print_queue(d, &d->queues[i]);
	close_json_array(PRINT_JSON, NULL);
	close_json_object();
}

static int parse_id(const char *arg, uint32_t *id)
{
	if (parse_u32(arg, id) || !*id)
		return usage_err("vhostctl dev help",
				 "invalid device id \"%s\" (a number from 'vhostctl dev show', never 0)",
				 arg);
	return 0;
}

/* Open the family and get device id (0: all); EXIT_* */
static int fetch(uint32_t id, struct va_dev_list *list)
{
	struct va_genl g;
	int ret;

	ret = va_genl_open(&g, false);
	if (ret)
		return ret;
	ret = va_genl_get(&g, id, list, false);
	va_genl_close(&g);
	return ret;
}

static int dev_show(int argc, char **argv)
{
	struct va_dev_list list;
	uint32_t id = 0;
	unsigned int i;
	int ret;

	if (argc > 0 && is_help(argv[0])) {
		dev_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 0 && parse_id(argv[0], &id))
		return EXIT_USAGE;
	if (argc > 1)
		return usage_err("vhostctl dev help",
				 "unexpected argument \"%s\"", argv[1]);
	ret = fetch(id, &list);
	if (ret)
		return ret;

	new_json_obj(json);
	open_json_array(PRINT_JSON, NULL);
	for (i = 0; i < list.n; i++)
		print_dev(&list.devs[i]);
	close_json_array(PRINT_JSON, NULL);
	delete_json_obj();
	va_dev_list_free(&list);
	return EXIT_OK;
}

static void print_stats_table(const struct va_dev_list *list)
{
	unsigned int i, j;

	if (list->n) {
		print_text("%4s %-6s", "dev", "queue");
		print_counters_header();
		print_nl();
	}
	open_json_array(PRINT_JSON, NULL);
	for (i = 0; i < list->n; i++) {
		const struct va_dev *d = &list->devs[i];

		open_json_object(NULL);
		print_uint(PRINT_JSON, "id", NULL, d->id);
		open_json_array(PRINT_JSON, "queues");
		for (j = 0; j < d->nqueues; j++) {
			const struct va_queue *q = &d->queues[j];

			open_json_object(NULL);
			print_uint(PRINT_FP, NULL, "%4u", d->id);
			print_uint(PRINT_ANY, "index", " %2u", q->index);
			print_string(PRINT_ANY, "type", " %-3s", va_queue_type(q->index));
			print_counters(PRINT_ANY, q);
			print_nl();
			close_json_object();
		}
		close_json_array(PRINT_JSON, NULL);
		close_json_object();
	}
	close_json_array(PRINT_JSON, NULL);
}

/* 12.3k, 4.56M: for rates in text */
static const char *human(double v, const char *unit, char *buf, size_t len)
{
	static const char *const pfx[] = { "", "k", "M", "G", "T" };
	unsigned int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f%s", v, unit);
	else
		snprintf(buf, len, "%.*f%s%s", v < 10 ? 2 : v < 100 ? 1 : 0,
			 v, pfx[i], unit);
	return buf;
}

static void print_rate(const char *key, const char *unit, int width,
		       double v)
{
	char buf[32];

	print_float(PRINT_JSON, key, NULL, v);
	print_text(" %*s", width, human(v, unit, buf, sizeof(buf)));
}

static double delta(uint64_t cur, uint64_t prev, double secs)
{
	return cur >= prev ? (double)(cur - prev) / secs : 0;
}

static const struct va_queue *find_queue(const struct va_dev_list *list,
					 uint32_t id, uint32_t index)
{
	unsigned int i, j;

	for (i = 0; i < list->n; i++) {
		if (list->devs[i].id != id)
			continue;
		for (j = 0; j < list->devs[i].nqueues; j++)
			if (list->devs[i].queues[j].index == index)
				return &list->devs[i].queues[j];
	}
	return NULL;
}

static void rates_header(void)
{
	print_text("%-8s %4s %-6s %10s %11s %9s %9s %9s %9s\n", "time", "dev",
		   "queue", "pps", "bit/s", "drops/s", "errors/s", "kicks/s",
		   "calls/s");
}

static void print_rates(const struct va_dev_list *cur,
			const struct va_dev_list *prev, double secs,
			double interval)
{
	char tbuf[16];
	struct timespec ts;
	struct tm tm;
	unsigned int i, j;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);

	new_json_obj(json);
	open_json_object(NULL);
	print_float(PRINT_JSON, "time", NULL, ts.tv_sec + ts.tv_nsec / 1e9);
	print_float(PRINT_JSON, "interval", NULL, interval);
	print_float(PRINT_JSON, "elapsed", NULL, secs);
	open_json_array(PRINT_JSON, "devices");
	for (i = 0; i < cur->n; i++) {
		const struct va_dev *d = &cur->devs[i];

		open_json_object(NULL);
		print_uint(PRINT_JSON, "id", NULL, d->id);
		open_json_array(PRINT_JSON, "queues");
		for (j = 0; j < d->nqueues; j++) {
			const struct va_queue *q = &d->queues[j];
			const struct va_queue *p = find_queue(prev, d->id,
							      q->index);

			/* a device new since the last sample has no rate yet */
			if (!p)
				continue;
			open_json_object(NULL);
			print_string(PRINT_FP, NULL, "%-8s", tbuf);
			print_uint(PRINT_FP, NULL, " %4u", d->id);
			print_uint(PRINT_ANY, "index", " %2u", q->index);
			print_string(PRINT_ANY, "type", " %-3s",
				     va_queue_type(q->index));
			open_json_object("rates");
			print_rate("pps", "", 10,
				   delta(q->packets, p->packets, secs));
			print_rate("bps", "bit", 11,
				   8 * delta(q->bytes, p->bytes, secs));
			print_rate("drops", "", 9, delta(q->drops, p->drops, secs));
			print_rate("errors", "", 9,
				   delta(q->errors, p->errors, secs));
			print_rate("kicks", "", 9, delta(q->kicks, p->kicks, secs));
			print_rate("calls", "", 9, delta(q->calls, p->calls, secs));
			close_json_object();
			print_counters(PRINT_JSON, q);
			print_nl();
			close_json_object();
		}
		close_json_array(PRINT_JSON, NULL);
		close_json_object();
	}
	close_json_array(PRINT_JSON, NULL);
	close_json_object();
	delete_json_obj();
	fflush(stdout);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int watch(uint32_t id, double interval)
{
	struct va_dev_list prev, cur;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec next;
	struct va_genl g;
	double t_prev, t;
	unsigned int rows = 0;
	int ret;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = va_genl_open(&g, false);
	if (ret)
		return ret;
	ret = va_genl_get(&g, id, &prev, false);
	if (ret)
		goto out;
	t_prev = mono_now();
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		long long ns = next.tv_nsec + (long long)(interval * 1e9);

		next.tv_sec += ns / 1000000000;
		next.tv_nsec = ns % 1000000000;
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						&next, NULL) == EINTR)
			;
		if (stop)
			break;
		ret = va_genl_get(&g, id, &cur, true);
		if (ret) {
			if (id && nl_errno(0, &g.err) == ENOENT)
				pr_err("device %" PRIu32 " is gone (its last file was closed)",
				       id);
			else
				ret = va_genl_get(&g, id, &cur, false);
			if (ret)
				break;
		}
		t = mono_now();
		if (!json && rows++ % 20 == 0)
			rates_header();
		print_rates(&cur, &prev, t - t_prev, interval);
		va_dev_list_free(&prev);
		prev = cur;
		t_prev = t;
	}
	va_dev_list_free(&prev);
out:
	va_genl_close(&g);
	return ret;
}

static int dev_stats(int argc, char **argv)
{
	struct va_dev_list list;
	uint32_t id = 0;
	double interval = 0;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (is_help(argv[i])) {
			dev_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-w")) {
			char *end;

			if (++i >= argc)
				return usage_err("vhostctl dev help",
						 "-w needs an interval in seconds");
			errno = 0;
			interval = strtod(argv[i], &end);
			if (errno || *end || end == argv[i] ||
			    !(interval >= 0.01 && interval <= 86400))
				return usage_err("vhostctl dev help",
						 "invalid interval \"%s\" (seconds, 0.01 to 86400)",
						 argv[i]);
		} else if (!id && argv[i][0] != '-') {
			if (parse_id(argv[i], &id))
				return EXIT_USAGE;
		} else {
			return usage_err("vhostctl dev help",
					 "unexpected argument \"%s\"", argv[i]);
		}
	}
	if (interval > 0)
		return watch(id, interval);

	ret = fetch(id, &list);
	if (ret)
		return ret;
	new_json_obj(json);
	print_stats_table(&list);
	delete_json_obj();
	va_dev_list_free(&list);
	return EXIT_OK;
}

int cmd_dev(int argc, char **argv)
{
	if (argc == 0 || is_word(argv[0], "show", "s", "list"))
		return dev_show(argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "stats"))
		return dev_stats(argc - 1, argv + 1);
	if (is_help(argv[0])) {
		dev_usage(stdout);
		return EXIT_OK;
	}
	return cmd_not_found(argv[0], "vhostctl dev help");
}
