// SPDX-License-Identifier: GPL-2.0
/*
 * vhostctl attach: for each --tap, open the vhost device once per queue
 * pair and the tap (or macvtap) once per queue, then exec a command that
 * inherits the fds, with {vhostfd}, {vhostfds}, {tapfd}, {tapfds} and
 * {queues} replaced in its arguments (the first tap's; {tapfds1} and so on
 * the second's): QEMU's "-netdev tap,fds=...,vhostfds=..." needs nothing
 * else, for one NIC or several.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "vhostctl.h"

#define MAX_QUEUES 256		/* tun's and macvtap's MAX_TAP_QUEUES */
#define MAX_TAPS 8		/* {tapfd0} to {tapfd7}: one digit */

/* The placeholders, in the order of attach_tap.vals. */
enum { PH_VHOSTFDS, PH_VHOSTFD, PH_TAPFDS, PH_TAPFD, PH_QUEUES, PH_MAX };
static const char *const ph_names[PH_MAX] = {
	"vhostfds", "vhostfd", "tapfds", "tapfd", "queues",
};

struct attach_tap {
	const char *name;
	unsigned int queues;	/* 0: not given, the default */
	struct link_info li;
	char *vals[PH_MAX];	/* what the placeholders become */
};

struct attach_opts {
	struct attach_tap taps[MAX_TAPS];
	unsigned int ntaps;
	unsigned int queues;	/* for taps without their own --queues */
	const char *device;
	char **cmd;
};

static void attach_usage(FILE *f)
{
	fputs("Usage: vhostctl attach --tap NAME [ --queues N ] [ --tap NAME [ --queues N ] ]...\n"
	      "                       [ --device PATH ] -- COMMAND [ ARG... ]\n"
	      "       vhostctl attach help\n"
	      "\n"
	      "For each tap NAME (up to 8), opens PATH (default /dev/vhost-accel, or\n"
	      "$VHOSTCTL_DEVICE) N times, one queue pair each, and the tap N times with\n"
	      "IFF_TAP|IFF_NO_PI|IFF_VNET_HDR (and IFF_MULTI_QUEUE for a multi_queue\n"
	      "tap), or for a macvtap its /dev/tapIFINDEX N times; then runs COMMAND\n"
	      "with these fds inherited. --queues after a --tap is that tap's, before\n"
	      "the first the default (1). In COMMAND's arguments {vhostfd} and {tapfd}\n"
	      "become the first tap's first fd, {vhostfds} and {tapfds} all of its fds\n"
	      "joined by ':', {queues} its N; {vhostfd1}, {tapfds1}, {queues1}... are\n"
	      "the second tap's, and so on ({tapfd0} is {tapfd}). The environment gets\n"
	      "VHOSTCTL_VHOSTFDS, VHOSTCTL_TAPFDS and VHOSTCTL_QUEUES (the first tap's),\n"
	      "the same with _0, _1... for each tap, and VHOSTCTL_TAPS.\n"
	      "\n"
	      "Examples:\n"
	      "  vhostctl attach --tap tap0 -- qemu-system-x86_64 ... \\\n"
	      "      -netdev tap,id=n0,fd={tapfd},vhost=on,vhostfd={vhostfd} \\\n"
	      "      -device virtio-net-pci,netdev=n0\n"
	      "  vhostctl attach --tap tap0 --tap tap1 --queues 2 -- qemu-system-x86_64 ... \\\n"
	      "      -netdev tap,id=n0,fd={tapfd0},vhost=on,vhostfd={vhostfd0} \\\n"
	      "      -device virtio-net-pci,netdev=n0 \\\n"
	      "      -netdev tap,id=n1,fds={tapfds1},vhost=on,vhostfds={vhostfds1} \\\n"
	      "      -device virtio-net-pci,netdev=n1,mq=on,vectors=6\n", f);
}

static int opt_value(int argc, char **argv, int *i, const char *opt,
		     const char **val)
{
	size_t n = strlen(opt);

	if (!strcmp(argv[*i], opt)) {
		if (*i + 1 >= argc || !strcmp(argv[*i + 1], "--"))
			return usage_err("vhostctl attach help",
					 "%s needs a value", opt);
		*val = argv[++*i];
		return 1;
	}
	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct attach_opts *o)
{
	const char *val;
	unsigned int k;
	int i, r;

	o->queues = 1;
	o->device = getenv("VHOSTCTL_DEVICE");
	if (!o->device || !*o->device)
		o->device = VA_DEVICE_PATH;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			o->cmd = argv + i + 1;
			break;
		}
		r = opt_value(argc, argv, &i, "--tap", &val);
		if (r == 1) {
			if (!valid_ifname(val))
				return usage_err("vhostctl attach help",
						 "invalid link name \"%s\"", val);
			for (k = 0; k < o->ntaps; k++)
				if (!strcmp(o->taps[k].name, val))
					return usage_err("vhostctl attach help",
							 "--tap %s given twice", val);
			if (o->ntaps == MAX_TAPS)
				return usage_err("vhostctl attach help",
						 "more than %d --tap", MAX_TAPS);
			o->taps[o->ntaps++].name = val;
			continue;
		} else if (r) {
			return r;
		}
		r = opt_value(argc, argv, &i, "--queues", &val);
		if (r == 1) {
			struct attach_tap *t = o->ntaps ? &o->taps[o->ntaps - 1] : NULL;
			uint32_t n;

			if (parse_u32(val, &n) || n < 1 || n > MAX_QUEUES)
				return usage_err("vhostctl attach help",
						 "invalid --queues \"%s\" (1 to %d)",
						 val, MAX_QUEUES);
			if (t && t->queues)
				return usage_err("vhostctl attach help",
						 "--queues given twice for --tap %s",
						 t->name);
			if (t)
				t->queues = n;
			else
				o->queues = n;
			continue;
		} else if (r) {
			return r;
		}
		r = opt_value(argc, argv, &i, "--device", &val);
		if (r == 1) {
			if (!*val)
				return usage_err("vhostctl attach help",
						 "--device needs a path");
			o->device = val;
			continue;
		} else if (r) {
			return r;
		}
		return usage_err("vhostctl attach help",
				 "unknown argument \"%s\" (COMMAND goes after \"--\")",
				 argv[i]);
	}
	if (!o->ntaps)
		return usage_err("vhostctl attach help",
				 "attach needs --tap NAME");
	if (!o->cmd)
		return usage_err("vhostctl attach help",
				 "attach needs \"-- COMMAND\": the program that gets the fds");
	if (!o->cmd[0])
		return usage_err("vhostctl attach help",
				 "no COMMAND after \"--\"");
	for (k = 0; k < o->ntaps; k++)
		if (!o->taps[k].queues)
			o->taps[k].queues = o->queues;
	return 0;
}

static int open_vhost(const char *path)
{
	int fd = open(path, O_RDWR);
	int err = errno;

	if (fd >= 0)
		return fd;
	if ((err == ENOENT || err == ENODEV || err == ENXIO) &&
	    !strcmp(path, VA_DEVICE_PATH))
		pr_err("%s not found: load the module with 'modprobe %s'",
		       path, VA_MODULE);
	else if (err == ENOENT)
		pr_err("%s not found (given by --device or VHOSTCTL_DEVICE): is its module loaded?",
		       path);
	else if (err == EACCES || err == EPERM)
		pr_err("cannot open %s: permission denied: it needs read and write access (the udev rule gives group kvm mode 0660: add the user to group kvm, or run as root)",
		       path);
	else
		pr_err("cannot open %s: %s", path, strerror(err));
	return -1;
}

static int open_tap(const struct link_info *li)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			pr_err("/dev/net/tun not found: load the tun module with 'modprobe tun'");
		else if (err == EACCES || err == EPERM)
			pr_err("cannot open /dev/net/tun: permission denied: it is normally mode 0666 (udev); fix its mode, or run as root");
		else
			pr_err("cannot open /dev/net/tun: %s", strerror(err));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", li->name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
			(li->multi_queue ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err == EPERM || err == EACCES)
		pr_err("attaching to tap %s %s, or a tap that belongs to you ('vhostctl link add %s type tap user USER')",
		       li->name, perm_advice(err), li->name);
	else if (err == EBUSY)
		pr_err("tap %s is busy: a tap without multi_queue takes one user at a time (is another program attached to it?)",
		       li->name);
	else
		pr_err("attaching to tap %s failed: %s", li->name, strerror(err));
	return -1;
}

static int open_macvtap(const struct link_info *li)
{
	char path[32];
	int fd, err;

	snprintf(path, sizeof(path), "/dev/tap%d", li->ifindex);
	fd = open(path, O_RDWR);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == ENOENT)
		pr_err("%s (the character device of %s %s) not found: udev should have made it; its major:minor are in /sys/class/net/%s/%s/tap%d/dev",
		       path, li->kind, li->name, li->name, li->kind, li->ifindex);
	else if (err == EACCES || err == EPERM)
		pr_err("cannot open %s (of %s %s): permission denied: run as root, or give the user read and write access to it",
		       path, li->kind, li->name);
	else
		pr_err("cannot open %s (of %s %s): %s", path, li->kind,
		       li->name, strerror(err));
	return -1;
}

/* fds as "a:b:c" */
static char *join_fds(const int *fds, unsigned int n)
{
	char *s = malloc(n * 12 + 1), *p = s;
	unsigned int i;

	if (!s)
		return NULL;
	*p = '\0';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%d", i ? ":" : "", fds[i]);
	return s;
}

/* arg with every placeholder replaced; keys[i] becomes vals[i] */
static char *substitute(const char *arg, char *const *keys,
			char *const *vals, unsigned int nkeys)
{
	size_t len = 0, cap = strlen(arg) + 1;
	char *out = malloc(cap), *tmp;
	const char *p = arg;
	unsigned int k;

	if (!out)
		return NULL;
	out[0] = '\0';
	while (*p) {
		const char *rep = NULL;
		size_t klen = 1, rlen;

		for (k = 0; *p == '{' && k < nkeys; k++) {
			if (!strncmp(p, keys[k], strlen(keys[k]))) {
				rep = vals[k];
				klen = strlen(keys[k]);
				break;
			}
		}
		rlen = rep ? strlen(rep) : 1;
		if (len + rlen + 1 > cap) {
			cap = (len + rlen + 1) * 2;
			tmp = realloc(out, cap);
			if (!tmp) {
				free(out);
				return NULL;
			}
			out = tmp;
		}
		memcpy(out + len, rep ? rep : p, rlen);
		len += rlen;
		out[len] = '\0';
		p += klen;
	}
	return out;
}

/*
 * A placeholder of a tap not given ({tapfd2} with two --tap) would reach
 * the command as it is, and the command would fail on it obscurely.
 */
static int check_placeholders(char **cmd, unsigned int ntaps)
{
	unsigned int i, k;
	const char *p;

	for (i = 0; cmd[i]; i++) {
		for (p = strchr(cmd[i], '{'); p; p = strchr(p + 1, '{')) {
			for (k = 0; k < PH_MAX; k++) {
				size_t n = strlen(ph_names[k]);

				if (!strncmp(p + 1, ph_names[k], n) &&
				    p[n + 1] >= '0' && p[n + 1] <= '9' &&
				    p[n + 2] == '}' &&
				    (unsigned int)(p[n + 1] - '0') >= ntaps)
					return usage_err("vhostctl attach help",
							 "{%s%c} names tap %c, but only %u --tap given (they count from 0)",
							 ph_names[k], p[n + 1], p[n + 1],
							 ntaps);
			}
		}
	}
	return 0;
}

/* Look the tap up and check it can carry its queues; EXIT_FAIL if not. */
static int check_tap(struct nl_sock *sk, struct attach_tap *t)
{
	struct link_info *li = &t->li;
	int err = link_lookup(sk, t->name, li);

	if (err == -ENODEV) {
		pr_err("no such link \"%s\": create it with 'vhostctl link add %s type tap vnet_hdr' (see 'vhostctl link show')",
		       t->name, t->name);
		return EXIT_FAIL;
	} else if (err) {
		pr_err("looking up link %s failed: %s", t->name, strerror(-err));
		return EXIT_FAIL;
	}
	if (!strcmp(li->kind, "tun") && !link_is_tap(li)) {
		pr_err("%s is a tun (layer 3) device; vhost needs a tap: 'vhostctl link add NAME type tap vnet_hdr'",
		       t->name);
		return EXIT_FAIL;
	}
	if (!link_is_tap(li) && !link_is_macvtap(li)) {
		pr_err("%s is a %s link; attach needs a tap or a macvtap",
		       t->name, li->kind[0] ? li->kind : "physical");
		return EXIT_FAIL;
	}
	if (link_is_tap(li) && t->queues > 1 && !li->multi_queue) {
		pr_err("tap %s has a single queue (it was made without multi_queue); for --queues %u recreate it: 'vhostctl link del %s; vhostctl link add %s type tap multi_queue vnet_hdr'",
		       t->name, t->queues, t->name, t->name);
		return EXIT_FAIL;
	}
	return 0;
}

/*
 * The fds of @t: @vfds (the device, opened already) and its tap's, one
 * per queue; its placeholders' values from them. EXIT_FAIL if not.
 */
static int open_tap_fds(struct attach_tap *t, const int *vfds)
{
	unsigned int i, n = t->queues;
	int *tfds = calloc(n, sizeof(int));

	if (!tfds) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		tfds[i] = link_is_tap(&t->li) ? open_tap(&t->li) :
						open_macvtap(&t->li);
		if (tfds[i] < 0)
			return EXIT_FAIL;
		/* opened without O_CLOEXEC; make sure nothing set it */
		fcntl(tfds[i], F_SETFD, 0);
		fcntl(vfds[i], F_SETFD, 0);
	}
	t->vals[PH_VHOSTFDS] = join_fds(vfds, n);
	t->vals[PH_VHOSTFD] = join_fds(vfds, 1);
	t->vals[PH_TAPFDS] = join_fds(tfds, n);
	t->vals[PH_TAPFD] = join_fds(tfds, 1);
	if (asprintf(&t->vals[PH_QUEUES], "%u", n) < 0)
		t->vals[PH_QUEUES] = NULL;
	free(tfds);
	for (i = 0; i < PH_MAX; i++) {
		if (!t->vals[i]) {
			pr_err("out of memory");
			return EXIT_FAIL;
		}
	}
	return 0;
}

/* VHOSTCTL_VHOSTFDS, _TAPFDS and _QUEUES of @t, their names ending in @suffix. */
static void export_tap(const struct attach_tap *t, const char *suffix)
{
	static const char *const env[] = {
		[PH_VHOSTFDS] = "VHOSTCTL_VHOSTFDS",
		[PH_TAPFDS] = "VHOSTCTL_TAPFDS",
		[PH_QUEUES] = "VHOSTCTL_QUEUES",
	};
	char name[40];
	unsigned int i;

	for (i = 0; i < PH_MAX; i++) {
		if (!env[i])
			continue;
		snprintf(name, sizeof(name), "%s%s", env[i], suffix);
		setenv(name, t->vals[i], 1);
	}
}

int cmd_attach(int argc, char **argv)
{
	/* every placeholder of every tap, and the first tap's without index */
	char *keys[PH_MAX * (MAX_TAPS + 1)], *vals[PH_MAX * (MAX_TAPS + 1)];
	struct attach_opts o = { 0 };
	unsigned int i, k, n, nkeys = 0;
	struct nl_sock *sk;
	char **args, num[16];
	int **vfds, err, ret;

	if (argc > 0 && is_help(argv[0])) {
		attach_usage(stdout);
		return EXIT_OK;
	}
	ret = parse_args(argc, argv, &o);
	if (!ret)
		ret = check_placeholders(o.cmd, o.ntaps);
	if (ret)
		return ret;

	/* stdin/out/err must stay what they are, not become one of our fds */
	while ((err = open("/dev/null", O_RDWR)) >= 0 && err <= 2)
		;
	if (err > 2)
		close(err);

	sk = rtnl_open(NULL);
	if (!sk)
		return EXIT_FAIL;
	for (k = 0; k < o.ntaps; k++) {
		ret = check_tap(sk, &o.taps[k]);
		if (ret)
			break;
	}
	nl_socket_free(sk);
	if (ret)
		return ret;

	/* the device first: "module not loaded" is the first thing to know */
	vfds = calloc(o.ntaps, sizeof(*vfds));
	if (!vfds) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	for (k = 0; k < o.ntaps; k++) {
		vfds[k] = calloc(o.taps[k].queues, sizeof(int));
		if (!vfds[k]) {
			pr_err("out of memory");
			return EXIT_FAIL;
		}
		for (i = 0; i < o.taps[k].queues; i++) {
			vfds[k][i] = open_vhost(o.device);
			if (vfds[k][i] < 0)
				return EXIT_FAIL;
		}
	}
	for (k = 0; k < o.ntaps; k++) {
		ret = open_tap_fds(&o.taps[k], vfds[k]);
		if (ret)
			return ret;
	}

	for (k = 0; k <= o.ntaps; k++) {
		/* k == o.ntaps: the first tap again, without an index */
		struct attach_tap *t = &o.taps[k < o.ntaps ? k : 0];

		for (i = 0; i < PH_MAX; i++) {
			if (k < o.ntaps)
				ret = asprintf(&keys[nkeys], "{%s%u}", ph_names[i], k);
			else
				ret = asprintf(&keys[nkeys], "{%s}", ph_names[i]);
			if (ret < 0) {
				pr_err("out of memory");
				return EXIT_FAIL;
			}
			vals[nkeys++] = t->vals[i];
		}
		snprintf(num, sizeof(num), "_%u", k);
		export_tap(t, k < o.ntaps ? num : "");
	}
	snprintf(num, sizeof(num), "%u", o.ntaps);
	setenv("VHOSTCTL_TAPS", num, 1);

	for (n = 0; o.cmd[n]; n++)
		;
	args = calloc(n + 1, sizeof(*args));
	if (!args) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		args[i] = substitute(o.cmd[i], keys, vals, nkeys);
		if (!args[i]) {
			pr_err("out of memory");
			return EXIT_FAIL;
		}
	}
	fflush(stdout);
	execvp(args[0], args);
	err = errno;
	pr_err("cannot run %s: %s%s", args[0], strerror(err),
	       err == ENOENT ? " (is it installed and in PATH?)" : "");
	return EXIT_FAIL;
}
