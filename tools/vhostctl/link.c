// SPDX-License-Identifier: GPL-2.0
/*
 * vhostctl link: tap and macvtap links. Taps are made the way tun wants
 * (/dev/net/tun, TUNSETIFF, TUNSETPERSIST: rtnetlink cannot create them),
 * macvtaps through rtnetlink with libnl-route; both are read back with
 * RTM_GETLINK, so a link made by ip(8) is seen here and the other way round.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvtap.h>

#include "vhostctl.h"

#ifndef IFF_UP
#define IFF_UP 0x1
#endif

static struct nl_errinfo rt_err;

static void link_usage(FILE *f)
{
	fputs("Usage: vhostctl [ -j | -p ] link show [ NAME ]   (alias: s, list)\n"
	      "       vhostctl link add NAME type tap [ multi_queue ] [ vnet_hdr ]\n"
	      "                                       [ user USER ] [ group GROUP ]\n"
	      "       vhostctl link add NAME type macvtap link DEV\n"
	      "                                       [ mode { bridge | vepa | private | passthru } ]\n"
	      "       vhostctl link del NAME   (alias: delete)\n"
	      "       vhostctl link help\n"
	      "\n"
	      "show  the tap, macvtap and ipvtap links (or link NAME, any kind), with\n"
	      "      the vhost-accel devices that use them.\n"
	      "add   a persistent tap, or a macvtap on DEV (default mode: the kernel's,\n"
	      "      vepa). A tap with USER or GROUP may be attached by them (and root)\n"
	      "      only; without either, by anyone who may open /dev/net/tun.\n"
	      "del   a tap or macvtap link (others are left to 'ip link del').\n", f);
}

struct nl_sock *rtnl_open(struct nl_errinfo *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		pr_err("out of memory");
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		pr_err("cannot open an rtnetlink socket: %s", nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	nl_enable_extack(sk);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, nl_err_cb, e ? e : &rt_err);
	return sk;
}

static struct nla_policy tun_policy[IFLA_TUN_MAX + 1] = {
	[IFLA_TUN_OWNER] = { .type = NLA_U32 },
	[IFLA_TUN_GROUP] = { .type = NLA_U32 },
	[IFLA_TUN_TYPE] = { .type = NLA_U8 },
	[IFLA_TUN_PI] = { .type = NLA_U8 },
	[IFLA_TUN_VNET_HDR] = { .type = NLA_U8 },
	[IFLA_TUN_PERSIST] = { .type = NLA_U8 },
	[IFLA_TUN_MULTI_QUEUE] = { .type = NLA_U8 },
	[IFLA_TUN_NUM_QUEUES] = { .type = NLA_U32 },
	[IFLA_TUN_NUM_DISABLED_QUEUES] = { .type = NLA_U32 },
};

static void parse_tun(struct nlattr *data, struct link_info *li)
{
	struct nlattr *tb[IFLA_TUN_MAX + 1];

	if (nla_parse_nested(tb, IFLA_TUN_MAX, data, tun_policy) < 0)
		return;
	li->tun_info = true;
	if (tb[IFLA_TUN_TYPE])
		li->tun_type = nla_get_u8(tb[IFLA_TUN_TYPE]);
	if (tb[IFLA_TUN_PI])
		li->pi = nla_get_u8(tb[IFLA_TUN_PI]);
	if (tb[IFLA_TUN_VNET_HDR])
		li->vnet_hdr = nla_get_u8(tb[IFLA_TUN_VNET_HDR]);
	if (tb[IFLA_TUN_PERSIST])
		li->persist = nla_get_u8(tb[IFLA_TUN_PERSIST]);
	if (tb[IFLA_TUN_MULTI_QUEUE])
		li->multi_queue = nla_get_u8(tb[IFLA_TUN_MULTI_QUEUE]);
	if (tb[IFLA_TUN_OWNER]) {
		li->has_owner = true;
		li->owner = nla_get_u32(tb[IFLA_TUN_OWNER]);
	}
	if (tb[IFLA_TUN_GROUP]) {
		li->has_group = true;
		li->group = nla_get_u32(tb[IFLA_TUN_GROUP]);
	}
	if (tb[IFLA_TUN_NUM_QUEUES])
		li->num_queues = nla_get_u32(tb[IFLA_TUN_NUM_QUEUES]);
	if (tb[IFLA_TUN_NUM_DISABLED_QUEUES])
		li->num_disabled_queues =
			nla_get_u32(tb[IFLA_TUN_NUM_DISABLED_QUEUES]);
}

static int parse_link(struct nlmsghdr *nlh, struct link_info *li)
{
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct nlattr *data[IFLA_MACVLAN_MAX + 1];

	memset(li, 0, sizeof(*li));
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_IFNAME])
		return -EINVAL;
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	nla_strlcpy(li->name, tb[IFLA_IFNAME], sizeof(li->name));
	if (tb[IFLA_OPERSTATE])
		li->operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_LINK] && nla_len(tb[IFLA_LINK]) >= 4)
		li->link = nla_get_u32(tb[IFLA_LINK]);
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 ||
	    !info[IFLA_INFO_KIND])
		return 0;
	nla_strlcpy(li->kind, info[IFLA_INFO_KIND], sizeof(li->kind));
	if (!info[IFLA_INFO_DATA])
		return 0;
	if (!strcmp(li->kind, "tun")) {
		parse_tun(info[IFLA_INFO_DATA], li);
	} else if (!strcmp(li->kind, "macvtap") || !strcmp(li->kind, "ipvtap")) {
		if (nla_parse_nested(data, IFLA_MACVLAN_MAX, info[IFLA_INFO_DATA],
				     NULL) < 0)
			return 0;
		/* IFLA_MACVLAN_MODE and IFLA_IPVLAN_MODE are both type 1 */
		if (data[IFLA_MACVLAN_MODE]) {
			li->has_mode = true;
			li->mode = nla_len(data[IFLA_MACVLAN_MODE]) >= 4 ?
				   nla_get_u32(data[IFLA_MACVLAN_MODE]) :
				   nla_get_u16(data[IFLA_MACVLAN_MODE]);
		}
	}
	return 0;
}

bool link_is_tap(const struct link_info *li)
{
	return !strcmp(li->kind, "tun") && li->tun_info &&
	       li->tun_type == IFF_TAP;
}

bool link_is_macvtap(const struct link_info *li)
{
	return !strcmp(li->kind, "macvtap") || !strcmp(li->kind, "ipvtap");
}

struct link_req {
	int (*fn)(struct link_info *li, void *arg);
	void *arg;
	struct link_info *one;
	int found;
};

static int link_msg(struct nl_msg *msg, void *arg)
{
	struct link_req *r = arg;
	struct link_info li;

	if (parse_link(nlmsg_hdr(msg), &li))
		return NL_SKIP;
	r->found++;
	if (r->one)
		*r->one = li;
	else if (r->fn)
		r->fn(&li, r->arg);
	return NL_OK;
}

/* RTM_GETLINK: one link by name, or a dump through r->fn */
static int link_request(struct nl_sock *sk, const char *name,
			struct link_req *r)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(RTM_GETLINK, name ? 0 : NLM_F_DUMP);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (name && nla_put_string(msg, IFLA_IFNAME, name) < 0))
		err = -ENOMEM;
	else
		err = nl_transact(sk, msg, link_msg, r, &rt_err);
	if (err < 0 && err != -ENOMEM)
		err = -nl_errno(err, &rt_err);
	nlmsg_free(msg);
	return err;
}

int link_lookup(struct nl_sock *sk, const char *name, struct link_info *li)
{
	struct link_req r = { .one = li };
	int err;

	err = link_request(sk, name, &r);
	if (!err && !r.found)
		err = -ENODEV;
	return err;
}

static const char *macvtap_mode_name(uint32_t mode)
{
	switch (mode) {
	case MACVLAN_MODE_PRIVATE: return "private";
	case MACVLAN_MODE_VEPA: return "vepa";
	case MACVLAN_MODE_BRIDGE: return "bridge";
	case MACVLAN_MODE_PASSTHRU: return "passthru";
	case MACVLAN_MODE_SOURCE: return "source";
	}
	return "unknown";
}

static const char *ipvtap_mode_name(uint32_t mode)
{
	switch (mode) {
	case IPVLAN_MODE_L2: return "l2";
	case IPVLAN_MODE_L3: return "l3";
	case IPVLAN_MODE_L3S: return "l3s";
	}
	return "unknown";
}

static const char *operstate_name(uint8_t s)
{
	static const char *const names[] = {
		"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
		"TESTING", "DORMANT", "UP",
	};

	return s < ARRAY_SIZE(names) ? names[s] : "UNKNOWN";
}

struct show_ctx {
	bool all;		/* show every link, not only tap kinds */
	struct va_dev_list devs;
	bool have_devs;
};

static void print_users(const struct show_ctx *c, int ifindex)
{
	unsigned int i, j;
	bool first = true;

	if (!c->have_devs)
		return;
	open_json_array(PRINT_JSON, "vhost_devs");
	for (i = 0; i < c->devs.n; i++) {
		const struct va_dev *d = &c->devs.devs[i];
		bool uses = d->has_backend && (int)d->backend_ifindex == ifindex;

		for (j = 0; j < d->nqueues && !uses; j++)
			uses = (int)d->queues[j].backend_ifindex == ifindex;
		if (!uses)
			continue;
		print_uint(PRINT_ANY, NULL, first ? " vhost dev %u" : ",%u",
			   d->id);
		first = false;
	}
	close_json_array(PRINT_JSON, NULL);
}

static int print_link(struct link_info *li, void *arg)
{
	struct show_ctx *c = arg;
	char lower[IF_NAMESIZE], path[32];
	bool tap = link_is_tap(li), mvt = link_is_macvtap(li);

	if (!c->all && !tap && !mvt && strcmp(li->kind, "tun"))
		return 0;
	open_json_object(NULL);
	print_uint(PRINT_ANY, "ifindex", "%u: ", li->ifindex);
	print_string(PRINT_ANY, "ifname", "%s", li->name);
	if (li->link && if_indextoname(li->link, lower)) {
		print_string(PRINT_ANY, "link", "@%s", lower);
		print_uint(PRINT_JSON, "link_ifindex", NULL, li->link);
	}
	print_text(":");
	if (!strcmp(li->kind, "tun") && li->tun_info)
		print_string(PRINT_ANY, "kind", " %s",
			     li->tun_type == IFF_TAP ? "tap" : "tun");
	else
		print_string(PRINT_ANY, "kind", " %s",
			     li->kind[0] ? li->kind : "none");
	if (!strcmp(li->kind, "tun") && li->tun_info) {
		print_bool(PRINT_ANY, "pi", " pi", li->pi);
		print_bool(PRINT_ANY, "vnet_hdr", " vnet_hdr", li->vnet_hdr);
		print_bool(PRINT_ANY, "multi_queue", " multi_queue",
			   li->multi_queue);
		print_bool(PRINT_ANY, "persist", " persist", li->persist);
		print_uint(PRINT_ANY, "queues", " queues %u", li->num_queues);
		if (li->num_disabled_queues)
			print_uint(PRINT_ANY, "disabled_queues",
				   " (%u disabled)", li->num_disabled_queues);
		if (li->has_owner) {
			struct passwd *pw = getpwuid(li->owner);

			print_uint(PRINT_JSON, "owner", NULL, li->owner);
			if (pw)
				print_string(PRINT_FP, NULL, " user %s", pw->pw_name);
			else
				print_uint(PRINT_FP, NULL, " user %u", li->owner);
		}
		if (li->has_group) {
			struct group *gr = getgrgid(li->group);

			print_uint(PRINT_JSON, "group", NULL, li->group);
			if (gr)
				print_string(PRINT_FP, NULL, " group %s", gr->gr_name);
			else
				print_uint(PRINT_FP, NULL, " group %u", li->group);
		}
	} else if (mvt) {
		if (li->has_mode)
			print_string(PRINT_ANY, "mode", " mode %s",
				     !strcmp(li->kind, "macvtap") ?
				     macvtap_mode_name(li->mode) :
				     ipvtap_mode_name(li->mode));
		snprintf(path, sizeof(path), "/dev/tap%d", li->ifindex);
		print_string(PRINT_ANY, "chardev", " chardev %s", path);
	}
	print_string(PRINT_ANY, "operstate", " state %s",
		     operstate_name(li->operstate));
	print_users(c, li->ifindex);
	print_nl();
	close_json_object();
	return 0;
}

static int link_show(int argc, char **argv)
{
	struct show_ctx c = { .all = argc > 0 };
	struct link_req r = { .fn = print_link, .arg = &c };
	struct link_info li;
	struct nl_sock *sk;
	struct va_genl g;
	int err;

	if (argc > 0 && is_help(argv[0])) {
		link_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 1)
		return usage_err("vhostctl link help",
				 "unexpected argument \"%s\"", argv[1]);
	if (argc > 0 && !valid_ifname(argv[0]))
		return usage_err("vhostctl link help",
				 "invalid link name \"%s\"", argv[0]);
	sk = rtnl_open(NULL);
	if (!sk)
		return EXIT_FAIL;
	/* which vhost-accel devices use a link: best effort */
	if (va_genl_open(&g, true) == EXIT_OK) {
		c.have_devs = !va_genl_get(&g, 0, &c.devs, true);
		va_genl_close(&g);
	}
	if (argc > 0) {
		err = link_lookup(sk, argv[0], &li);
		if (err == -ENODEV) {
			pr_err("no such link \"%s\": see 'vhostctl link show' or 'ip link show'",
			       argv[0]);
			goto fail;
		}
	} else {
		err = 0;
	}
	if (err) {
		pr_err("reading links failed: %s", strerror(-err));
		goto fail;
	}
	new_json_obj(json);
	open_json_array(PRINT_JSON, NULL);
	if (argc > 0)
		print_link(&li, &c);
	else
		err = link_request(sk, NULL, &r);
	close_json_array(PRINT_JSON, NULL);
	delete_json_obj();
	if (err) {
		pr_err("reading links failed: %s", strerror(-err));
		goto fail;
	}
	va_dev_list_free(&c.devs);
	nl_socket_free(sk);
	return EXIT_OK;
fail:
	va_dev_list_free(&c.devs);
	nl_socket_free(sk);
	return EXIT_FAIL;
}

/* A link operation failed with errno err: say what to do about it. */
static int link_fail(const char *what, const char *name, int err)
{
	const char *msg = rt_err.error == err ? rt_err.msg : "";

	if (perm_advice(err))
		pr_err("%s %s: %s", what, name, perm_advice(err));
	else if (err == EEXIST)
		pr_err("%s %s: a link with that name already exists (see 'vhostctl link show %s'; remove it with 'vhostctl link del %s')",
		       what, name, name, name);
	else if (err == ENODEV)
		pr_err("%s %s: no such link", what, name);
	else
		pr_err("%s %s failed: %s%s%s", what, name, strerror(err),
		       msg[0] ? ": " : "", msg);
	return EXIT_FAIL;
}

static int parse_user(const char *s, uint32_t *uid)
{
	struct passwd *pw;

	if (!parse_u32(s, uid))
		return 0;
	pw = getpwnam(s);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

static int parse_group(const char *s, uint32_t *gid)
{
	struct group *gr;

	if (!parse_u32(s, gid))
		return 0;
	gr = getgrnam(s);
	if (!gr)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

struct add_opts {
	const char *name;
	bool tap;
	/* tap */
	bool mq, vnet, has_uid, has_gid;
	uint32_t uid, gid;
	/* macvtap */
	const char *lower;
	int mode;
};

static int parse_tap_args(struct add_opts *o, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "multi_queue")) {
			o->mq = true;
		} else if (!strcmp(argv[i], "vnet_hdr")) {
			o->vnet = true;
		} else if (!strcmp(argv[i], "user") || !strcmp(argv[i], "group")) {
			bool user = argv[i][0] == 'u';

			if (i + 1 >= argc)
				return usage_err("vhostctl link help",
						 "%s needs a name or number", argv[i]);
			i++;
			if (user ? parse_user(argv[i], &o->uid) :
				   parse_group(argv[i], &o->gid))
				return usage_err("vhostctl link help",
						 "no such %s \"%s\"",
						 user ? "user" : "group", argv[i]);
			if (user)
				o->has_uid = true;
			else
				o->has_gid = true;
		} else {
			return usage_err("vhostctl link help",
					 "unknown argument \"%s\" for type tap (known: multi_queue vnet_hdr user group)",
					 argv[i]);
		}
	}
	return 0;
}

static int parse_macvtap_args(struct add_opts *o, int argc, char **argv)
{
	int i;

	o->mode = -1;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "link") && strcmp(argv[i], "mode"))
			return usage_err("vhostctl link help",
					 "unknown argument \"%s\" for type macvtap (known: link mode)",
					 argv[i]);
		if (i + 1 >= argc)
			return usage_err("vhostctl link help",
					 "%s needs a value", argv[i]);
		if (argv[i++][0] == 'l') {
			o->lower = argv[i];
			if (!valid_ifname(o->lower))
				return usage_err("vhostctl link help",
						 "invalid link name \"%s\"", o->lower);
		} else if (!strcmp(argv[i], "bridge")) {
			o->mode = MACVLAN_MODE_BRIDGE;
		} else if (!strcmp(argv[i], "vepa")) {
			o->mode = MACVLAN_MODE_VEPA;
		} else if (!strcmp(argv[i], "private")) {
			o->mode = MACVLAN_MODE_PRIVATE;
		} else if (!strcmp(argv[i], "passthru")) {
			o->mode = MACVLAN_MODE_PASSTHRU;
		} else {
			return usage_err("vhostctl link help",
					 "invalid mode \"%s\" (known: bridge vepa private passthru)",
					 argv[i]);
		}
	}
	if (!o->lower)
		return usage_err("vhostctl link help",
				 "type macvtap needs \"link DEV\", the device it sits on");
	return 0;
}

static int tap_add(const struct add_opts *o)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT || err == ENODEV || err == ENXIO)
			pr_err("creating tap %s: /dev/net/tun not found: load the tun module with 'modprobe tun'",
			       o->name);
		else
			link_fail("creating tap", o->name, err);
		return EXIT_FAIL;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (o->mq ? IFF_MULTI_QUEUE : 0) |
			(o->vnet ? IFF_VNET_HDR : 0);
	/* until TUNSETPERSIST, closing fd removes the tap again */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		link_fail("creating tap", o->name, errno);
		goto fail;
	}
	if (o->has_uid && ioctl(fd, TUNSETOWNER, (unsigned long)o->uid) < 0) {
		link_fail("setting the user of tap", o->name, errno);
		goto fail;
	}
	if (o->has_gid && ioctl(fd, TUNSETGROUP, (unsigned long)o->gid) < 0) {
		link_fail("setting the group of tap", o->name, errno);
		goto fail;
	}
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		link_fail("making persistent tap", o->name, errno);
		goto fail;
	}
	close(fd);
	return EXIT_OK;
fail:
	close(fd);
	return EXIT_FAIL;
}

static int macvtap_add(struct nl_sock *sk, const struct add_opts *o)
{
	struct link_info li;
	struct rtnl_link *link;
	int err;

	err = link_lookup(sk, o->lower, &li);
	if (err == -ENODEV) {
		pr_err("creating macvtap %s: no such link \"%s\" (the device to put it on): see 'ip link show'",
		       o->name, o->lower);
		return EXIT_FAIL;
	} else if (err) {
		return link_fail("creating macvtap", o->name, -err);
	}

	link = rtnl_link_macvtap_alloc();
	if (!link) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	rtnl_link_set_name(link, o->name);
	rtnl_link_set_link(link, li.ifindex);
	if (o->mode >= 0)
		rtnl_link_macvtap_set_mode(link, o->mode);
	nl_errinfo_reset(&rt_err);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (err < 0) {
		int e = nl_errno(err, &rt_err);

		if (e == EOPNOTSUPP && !rt_err.msg[0])
			pr_err("creating macvtap %s: the kernel cannot make macvtap links: load the module with 'modprobe macvtap'",
			       o->name);
		else
			link_fail("creating macvtap", o->name, e);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int link_add(int argc, char **argv)
{
	struct add_opts o = { 0 };
	struct link_info li;
	struct nl_sock *sk;
	int ret, err;

	if (argc > 0 && is_help(argv[0])) {
		link_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 1)
		return usage_err("vhostctl link help",
				 "link add needs a NAME and \"type tap\" or \"type macvtap\"");
	o.name = argv[0];
	if (!valid_ifname(o.name))
		return usage_err("vhostctl link help",
				 "invalid link name \"%s\" (1 to %d characters, no '/', ':' or spaces)",
				 o.name, IF_NAMESIZE - 1);
	if (argc < 3 || strcmp(argv[1], "type"))
		return usage_err("vhostctl link help",
				 "link add %s needs \"type tap\" or \"type macvtap\"",
				 o.name);
	if (!strcmp(argv[2], "tap"))
		o.tap = true;
	else if (strcmp(argv[2], "macvtap"))
		return usage_err("vhostctl link help",
				 "unknown link type \"%s\" (known: tap macvtap)",
				 argv[2]);
	ret = o.tap ? parse_tap_args(&o, argc - 3, argv + 3) :
		      parse_macvtap_args(&o, argc - 3, argv + 3);
	if (ret)
		return ret;

	sk = rtnl_open(NULL);
	if (!sk)
		return EXIT_FAIL;
	/* TUNSETIFF would quietly attach to an existing tap: refuse first */
	err = link_lookup(sk, o.name, &li);
	if (!err)
		ret = link_fail(o.tap ? "creating tap" : "creating macvtap",
				o.name, EEXIST);
	else if (o.tap)
		ret = tap_add(&o);
	else
		ret = macvtap_add(sk, &o);
	nl_socket_free(sk);
	return ret;
}

static int tap_unpersist(const char *name)
{
	struct ifreq ifr;
	int fd, ret = -1;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		/* a multi_queue tap only takes a matching TUNSETIFF */
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			goto out;
	}
	if (ioctl(fd, TUNSETPERSIST, 0UL) < 0)
		goto out;
	ret = 0;
out:
	if (ret)
		ret = -errno;
	close(fd);
	return ret;
}

static int link_del(int argc, char **argv)
{
	struct rtnl_link *link;
	struct link_info li;
	struct nl_sock *sk;
	const char *name;
	int ret = EXIT_FAIL, err;

	if (argc > 0 && is_help(argv[0])) {
		link_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 1)
		return usage_err("vhostctl link help", "link del needs a NAME");
	if (argc > 1)
		return usage_err("vhostctl link help",
				 "unexpected argument \"%s\"", argv[1]);
	name = argv[0];
	if (!valid_ifname(name))
		return usage_err("vhostctl link help",
				 "invalid link name \"%s\"", name);

	sk = rtnl_open(NULL);
	if (!sk)
		return EXIT_FAIL;
	err = link_lookup(sk, name, &li);
	if (err == -ENODEV) {
		pr_err("deleting %s: no such link (see 'vhostctl link show')",
		       name);
		goto out;
	} else if (err) {
		link_fail("deleting", name, -err);
		goto out;
	}
	if (!link_is_tap(&li) && !link_is_macvtap(&li)) {
		pr_err("deleting %s: it is a %s link, not a tap or macvtap: use 'ip link del %s' if you mean it",
		       name, li.kind[0] ? li.kind : "physical", name);
		goto out;
	}

	link = rtnl_link_alloc();
	if (!link) {
		pr_err("out of memory");
		goto out;
	}
	rtnl_link_set_ifindex(link, li.ifindex);
	nl_errinfo_reset(&rt_err);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (err < 0) {
		int e = nl_errno(err, &rt_err);

		/* old kernels: a tap goes away when it stops being persistent */
		if (e == EOPNOTSUPP && link_is_tap(&li))
			e = -tap_unpersist(name);
		if (e) {
			link_fail("deleting", name, e);
			goto out;
		}
	}
	ret = EXIT_OK;
out:
	nl_socket_free(sk);
	return ret;
}

int cmd_link(int argc, char **argv)
{
	if (argc == 0 || is_word(argv[0], "show", "s", "list"))
		return link_show(argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "add"))
		return link_add(argc - 1, argv + 1);
	if (is_word(argv[0], "del", "delete", NULL))
		return link_del(argc - 1, argv + 1);
	if (is_help(argv[0])) {
		link_usage(stdout);
		return EXIT_OK;
	}
	return cmd_not_found(argv[0], "vhostctl link help");
}
