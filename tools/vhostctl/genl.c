// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost_accel generic netlink family: resolve it, get or dump devices,
 * and the names of its enums.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "vhostctl.h"
#include <linux/vhost_accel.h>

struct nla_policy va_dev_policy[VHOST_ACCEL_A_MAX + 1] = {
	[VHOST_ACCEL_A_DEV_ID]		= { .type = NLA_U32 },
	[VHOST_ACCEL_A_OWNER_PID]	= { .type = NLA_U32 },
	[VHOST_ACCEL_A_OWNER_COMM]	= { .type = NLA_STRING },
	[VHOST_ACCEL_A_WORKER_PID]	= { .type = NLA_U32 },
	[VHOST_ACCEL_A_FEATURES]	= { .type = NLA_U64 },
	[VHOST_ACCEL_A_MEM_REGIONS]	= { .type = NLA_U32 },
	[VHOST_ACCEL_A_BACKEND_IFINDEX]	= { .type = NLA_U32 },
	[VHOST_ACCEL_A_BACKEND_IFNAME]	= { .type = NLA_STRING },
	[VHOST_ACCEL_A_BACKEND_KIND]	= { .type = NLA_U32 },
	[VHOST_ACCEL_A_DEV_QUEUES]	= { .type = NLA_NESTED },
	[VHOST_ACCEL_A_DEV_QUEUE]	= { .type = NLA_NESTED },
	[VHOST_ACCEL_A_QUEUE_INDEX]	= { .type = NLA_U32 },
	[VHOST_ACCEL_A_QUEUE_LAST_ERROR] = { .type = NLA_U32 },
	[VHOST_ACCEL_A_QUEUE_BROKEN]	= { .type = NLA_U8 },
};

static struct nla_policy va_queue_policy[VHOST_ACCEL_Q_MAX + 1] = {
	[VHOST_ACCEL_Q_INDEX]		= { .type = NLA_U32 },
	[VHOST_ACCEL_Q_SIZE]		= { .type = NLA_U32 },
	[VHOST_ACCEL_Q_LAST_AVAIL]	= { .type = NLA_U32 },
	[VHOST_ACCEL_Q_USED_IDX]	= { .type = NLA_U32 },
	[VHOST_ACCEL_Q_KICKS]		= { .type = NLA_U64 },
	[VHOST_ACCEL_Q_CALLS]		= { .type = NLA_U64 },
	[VHOST_ACCEL_Q_PACKETS]		= { .type = NLA_U64 },
	[VHOST_ACCEL_Q_BYTES]		= { .type = NLA_U64 },
	[VHOST_ACCEL_Q_DROPS]		= { .type = NLA_U64 },
	[VHOST_ACCEL_Q_ERRORS]		= { .type = NLA_U64 },
	[VHOST_ACCEL_Q_LAST_ERROR]	= { .type = NLA_U32 },
	[VHOST_ACCEL_Q_BUSYLOOP_TIMEOUT] = { .type = NLA_U32 },
	[VHOST_ACCEL_Q_BROKEN]		= { .type = NLA_U8 },
	[VHOST_ACCEL_Q_BACKEND_IFINDEX]	= { .type = NLA_U32 },
};

/* Explain a missing family: module not loaded, or loaded without netlink. */
static void family_missing(void)
{
	if (module_loaded())
		pr_err("the " VA_MODULE " module is loaded but has no generic netlink family \"%s\": it is older than this vhostctl; load a current build (rmmod %s; modprobe %s)",
		       VHOST_ACCEL_GENL_NAME, VA_MODULE, VA_MODULE);
	else
		pr_err("generic netlink family \"%s\" not found: load the module with 'modprobe %s'",
		       VHOST_ACCEL_GENL_NAME, VA_MODULE);
}

int va_genl_open(struct va_genl *g, bool quiet)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->sk = nl_socket_alloc();
	if (!g->sk) {
		if (!quiet)
			pr_err("out of memory");
		return EXIT_FAIL;
	}
	err = genl_connect(g->sk);
	if (err < 0) {
		if (!quiet)
			pr_err("cannot open a generic netlink socket: %s",
			       nl_geterror(err));
		goto fail;
	}
	nl_enable_extack(g->sk);
	g->family = genl_ctrl_resolve(g->sk, VHOST_ACCEL_GENL_NAME);
	if (g->family < 0) {
		if (!quiet) {
			if (g->family == -NLE_OBJ_NOTFOUND)
				family_missing();
			else
				pr_err("cannot resolve generic netlink family \"%s\": %s",
				       VHOST_ACCEL_GENL_NAME,
				       nl_geterror(g->family));
		}
		goto fail;
	}
	return EXIT_OK;
fail:
	nl_socket_free(g->sk);
	g->sk = NULL;
	return EXIT_FAIL;
}

void va_genl_close(struct va_genl *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	g->sk = NULL;
}

void va_dev_list_free(struct va_dev_list *list)
{
	unsigned int i;

	for (i = 0; i < list->n; i++)
		free(list->devs[i].queues);
	free(list->devs);
	list->devs = NULL;
	list->n = 0;
}

static int parse_queue(struct nlattr *attr, struct va_queue *q)
{
	struct nlattr *tb[VHOST_ACCEL_Q_MAX + 1];
	int err;

	err = nla_parse_nested(tb, VHOST_ACCEL_Q_MAX, attr, va_queue_policy);
	if (err < 0)
		return err;
	memset(q, 0, sizeof(*q));
#define Q32(a, f) do { if (tb[a]) q->f = nla_get_u32(tb[a]); } while (0)
#define Q64(a, f) do { if (tb[a]) q->f = nla_get_u64(tb[a]); } while (0)
	Q32(VHOST_ACCEL_Q_INDEX, index);
	Q32(VHOST_ACCEL_Q_SIZE, size);
	Q32(VHOST_ACCEL_Q_LAST_AVAIL, last_avail);
	Q32(VHOST_ACCEL_Q_USED_IDX, used_idx);
	Q32(VHOST_ACCEL_Q_LAST_ERROR, last_error);
	Q32(VHOST_ACCEL_Q_BUSYLOOP_TIMEOUT, busyloop_timeout);
	Q32(VHOST_ACCEL_Q_BACKEND_IFINDEX, backend_ifindex);
	Q64(VHOST_ACCEL_Q_KICKS, kicks);
	Q64(VHOST_ACCEL_Q_CALLS, calls);
	Q64(VHOST_ACCEL_Q_PACKETS, packets);
	Q64(VHOST_ACCEL_Q_BYTES, bytes);
	Q64(VHOST_ACCEL_Q_DROPS, drops);
	Q64(VHOST_ACCEL_Q_ERRORS, errors);
#undef Q32
#undef Q64
	if (tb[VHOST_ACCEL_Q_BROKEN])
		q->broken = nla_get_u8(tb[VHOST_ACCEL_Q_BROKEN]);
	return 0;
}

/* Fill dev from a parsed device message (or event); queues are allocated. */
int va_parse_dev(struct nlattr **tb, struct va_dev *dev)
{
	struct nlattr *a;
	int rem, n = 0;

	memset(dev, 0, sizeof(*dev));
	if (!tb[VHOST_ACCEL_A_DEV_ID])
		return -NLE_MISSING_ATTR;
	dev->id = nla_get_u32(tb[VHOST_ACCEL_A_DEV_ID]);
	if (tb[VHOST_ACCEL_A_OWNER_PID]) {
		dev->has_owner = true;
		dev->owner_pid = nla_get_u32(tb[VHOST_ACCEL_A_OWNER_PID]);
	}
	if (tb[VHOST_ACCEL_A_OWNER_COMM])
		nla_strlcpy(dev->owner_comm, tb[VHOST_ACCEL_A_OWNER_COMM],
			    sizeof(dev->owner_comm));
	if (tb[VHOST_ACCEL_A_WORKER_PID]) {
		dev->has_worker = true;
		dev->worker_pid = nla_get_u32(tb[VHOST_ACCEL_A_WORKER_PID]);
	}
	if (tb[VHOST_ACCEL_A_FEATURES]) {
		dev->has_features = true;
		dev->features = nla_get_u64(tb[VHOST_ACCEL_A_FEATURES]);
	}
	if (tb[VHOST_ACCEL_A_MEM_REGIONS])
		dev->mem_regions = nla_get_u32(tb[VHOST_ACCEL_A_MEM_REGIONS]);
	if (tb[VHOST_ACCEL_A_BACKEND_IFINDEX]) {
		dev->has_backend = true;
		dev->backend_ifindex =
			nla_get_u32(tb[VHOST_ACCEL_A_BACKEND_IFINDEX]);
	}
	if (tb[VHOST_ACCEL_A_BACKEND_IFNAME])
		nla_strlcpy(dev->backend_ifname,
			    tb[VHOST_ACCEL_A_BACKEND_IFNAME],
			    sizeof(dev->backend_ifname));
	if (tb[VHOST_ACCEL_A_BACKEND_KIND])
		dev->backend_kind = nla_get_u32(tb[VHOST_ACCEL_A_BACKEND_KIND]);
	if (!tb[VHOST_ACCEL_A_DEV_QUEUES])
		return 0;

	nla_for_each_nested(a, tb[VHOST_ACCEL_A_DEV_QUEUES], rem)
		if (nla_type(a) == VHOST_ACCEL_A_DEV_QUEUE)
			n++;
	if (!n)
		return 0;
	dev->queues = calloc(n, sizeof(*dev->queues));
	if (!dev->queues)
		return -NLE_NOMEM;
	nla_for_each_nested(a, tb[VHOST_ACCEL_A_DEV_QUEUES], rem) {
		if (nla_type(a) != VHOST_ACCEL_A_DEV_QUEUE)
			continue;
		if (parse_queue(a, &dev->queues[dev->nqueues]) == 0)
			dev->nqueues++;
	}
	return 0;
}

static int dev_msg(struct nl_msg *msg, void *arg)
{
	struct va_dev_list *list = arg;
	struct nlattr *tb[VHOST_ACCEL_A_MAX + 1];
	struct va_dev *devs;
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, VHOST_ACCEL_A_MAX,
			    va_dev_policy);
	if (err < 0 || !tb[VHOST_ACCEL_A_DEV_ID])
		return NL_SKIP;
	devs = realloc(list->devs, (list->n + 1) * sizeof(*devs));
	if (!devs)
		return NL_STOP;
	list->devs = devs;
	if (va_parse_dev(tb, &list->devs[list->n]) == 0)
		list->n++;
	return NL_OK;
}

int va_genl_get(struct va_genl *g, uint32_t id, struct va_dev_list *list,
		bool quiet)
{
	struct nl_msg *msg;
	int err, e;

	memset(list, 0, sizeof(*list));
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
				 id ? 0 : NLM_F_DUMP, VHOST_ACCEL_CMD_DEV_GET,
				 VHOST_ACCEL_GENL_VERSION) ||
	    (id && nla_put_u32(msg, VHOST_ACCEL_A_DEV_ID, id) < 0))
		err = -NLE_NOMEM;
	else
		err = nl_transact(g->sk, msg, dev_msg, list, &g->err);
	nlmsg_free(msg);
	if (err >= 0)
		return EXIT_OK;
	va_dev_list_free(list);
	if (quiet)
		return EXIT_FAIL;
	e = nl_errno(err, &g->err);
	if (id && e == ENOENT)
		pr_err("no device %" PRIu32 ": 'vhostctl dev show' lists the devices you may see (those of other users need CAP_NET_ADMIN)",
		       id);
	else if (e == EPERM || e == EACCES)
		pr_err("reading devices %s", perm_advice(e));
	else
		pr_err("reading devices failed: %s%s%s", strerror(e),
		       g->err.msg[0] ? ": " : "", g->err.msg);
	return EXIT_FAIL;
}

const char *va_queue_type(uint32_t index)
{
	return index & 1 ? "tx" : "rx";
}

const char *va_backend_kind_name(uint32_t kind)
{
	switch (kind) {
	case VHOST_ACCEL_BACKEND_NONE: return "none";
	case VHOST_ACCEL_BACKEND_TAP: return "tap";
	case VHOST_ACCEL_BACKEND_MACVTAP: return "macvtap";
	}
	return "unknown";
}

const char *va_error_name(uint32_t err, char *buf, size_t len)
{
	static const char *const names[] = {
		[VHOST_ACCEL_ERR_NONE] = "none",
		[VHOST_ACCEL_ERR_RING] = "ring",
		[VHOST_ACCEL_ERR_CHAIN] = "chain",
		[VHOST_ACCEL_ERR_MEMORY] = "memory",
		[VHOST_ACCEL_ERR_LOG] = "log",
		[VHOST_ACCEL_ERR_BACKEND] = "backend",
		[VHOST_ACCEL_ERR_TOO_BIG] = "too_big",
	};

	if (err < ARRAY_SIZE(names) && names[err])
		return names[err];
	snprintf(buf, len, "error%" PRIu32, err);
	return buf;
}

/* virtio feature bits (virtio_config.h, virtio_ring.h, virtio_net.h, vhost.h) */
static const char *const feature_names[64] = {
	[0] = "CSUM", [1] = "GUEST_CSUM", [2] = "CTRL_GUEST_OFFLOADS",
	[3] = "MTU", [5] = "MAC", [6] = "GSO", [7] = "GUEST_TSO4",
	[8] = "GUEST_TSO6", [9] = "GUEST_ECN", [10] = "GUEST_UFO",
	[11] = "HOST_TSO4", [12] = "HOST_TSO6", [13] = "HOST_ECN",
	[14] = "HOST_UFO", [15] = "MRG_RXBUF", [16] = "STATUS",
	[17] = "CTRL_VQ", [18] = "CTRL_RX", [19] = "CTRL_VLAN",
	[20] = "CTRL_RX_EXTRA", [21] = "GUEST_ANNOUNCE", [22] = "MQ",
	[23] = "CTRL_MAC_ADDR", [24] = "NOTIFY_ON_EMPTY", [26] = "LOG_ALL",
	[27] = "ANY_LAYOUT", [28] = "INDIRECT_DESC", [29] = "EVENT_IDX",
	[32] = "VERSION_1", [33] = "ACCESS_PLATFORM", [34] = "RING_PACKED",
	[35] = "IN_ORDER", [36] = "ORDER_PLATFORM", [37] = "SR_IOV",
	[38] = "NOTIFICATION_DATA", [40] = "RING_RESET",
};

void va_print_features(uint64_t features)
{
	char buf[16];
	bool first = true;
	int b;

	print_hex_u64(PRINT_ANY, "features", "features 0x%016" PRIx64,
		      features);
	open_json_array(PRINT_JSON, "feature_names");
	print_text(" <");
	for (b = 0; b < 64; b++) {
		const char *name = feature_names[b];

		if (!(features >> b & 1))
			continue;
		if (!name) {
			snprintf(buf, sizeof(buf), "bit%d", b);
			name = buf;
		}
		print_string(PRINT_ANY, NULL, first ? "%s" : ",%s", name);
		first = false;
	}
	print_text(">");
	close_json_array(PRINT_JSON, NULL);
}

void va_print_backend(uint32_t ifindex, const char *ifname, uint32_t kind)
{
	open_json_object("backend");
	print_string(PRINT_ANY, "ifname", "backend %s", ifname[0] ? ifname : "?");
	print_string(PRINT_ANY, "kind", " (%s", va_backend_kind_name(kind));
	print_uint(PRINT_ANY, "ifindex", ", ifindex %u)", ifindex);
	close_json_object();
}
