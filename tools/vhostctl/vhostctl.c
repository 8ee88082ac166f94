// SPDX-License-Identifier: GPL-2.0
/*
 * vhostctl: see, create and launch what /dev/vhost-accel serves.
 *
 *   vhostctl [OPTIONS] OBJECT { COMMAND | help }
 *
 * Objects and commands are matched exactly (plus the aliases the usage
 * texts list); exit status 0 success, 1 failed operation, 2 bad usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <netlink/msg.h>
#include <netlink/attr.h>

#include "vhostctl.h"
#include <linux/vhost_accel.h>

#ifndef VHOSTCTL_VERSION
#define VHOSTCTL_VERSION "0.1"
#endif

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED	0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS	0x200
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK	11
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

int json;
bool show_stats;

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vhostctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_err(const char *help_cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vhostctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see \"%s\"\n", help_cmd);
	return EXIT_USAGE;
}

int cmd_not_found(const char *word, const char *help_cmd)
{
	return usage_err(help_cmd, "Command \"%s\" not found", word);
}

bool is_word(const char *arg, const char *word, const char *alias1,
	     const char *alias2)
{
	return !strcmp(arg, word) || (alias1 && !strcmp(arg, alias1)) ||
	       (alias2 && !strcmp(arg, alias2));
}

bool is_help(const char *arg)
{
	return is_word(arg, "help", "-h", "--help");
}

int parse_u32(const char *s, uint32_t *val)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*val = v;
	return 0;
}

/* The kernel's dev_valid_name(), so that a bad name is a usage error here. */
bool valid_ifname(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= IF_NAMESIZE)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' ||
		    *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
			return false;
	return true;
}

const char *perm_advice(int err)
{
	if (err == EPERM || err == EACCES)
		return "needs CAP_NET_ADMIN (run as root)";
	return NULL;
}

bool module_loaded(void)
{
	return !access("/sys/module/" VA_MODULE, F_OK);
}

void nl_errinfo_reset(struct nl_errinfo *e)
{
	e->error = 0;
	e->msg[0] = '\0';
}

/*
 * Keep the kernel's errno (libnl maps it to its own, coarser codes) and the
 * extended ack message, which names what the kernel refused.
 */
int nl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *nlerr, void *arg)
{
	struct nl_errinfo *e = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)nlerr - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	unsigned int off, len;

	(void)nla;
	e->error = nlerr->error < 0 ? -nlerr->error : nlerr->error;
	e->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = sizeof(*nlerr);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += nlerr->msg.nlmsg_len - NLMSG_HDRLEN;
	len = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (off >= len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlerr + NLA_ALIGN(off)),
		      len - NLA_ALIGN(off), NULL) < 0)
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG]) {
		snprintf(e->msg, sizeof(e->msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
		e->msg[strcspn(e->msg, "\n")] = '\0';
	}
	return NL_STOP;
}

struct nl_done {
	bool done;
};

static int nl_done_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct nl_done *)arg)->done = true;
	return NL_STOP;
}

/*
 * Send msg and read until its answer is complete: the DONE of a dump, or
 * the ACK that nl_send_auto() asked for after a reply (leaving that ACK
 * queued would answer the next request on the socket).
 */
int nl_transact(struct nl_sock *sk, struct nl_msg *msg,
		nl_recvmsg_msg_cb_t valid, void *arg, struct nl_errinfo *e)
{
	struct nl_done d = { false };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid, arg);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nl_done_cb, &d);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, nl_done_cb, &d);
	nl_cb_err(cb, NL_CB_CUSTOM, nl_err_cb, e);
	nl_errinfo_reset(e);
	err = nl_send_auto(sk, msg);
	while (err >= 0 && !d.done)
		err = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return err < 0 ? err : 0;
}

void nl_enable_extack(struct nl_sock *sk)
{
	int one = 1;

	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
}

int nl_errno(int nlerr, const struct nl_errinfo *e)
{
	if (e && e->error)
		return e->error;
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM: return EPERM;
	case NLE_NOACCESS: return EACCES;
	case NLE_EXIST: return EEXIST;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NODEV: return ENODEV;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_BUSY: return EBUSY;
	case NLE_NOMEM: return ENOMEM;
	case NLE_INVAL: return EINVAL;
	case NLE_INTR: return EINTR;
	case NLE_AGAIN: return EAGAIN;
	case NLE_RANGE: return ERANGE;
	default: return EIO;
	}
}

static void usage(FILE *f)
{
	fputs("Usage: vhostctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       vhostctl attach --tap NAME [ --queues N ] [ --device PATH ] -- COMMAND [ ARG... ]\n"
	      "where  OBJECT := { dev | link | monitor | attach | help }\n"
	      "       OPTIONS := { -j | --json | -p | --pretty | -s | --stats |\n"
	      "                    -V | --version | -h | --help }\n"
	      "\n"
	      "  dev show [ ID ]                 devices, their backends and queues (alias: s, list)\n"
	      "  dev stats [ ID ] [ -w SECONDS ] queue counters; with -w, rates every SECONDS\n"
	      "  monitor                         print device events as they happen\n"
	      "  link show [ NAME ]              tap and macvtap links (alias: s, list)\n"
	      "  link add NAME type tap [ multi_queue ] [ vnet_hdr ] [ user USER ] [ group GROUP ]\n"
	      "  link add NAME type macvtap link DEV [ mode { bridge | vepa | private | passthru } ]\n"
	      "  link del NAME                   (alias: delete)\n"
	      "  attach --tap NAME ... -- COMMAND  run COMMAND with vhost and tap fds\n"
	      "\n"
	      "-j prints JSON, -p pretty JSON (implies -j), -s adds counters to dev show.\n"
	      "Exit status: 0 success, 1 the operation failed, 2 bad usage.\n"
	      "See vhostctl(8).\n", f);
}

int main(int argc, char **argv)
{
	int i = 1;
	const char *obj;

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *o = argv[i];

		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (is_word(o, "-j", "--json", NULL)) {
			if (!json)
				json = 1;
		} else if (is_word(o, "-p", "--pretty", NULL)) {
			json = 2;
		} else if (is_word(o, "-s", "--stats", NULL)) {
			show_stats = true;
		} else if (is_word(o, "-V", "--version", NULL)) {
			printf("vhostctl %s (generic netlink family %s version %d)\n",
			       VHOSTCTL_VERSION, VHOST_ACCEL_GENL_NAME,
			       VHOST_ACCEL_GENL_VERSION);
			return EXIT_OK;
		} else if (is_word(o, "-h", "--help", NULL)) {
			usage(stdout);
			return EXIT_OK;
		} else {
			return usage_err("vhostctl help", "unknown option \"%s\"", o);
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	obj = argv[i];
	argc -= i + 1;
	argv += i + 1;
	if (!strcmp(obj, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(obj, "dev"))
		return cmd_dev(argc, argv);
	if (!strcmp(obj, "link"))
		return cmd_link(argc, argv);
	if (!strcmp(obj, "monitor"))
		return cmd_monitor(argc, argv);
	if (!strcmp(obj, "attach"))
		return cmd_attach(argc, argv);
	if (obj[0] == '-')
		return usage_err("vhostctl help", "unknown option \"%s\"", obj);
	return usage_err("vhostctl help", "Object \"%s\" not found", obj);
}
