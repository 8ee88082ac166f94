/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhostctl: shared declarations of the command modules.
 */
#ifndef VHOSTCTL_H
#define VHOSTCTL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>

#include "json_print.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define VA_DEVICE_PATH	"/dev/vhost-accel"
#define VA_MODULE	"vhost_accel"

/* Global options. */
extern int json;		/* 0, 1 (-j) or 2 (-p) */
extern bool show_stats;	/* -s */

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_err(const char *help_cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cmd_not_found(const char *word, const char *help_cmd);
bool is_word(const char *arg, const char *word, const char *alias1,
	     const char *alias2);
bool is_help(const char *arg);
int parse_u32(const char *s, uint32_t *val);
bool valid_ifname(const char *name);
/* "needs CAP_NET_ADMIN (run as root)" advice for EPERM/EACCES, else NULL */
const char *perm_advice(int err);
bool module_loaded(void);

/* netlink errors with the kernel's extended ack message */
struct nl_errinfo {
	int error;		/* positive errno from the kernel, 0 if none */
	char msg[256];		/* extack message, "" if none */
};

void nl_errinfo_reset(struct nl_errinfo *e);
int nl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *nlerr, void *arg);
void nl_enable_extack(struct nl_sock *sk);
/* send msg, read the answer to its end; a negative libnl error on failure */
int nl_transact(struct nl_sock *sk, struct nl_msg *msg,
		nl_recvmsg_msg_cb_t valid, void *arg, struct nl_errinfo *e);
/* the errno behind a libnl error code when the kernel did not give one */
int nl_errno(int nlerr, const struct nl_errinfo *e);

/* generic netlink: the vhost_accel family */
struct va_queue {
	uint32_t index;
	uint32_t size;
	uint32_t last_avail;
	uint32_t used_idx;
	uint32_t last_error;
	uint32_t busyloop_timeout;
	uint32_t backend_ifindex;
	bool broken;
	uint64_t kicks;
	uint64_t calls;
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops;
	uint64_t errors;
};

struct va_dev {
	uint32_t id;
	bool has_owner;
	uint32_t owner_pid;
	char owner_comm[32];
	bool has_worker;
	uint32_t worker_pid;
	bool has_features;
	uint64_t features;
	uint32_t mem_regions;
	bool has_backend;
	uint32_t backend_ifindex;
	char backend_ifname[IF_NAMESIZE];
	uint32_t backend_kind;
	unsigned int nqueues;
	struct va_queue *queues;
};

struct va_dev_list {
	unsigned int n;
	struct va_dev *devs;
};

struct va_genl {
	struct nl_sock *sk;
	int family;
	struct nl_errinfo err;
};

/* Prints what went wrong and returns EXIT_FAIL on failure; quiet: no message */
int va_genl_open(struct va_genl *g, bool quiet);
void va_genl_close(struct va_genl *g);
/* id 0: every device; returns 0 or EXIT_FAIL after printing why */
int va_genl_get(struct va_genl *g, uint32_t id, struct va_dev_list *list,
		bool quiet);
void va_dev_list_free(struct va_dev_list *list);
int va_parse_dev(struct nlattr **tb, struct va_dev *dev);
extern struct nla_policy va_dev_policy[];

const char *va_queue_type(uint32_t index);
const char *va_backend_kind_name(uint32_t kind);
const char *va_error_name(uint32_t err, char *buf, size_t len);
void va_print_features(uint64_t features);
void va_print_backend(uint32_t ifindex, const char *ifname, uint32_t kind);

int cmd_dev(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_attach(int argc, char **argv);

/* rtnetlink: what vhostctl knows of a link */
struct link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[32];
	unsigned int flags;
	uint8_t operstate;
	uint32_t link;		/* lower device (macvtap), 0 if none */
	bool tun_info;
	uint8_t tun_type;	/* IFF_TUN or IFF_TAP */
	bool pi, vnet_hdr, persist, multi_queue;
	bool has_owner, has_group;
	uint32_t owner, group;
	uint32_t num_queues, num_disabled_queues;
	bool has_mode;
	uint32_t mode;		/* macvtap: MACVLAN_MODE_*, ipvtap: IPVLAN_MODE_* */
};

struct nl_sock *rtnl_open(struct nl_errinfo *e);
/* 0, or a negative errno (-ENODEV: no such link) */
int link_lookup(struct nl_sock *sk, const char *name, struct link_info *li);
bool link_is_macvtap(const struct link_info *li);
bool link_is_tap(const struct link_info *li);

#endif
