// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: options, the list of tests, TAP-style reporting.
 *
 *   vadriver --dev /dev/vhost-net [--only PATTERN]... [--list]
 *            [--timeout MS] [--time-scale N] [--seed N] [--verbose]
 *
 * One line per check: "ok - NAME" or "not ok - NAME (details)". Exit 0 if
 * every check passed, 1 otherwise, 2 on a usage or setup error.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vadriver.h"

int va_timeout_ms = 10000;
unsigned int va_time_scale = 1;
unsigned int va_seed = 20261125;
int va_verbose;
const char *va_dev_path;
struct va_mem va_mem;

static unsigned int n_ok, n_fail;
static char prefix[160];
static unsigned int rand_state;

static const struct va_test tests[] = {
	{ "features", "GET_FEATURES offers what a net device needs",
	  t_features, false },
	{ "owner", "SET_OWNER/RESET_OWNER rules, non-owner process",
	  t_owner, false },
	{ "badargs", "invalid ioctl arguments and their errno",
	  t_badargs, false },
	{ "setcheck", "what can be judged when set is refused then",
	  t_setcheck, false },
	{ "traffic", "TX and RX in every feature combination", t_traffic, false },
	{ "offload", "vnet header passed through the tap: csum and GSO",
	  t_offload, false },
	{ "notify", "kick and call suppression (flags, EVENT_IDX)",
	  t_notify, false },
	{ "wrap", "ring indices wrapping through 65535", t_wrap, false },
	{ "qsize", "ring sizes 1, 2, 32768", t_qsize, false },
	{ "vring-base", "GET_VRING_BASE after stopping", t_vring_base, false },
	{ "backend", "backend swap, detach and reattach", t_backend, false },
	{ "macvtap", "a macvtap as the backend (veth, ip(8))", t_macvtap, false },
	{ "oversize", "RX frame larger than a non-mergeable buffer",
	  t_oversize, false },
	{ "log", "dirty page log (LOG_ALL, LOG_BASE, LOG_FD)", t_log, false },
	{ "robust", "malformed rings: error eventfd, no crash, recovery",
	  t_robust, false },
	{ "live", "eventfds, memory table and dirty log changed while running",
	  t_live, false },
	{ "multiqueue", "a multiqueue tap, one device per queue", t_mq, false },
	{ "stress", "3000 frames each way at once", t_stress, false },
	{ "lifecycle", "the owner exits; closing with traffic in flight",
	  t_lifecycle, false },
	{ "load", "64 devices at once, fairness, one flooding its TX queue",
	  t_load, false },
	{ "faults", "owner killed, tap deleted, memory, backend and call changed under traffic",
	  t_faults, false },
	{ "busypoll", "busy polling: traffic, a spin gives way to the other queue",
	  t_busypoll, false },
	{ "basic", "a new device carries a frame each way", t_basic, false },
	{ "failslab", "allocation failures injected in setup and traffic (debug kernel)",
	  t_failslab, true },
};

unsigned int va_rand(void)
{
	/* xorshift32: the same sequence for the same --seed */
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 17;
	rand_state ^= rand_state << 5;
	return rand_state;
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

const char *errname(int err)
{
	static char buf[32];

	switch (err) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case E2BIG: return "E2BIG";
	case ENOBUFS: return "ENOBUFS";
	case ENOTSOCK: return "ENOTSOCK";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	case EBADFD: return "EBADFD";
	case ENXIO: return "ENXIO";
	case ENODEV: return "ENODEV";
	case EAGAIN: return "EAGAIN";
	case ERANGE: return "ERANGE";
	case EEXIST: return "EEXIST";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EPFNOSUPPORT: return "EPFNOSUPPORT";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static void vreport(bool pass, const char *detail, const char *fmt,
		    va_list ap)
{
	char name[512];

	vsnprintf(name, sizeof(name), fmt, ap);
	if (pass)
		n_ok++;
	else
		n_fail++;
	printf("%s - %s%s%s%s%s\n", pass ? "ok" : "not ok", prefix,
	       prefix[0] ? " " : "", name, detail ? " " : "",
	       detail ? detail : "");
	fflush(stdout);
}

bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cond, NULL, fmt, ap);
	va_end(ap);
	return cond;
}

bool check_eq(unsigned long long want, unsigned long long got,
	      const char *fmt, ...)
{
	char detail[96];
	va_list ap;

	snprintf(detail, sizeof(detail), "(want %llu (0x%llx), got %llu (0x%llx))",
		 want, want, got, got);
	va_start(ap, fmt);
	vreport(want == got, want == got ? NULL : detail, fmt, ap);
	va_end(ap);
	return want == got;
}

/* ret/err: what the ioctl gave; want: 0 for success or an errno */
bool check_errno(int ret, int err, int want, const char *fmt, ...)
{
	char detail[96];
	bool pass;
	va_list ap;

	if (ret >= 0)
		err = 0;
	pass = err == want;
	snprintf(detail, sizeof(detail), "(want %s, got %s)",
		 want ? errname(want) : "success", errname(err));
	va_start(ap, fmt);
	vreport(pass, pass ? NULL : detail, fmt, ap);
	va_end(ap);
	return pass;
}

void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void set_prefix(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		prefix[0] = 0;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
}

/* A setup step failed: report it as a failed check and let the test stop */
void bail(const char *fmt, ...)
{
	char name[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	check(false, "setup: %s", name);
}

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"usage: vadriver --dev PATH [--only PATTERN]... [--timeout MS]\n"
		"                [--time-scale N] [--seed N] [--verbose] [--list]\n"
		"--time-scale N multiplies every wait and every timed phase, for a\n"
		"kernel N times slower than usual (a debug kernel).\n"
		"Plays a virtio-net guest against a vhost-net compatible device.\n"
		"PATTERN is a test name or shell pattern; tests (* only when\n"
		"named with --only, and not in --list):\n");
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		fprintf(f, "  %-12s%c%s\n", tests[i].name,
			tests[i].explicit ? '*' : ' ', tests[i].help);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "time-scale", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *only[32];
	unsigned int nonly = 0, i, j, ran = 0;
	int c;

	while ((c = getopt_long(argc, argv, "d:o:t:S:s:vlh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			va_dev_path = optarg;
			break;
		case 'o':
			if (nonly == ARRAY_SIZE(only)) {
				fprintf(stderr, "vadriver: too many --only\n");
				return 2;
			}
			only[nonly++] = optarg;
			break;
		case 't':
			va_timeout_ms = atoi(optarg);
			break;
		case 'S':
			va_time_scale = strtoul(optarg, NULL, 10);
			if (!va_time_scale || va_time_scale > 100) {
				fprintf(stderr, "vadriver: --time-scale 1 to 100\n");
				return 2;
			}
			break;
		case 's':
			va_seed = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			va_verbose++;
			break;
		case 'l':
			for (i = 0; i < ARRAY_SIZE(tests); i++)
				if (!tests[i].explicit)
					printf("%s\n", tests[i].name);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!va_dev_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	for (j = 0; j < nonly; j++) {
		bool known = false;

		for (i = 0; i < ARRAY_SIZE(tests); i++)
			known |= !fnmatch(only[j], tests[i].name, 0);
		if (!known) {
			fprintf(stderr, "vadriver: no test matches '%s'\n",
				only[j]);
			usage(stderr);
			return 2;
		}
	}

	va_timeout_ms *= va_time_scale;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (mem_init(&va_mem)) {
		fprintf(stderr, "vadriver: cannot map guest memory: %s\n",
			strerror(errno));
		return 2;
	}
	diag("vadriver on %s, seed %u, timeout %d ms, time scale %u", va_dev_path,
	     va_seed, va_timeout_ms, va_time_scale);

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		bool want = !nonly && !tests[i].explicit;

		for (j = 0; j < nonly; j++)
			want |= !fnmatch(only[j], tests[i].name, 0);
		if (!want)
			continue;
		rand_state = va_seed ^ (0x9e3779b9u * (i + 1));
		if (!rand_state)
			rand_state = 1;
		diag("--- %s: %s", tests[i].name, tests[i].help);
		set_prefix("%s:", tests[i].name);
		mem_reset(&va_mem);
		tests[i].run();
		set_prefix(NULL);
		ran++;
	}

	printf("# %u checks: %u passed, %u failed (%u tests on %s)\n",
	       n_ok + n_fail, n_ok, n_fail, ran, va_dev_path);
	return n_fail || !(n_ok + n_fail) ? 1 : 0;
}
