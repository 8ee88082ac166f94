// SPDX-License-Identifier: GPL-2.0
/*
 * vhostctl attach: open the vhost device once per queue pair and the tap
 * (or macvtap) once per queue, then exec a command that inherits the fds,
 * with {vhostfd}, {vhostfds}, {tapfd}, {tapfds} and {queues} replaced in
 * its arguments: QEMU's "-netdev tap,fds=...,vhostfds=..." needs nothing else.
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

struct attach_opts {
	const char *tap;
	const char *device;
	unsigned int queues;
	char **cmd;
};

static void attach_usage(FILE *f)
{
	fputs("Usage: vhostctl attach --tap NAME [ --queues N ] [ --device PATH ] -- COMMAND [ ARG... ]\n"
	      "       vhostctl attach help\n"
	      "\n"
	      "Opens PATH (default /dev/vhost-accel, or $VHOSTCTL_DEVICE) N times, one\n"
	      "queue pair each, and the tap NAME N times with IFF_TAP|IFF_NO_PI|\n"
	      "IFF_VNET_HDR (and IFF_MULTI_QUEUE for a multi_queue tap), or for a\n"
	      "macvtap its /dev/tapIFINDEX N times; then runs COMMAND with these fds\n"
	      "inherited. In its arguments {vhostfd} and {tapfd} become the first fd,\n"
	      "{vhostfds} and {tapfds} all of them joined by ':', {queues} N. The\n"
	      "environment gets VHOSTCTL_VHOSTFDS, VHOSTCTL_TAPFDS and VHOSTCTL_QUEUES.\n"
	      "\n"
	      "Example:\n"
	      "  vhostctl attach --tap tap0 -- qemu-system-x86_64 ... \\\n"
	      "      -netdev tap,id=n0,fd={tapfd},vhost=on,vhostfd={vhostfd} \\\n"
	      "      -device virtio-net-pci,netdev=n0\n", f);
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
			o->tap = val;
			continue;
		} else if (r) {
			return r;
		}
		r = opt_value(argc, argv, &i, "--queues", &val);
		if (r == 1) {
			uint32_t n;

			if (parse_u32(val, &n) || n < 1 || n > MAX_QUEUES)
				return usage_err("vhostctl attach help",
						 "invalid --queues \"%s\" (1 to %d)",
						 val, MAX_QUEUES);
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
	if (!o->tap)
		return usage_err("vhostctl attach help",
				 "attach needs --tap NAME");
	if (!o->cmd)
		return usage_err("vhostctl attach help",
				 "attach needs \"-- COMMAND\": the program that gets the fds");
	if (!o->cmd[0])
		return usage_err("vhostctl attach help",
				 "no COMMAND after \"--\"");
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
static char *substitute(const char *arg, const char *const *keys,
			char *const *vals, unsigned int nkeys)
{
	size_t len = 1, cap = strlen(arg) + 1;
	char *out = malloc(cap), *tmp;
	const char *p = arg;
	unsigned int k;

	if (!out)
		return NULL;
	out[0] = '\0';
	len = 0;
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

int cmd_attach(int argc, char **argv)
{
	static const char *const keys[] = {
		"{vhostfds}", "{vhostfd}", "{tapfds}", "{tapfd}", "{queues}",
	};
	struct attach_opts o = { 0 };
	struct link_info li;
	struct nl_sock *sk;
	char *vals[5] = { NULL }, **args;
	int *vfds, *tfds, err, ret;
	unsigned int i, n;

	if (argc > 0 && is_help(argv[0])) {
		attach_usage(stdout);
		return EXIT_OK;
	}
	ret = parse_args(argc, argv, &o);
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
	err = link_lookup(sk, o.tap, &li);
	nl_socket_free(sk);
	if (err == -ENODEV) {
		pr_err("no such link \"%s\": create it with 'vhostctl link add %s type tap vnet_hdr' (see 'vhostctl link show')",
		       o.tap, o.tap);
		return EXIT_FAIL;
	} else if (err) {
		pr_err("looking up link %s failed: %s", o.tap, strerror(-err));
		return EXIT_FAIL;
	}
	if (!strcmp(li.kind, "tun") && !link_is_tap(&li)) {
		pr_err("%s is a tun (layer 3) device; vhost needs a tap: 'vhostctl link add NAME type tap vnet_hdr'",
		       o.tap);
		return EXIT_FAIL;
	}
	if (!link_is_tap(&li) && !link_is_macvtap(&li)) {
		pr_err("%s is a %s link; attach needs a tap or a macvtap",
		       o.tap, li.kind[0] ? li.kind : "physical");
		return EXIT_FAIL;
	}
	if (link_is_tap(&li) && o.queues > 1 && !li.multi_queue) {
		pr_err("tap %s has a single queue (it was made without multi_queue); for --queues %u recreate it: 'vhostctl link del %s; vhostctl link add %s type tap multi_queue vnet_hdr'",
		       o.tap, o.queues, o.tap, o.tap);
		return EXIT_FAIL;
	}

	n = o.queues;
	vfds = calloc(n, sizeof(int));
	tfds = calloc(n, sizeof(int));
	if (!vfds || !tfds) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	/* the device first: "module not loaded" is the first thing to know */
	for (i = 0; i < n; i++) {
		vfds[i] = open_vhost(o.device);
		if (vfds[i] < 0)
			return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		tfds[i] = link_is_tap(&li) ? open_tap(&li) : open_macvtap(&li);
		if (tfds[i] < 0)
			return EXIT_FAIL;
	}
	/* opened without O_CLOEXEC; make sure nothing set it */
	for (i = 0; i < n; i++) {
		fcntl(vfds[i], F_SETFD, 0);
		fcntl(tfds[i], F_SETFD, 0);
	}

	vals[0] = join_fds(vfds, n);
	vals[2] = join_fds(tfds, n);
	vals[1] = join_fds(vfds, 1);
	vals[3] = join_fds(tfds, 1);
	if (asprintf(&vals[4], "%u", n) < 0)
		vals[4] = NULL;
	for (i = 0; i < 5; i++) {
		if (!vals[i]) {
			pr_err("out of memory");
			return EXIT_FAIL;
		}
	}
	setenv("VHOSTCTL_VHOSTFDS", vals[0], 1);
	setenv("VHOSTCTL_TAPFDS", vals[2], 1);
	setenv("VHOSTCTL_QUEUES", vals[4], 1);

	for (n = 0; o.cmd[n]; n++)
		;
	args = calloc(n + 1, sizeof(*args));
	if (!args) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		args[i] = substitute(o.cmd[i], keys, vals, 5);
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
