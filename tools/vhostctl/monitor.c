// SPDX-License-Identifier: GPL-2.0
/*
 * vhostctl monitor: the events of the vhost_accel multicast group, one line
 * (or one JSON document) each, as they arrive. Follows the family through a
 * module reload by listening to nlctrl's notifications too.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "vhostctl.h"
#include <linux/vhost_accel.h>

struct mon {
	struct nl_sock *sk;
	int family;		/* -1 while the family is not registered */
	int ctrl_notify;	/* nlctrl "notify" group, -1 if unknown */
	bool rejoin;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void monitor_usage(FILE *f)
{
	fputs("Usage: vhostctl [ -j | -p ] monitor\n"
	      "\n"
	      "Prints each event of the vhost_accel family as it happens, until\n"
	      "interrupted: new (a device was opened), owner, attach and detach\n"
	      "(a queue's backend), error (a queue hit a guest or memory error),\n"
	      "del (a device was released). With -j, one JSON object per line.\n", f);
}

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case VHOST_ACCEL_CMD_DEV_NEW: return "new";
	case VHOST_ACCEL_CMD_DEV_OWNER: return "owner";
	case VHOST_ACCEL_CMD_BACKEND_ATTACH: return "attach";
	case VHOST_ACCEL_CMD_BACKEND_DETACH: return "detach";
	case VHOST_ACCEL_CMD_QUEUE_ERROR: return "error";
	case VHOST_ACCEL_CMD_DEV_DEL: return "del";
	}
	return NULL;
}

static void print_event_queue(struct nlattr **tb)
{
	uint32_t q;

	if (!tb[VHOST_ACCEL_A_QUEUE_INDEX])
		return;
	q = nla_get_u32(tb[VHOST_ACCEL_A_QUEUE_INDEX]);
	print_uint(PRINT_ANY, "queue", " queue %u", q);
	print_string(PRINT_ANY, "queue_type", " %s", va_queue_type(q));
}

static int va_event(struct nlmsghdr *nlh)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[VHOST_ACCEL_A_MAX + 1];
	const char *name = event_name(gh->cmd);
	char buf[16];
	uint32_t kind;

	if (!name)
		return NL_SKIP;	/* a newer kernel's event: ignore it */
	if (genlmsg_parse(nlh, 0, tb, VHOST_ACCEL_A_MAX, va_dev_policy) < 0 ||
	    !tb[VHOST_ACCEL_A_DEV_ID])
		return NL_SKIP;

	new_json_obj(json);
	open_json_object(NULL);
	print_string(PRINT_ANY, "event", "%s", name);
	print_uint(PRINT_ANY, "id", " dev %u", nla_get_u32(tb[VHOST_ACCEL_A_DEV_ID]));
	print_event_queue(tb);
	switch (gh->cmd) {
	case VHOST_ACCEL_CMD_DEV_OWNER:
		if (tb[VHOST_ACCEL_A_OWNER_PID])
			print_uint(PRINT_ANY, "owner_pid", " pid %u",
				   nla_get_u32(tb[VHOST_ACCEL_A_OWNER_PID]));
		if (tb[VHOST_ACCEL_A_OWNER_COMM])
			print_string(PRINT_ANY, "owner_comm", " (%s)",
				     nla_get_string(tb[VHOST_ACCEL_A_OWNER_COMM]));
		if (tb[VHOST_ACCEL_A_WORKER_PID])
			print_uint(PRINT_ANY, "worker_pid", " worker %u",
				   nla_get_u32(tb[VHOST_ACCEL_A_WORKER_PID]));
		break;
	case VHOST_ACCEL_CMD_BACKEND_ATTACH:
		kind = tb[VHOST_ACCEL_A_BACKEND_KIND] ?
		       nla_get_u32(tb[VHOST_ACCEL_A_BACKEND_KIND]) : 0;
		if (tb[VHOST_ACCEL_A_BACKEND_IFINDEX]) {
			char ifname[IF_NAMESIZE] = "";

			if (tb[VHOST_ACCEL_A_BACKEND_IFNAME])
				nla_strlcpy(ifname, tb[VHOST_ACCEL_A_BACKEND_IFNAME],
					    sizeof(ifname));
			print_text(" ");
			va_print_backend(nla_get_u32(tb[VHOST_ACCEL_A_BACKEND_IFINDEX]),
					 ifname, kind);
		} else {
			print_string(PRINT_ANY, "backend_kind", " backend %s",
				     va_backend_kind_name(kind));
		}
		break;
	case VHOST_ACCEL_CMD_QUEUE_ERROR:
		if (tb[VHOST_ACCEL_A_QUEUE_LAST_ERROR])
			print_string(PRINT_ANY, "last_error", " %s",
				     va_error_name(nla_get_u32(tb[VHOST_ACCEL_A_QUEUE_LAST_ERROR]),
						   buf, sizeof(buf)));
		if (tb[VHOST_ACCEL_A_QUEUE_BROKEN])
			print_bool(PRINT_ANY, "broken", " (queue stopped)",
				   nla_get_u8(tb[VHOST_ACCEL_A_QUEUE_BROKEN]));
		break;
	}
	close_json_object();
	delete_json_obj();
	print_nl();
	fflush(stdout);
	return NL_OK;
}

static void family_event(struct mon *m, const char *what)
{
	new_json_obj(json);
	open_json_object(NULL);
	print_string(PRINT_ANY, "event", "%s", what);
	print_string(PRINT_ANY, "family", " family %s", VHOST_ACCEL_GENL_NAME);
	print_text("%s", m->family < 0 ?
		   " (module unloaded; waiting for it to return)" :
		   " (module loaded)");
	close_json_object();
	delete_json_obj();
	print_nl();
	fflush(stdout);
}

/* nlctrl: the family came or went */
static int ctrl_event(struct mon *m, struct nlmsghdr *nlh)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (gh->cmd != CTRL_CMD_NEWFAMILY && gh->cmd != CTRL_CMD_DELFAMILY)
		return NL_SKIP;
	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		   VHOST_ACCEL_GENL_NAME))
		return NL_SKIP;
	if (gh->cmd == CTRL_CMD_DELFAMILY) {
		if (m->family >= 0) {
			m->family = -1;
			family_event(m, "family_del");
		}
	} else {
		/* resolving needs this socket: do it outside the callback */
		m->rejoin = true;
	}
	return NL_OK;
}

static int mon_msg(struct nl_msg *msg, void *arg)
{
	struct mon *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return ctrl_event(m, nlh);
	if (m->family >= 0 && nlh->nlmsg_type == m->family)
		return va_event(nlh);
	return NL_SKIP;
}

/* Resolve the family and join its events group; quiet when rejoining. */
static int join(struct mon *m, bool quiet)
{
	struct nl_sock *sk;
	int family, grp, err;

	/* a second socket: the monitor's own one is non-blocking */
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk) < 0) {
		if (sk)
			nl_socket_free(sk);
		pr_err("cannot open a generic netlink socket");
		return -1;
	}
	family = genl_ctrl_resolve(sk, VHOST_ACCEL_GENL_NAME);
	grp = family < 0 ? family :
	      genl_ctrl_resolve_grp(sk, VHOST_ACCEL_GENL_NAME,
				    VHOST_ACCEL_GENL_MCGRP_EVENTS);
	if (m->ctrl_notify < 0)
		m->ctrl_notify = genl_ctrl_resolve_grp(sk, "nlctrl", "notify");
	nl_socket_free(sk);
	if (family < 0 || grp < 0) {
		if (!quiet) {
			struct va_genl g;

			/* let va_genl_open() explain why */
			if (va_genl_open(&g, false) == EXIT_OK) {
				va_genl_close(&g);
				pr_err("the %s family has no \"%s\" multicast group: %s",
				       VHOST_ACCEL_GENL_NAME,
				       VHOST_ACCEL_GENL_MCGRP_EVENTS,
				       nl_geterror(grp));
			}
		}
		return -1;
	}
	err = nl_socket_add_membership(m->sk, grp);
	if (err < 0) {
		int e = nl_errno(err, NULL);

		if (perm_advice(e))
			pr_err("listening to %s events %s",
			       VHOST_ACCEL_GENL_NAME, perm_advice(e));
		else
			pr_err("cannot join the %s events group: %s",
			       VHOST_ACCEL_GENL_NAME, nl_geterror(err));
		return -1;
	}
	m->family = family;
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct mon m = { .family = -1, .ctrl_notify = -1 };
	struct pollfd pfd;
	int ret = EXIT_FAIL, err;

	if (argc > 0 && is_help(argv[0])) {
		monitor_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 0)
		return usage_err("vhostctl monitor help",
				 "unexpected argument \"%s\"", argv[0]);

	m.sk = nl_socket_alloc();
	if (!m.sk) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	nl_socket_disable_seq_check(m.sk);
	nl_socket_modify_cb(m.sk, NL_CB_VALID, NL_CB_CUSTOM, mon_msg, &m);
	err = genl_connect(m.sk);
	if (err < 0) {
		pr_err("cannot open a generic netlink socket: %s",
		       nl_geterror(err));
		goto out;
	}
	nl_socket_set_buffer_size(m.sk, 1 << 20, 0);
	if (join(&m, false))
		goto out;
	if (m.ctrl_notify >= 0)
		nl_socket_add_membership(m.sk, m.ctrl_notify);
	nl_socket_set_nonblocking(m.sk);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	pfd.fd = nl_socket_get_fd(m.sk);
	pfd.events = POLLIN;
	ret = EXIT_OK;
	while (!stop) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			ret = EXIT_FAIL;
			break;
		}
		err = nl_recvmsgs_default(m.sk);
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, events were lost */
			pr_err("warning: events were lost (receive buffer overrun)");
		} else if (err < 0 && err != -NLE_AGAIN && err != -NLE_INTR) {
			pr_err("receiving events failed: %s", nl_geterror(err));
			ret = EXIT_FAIL;
			break;
		}
		if (m.rejoin) {
			m.rejoin = false;
			if (m.family < 0 && join(&m, true) == 0)
				family_event(&m, "family_new");
		}
	}
out:
	nl_socket_free(m.sk);
	return ret;
}
