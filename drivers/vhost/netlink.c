// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost_accel generic netlink family: what an operator sees.
 *
 * Dumps take each device's mutex (the control path's lock) but never a
 * queue's: queue positions are read as they stand and counters through
 * u64_stats, so looking never slows the data path.
 */

#include <linux/cred.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/xarray.h>
#include <net/genetlink.h>

#include "dev.h"
#include "netlink.h"

/*
 * Every open device by id. Lock order: va_nl_devs_lock, then va_dev.mutex;
 * a device leaves the registry before it is freed.
 */
static DEFINE_MUTEX(va_nl_devs_lock);
static DEFINE_XARRAY_ALLOC1(va_nl_devs);
static u32 va_nl_next_id;

enum {
	VA_NL_MCGRP_EVENTS,
};

static struct genl_family va_nl_family;

/* Queue error events are rate-limited to one per queue per this. */
#define VA_NL_ERROR_EVENT_INTERVAL	HZ

static int va_nl_fill_queue(struct sk_buff *skb, struct va_vq *vq)
{
	struct va_vq_stats s;
	struct nlattr *nest;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&vq->stats.syncp);
		s.kicks = vq->stats.kicks;
		s.calls = vq->stats.calls;
		s.packets = vq->stats.packets;
		s.bytes = vq->stats.bytes;
		s.drops = vq->stats.drops;
		s.errors = vq->stats.errors;
	} while (u64_stats_fetch_retry(&vq->stats.syncp, start));

	nest = nla_nest_start(skb, VHOST_ACCEL_A_DEV_QUEUE);
	if (!nest)
		return -EMSGSIZE;
	/* Positions move under the worker: read them as they stand. */
	if (nla_put_u32(skb, VHOST_ACCEL_Q_INDEX, vq->index) ||
	    nla_put_u32(skb, VHOST_ACCEL_Q_SIZE, READ_ONCE(vq->ring.num)) ||
	    nla_put_u32(skb, VHOST_ACCEL_Q_LAST_AVAIL,
			READ_ONCE(vq->ring.last_avail_idx)) ||
	    nla_put_u32(skb, VHOST_ACCEL_Q_USED_IDX,
			READ_ONCE(vq->ring.last_used_idx)) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_Q_KICKS, s.kicks,
			      VHOST_ACCEL_Q_PAD) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_Q_CALLS, s.calls,
			      VHOST_ACCEL_Q_PAD) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_Q_PACKETS, s.packets,
			      VHOST_ACCEL_Q_PAD) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_Q_BYTES, s.bytes,
			      VHOST_ACCEL_Q_PAD) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_Q_DROPS, s.drops,
			      VHOST_ACCEL_Q_PAD) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_Q_ERRORS, s.errors,
			      VHOST_ACCEL_Q_PAD) ||
	    nla_put_u32(skb, VHOST_ACCEL_Q_LAST_ERROR,
			READ_ONCE(vq->last_error)) ||
	    nla_put_u32(skb, VHOST_ACCEL_Q_BUSYLOOP_TIMEOUT,
			READ_ONCE(vq->busyloop_timeout)) ||
	    nla_put_u8(skb, VHOST_ACCEL_Q_BROKEN, READ_ONCE(vq->broken)))
		goto err_cancel;
	if (vq->backend_kind != VHOST_ACCEL_BACKEND_NONE &&
	    vq->backend_ifindex &&
	    nla_put_u32(skb, VHOST_ACCEL_Q_BACKEND_IFINDEX, vq->backend_ifindex))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* The backend of the device: that of its first queue that has one. */
static int va_nl_fill_backend(struct sk_buff *skb, struct va_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nvqs; i++) {
		struct va_vq *vq = d->vqs[i];

		if (vq->backend_kind == VHOST_ACCEL_BACKEND_NONE)
			continue;
		if (nla_put_u32(skb, VHOST_ACCEL_A_BACKEND_KIND,
				vq->backend_kind))
			return -EMSGSIZE;
		if (vq->backend_ifindex &&
		    (nla_put_u32(skb, VHOST_ACCEL_A_BACKEND_IFINDEX,
				 vq->backend_ifindex) ||
		     nla_put_string(skb, VHOST_ACCEL_A_BACKEND_IFNAME,
				    vq->backend_ifname)))
			return -EMSGSIZE;
		return 0;
	}
	return 0;
}

/* Caller holds d->mutex. */
static bool va_nl_may_see(const struct sk_buff *request, struct va_dev *d)
{
	if (netlink_capable(request, CAP_NET_ADMIN))
		return true;
	return d->owner_pid && uid_eq(d->owner_uid, current_euid());
}

/*
 * One device into @skb; -ENOENT when the requester may not see it,
 * -EMSGSIZE when it does not fit.
 */
static int va_nl_fill_dev(struct sk_buff *skb, struct va_dev *d,
			  const struct sk_buff *request, u32 portid, u32 seq,
			  int flags)
{
	struct nlattr *queues;
	unsigned int i;
	void *hdr;
	int ret = -EMSGSIZE;

	mutex_lock(&d->mutex);
	if (!va_nl_may_see(request, d)) {
		ret = -ENOENT;
		goto out_unlock;
	}
	hdr = genlmsg_put(skb, portid, seq, &va_nl_family, flags,
			  VHOST_ACCEL_CMD_DEV_GET);
	if (!hdr)
		goto out_unlock;
	if (nla_put_u32(skb, VHOST_ACCEL_A_DEV_ID, d->id) ||
	    nla_put_u64_64bit(skb, VHOST_ACCEL_A_FEATURES, d->acked_features,
			      VHOST_ACCEL_A_PAD) ||
	    nla_put_u32(skb, VHOST_ACCEL_A_MEM_REGIONS, d->mem->nregions))
		goto err_cancel;
	if (d->owner_pid &&
	    (nla_put_u32(skb, VHOST_ACCEL_A_OWNER_PID, pid_vnr(d->owner_pid)) ||
	     nla_put_string(skb, VHOST_ACCEL_A_OWNER_COMM, d->owner_comm) ||
	     nla_put_u32(skb, VHOST_ACCEL_A_WORKER_PID,
			 task_pid_vnr(d->worker.task))))
		goto err_cancel;
	if (va_nl_fill_backend(skb, d))
		goto err_cancel;

	queues = nla_nest_start(skb, VHOST_ACCEL_A_DEV_QUEUES);
	if (!queues)
		goto err_cancel;
	for (i = 0; i < d->nvqs; i++)
		if (va_nl_fill_queue(skb, d->vqs[i]))
			goto err_cancel;
	nla_nest_end(skb, queues);
	genlmsg_end(skb, hdr);
	mutex_unlock(&d->mutex);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
out_unlock:
	mutex_unlock(&d->mutex);
	return ret;
}

static int va_nl_dev_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct va_dev *d;
	unsigned long id;
	int ret;

	mutex_lock(&va_nl_devs_lock);
	xa_for_each_start(&va_nl_devs, id, d, cb->args[0]) {
		ret = va_nl_fill_dev(skb, d, cb->skb,
				     NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret == -EMSGSIZE)
			break;
		/* Sent, or not the requester's to see: go on after it. */
		cb->args[0] = id + 1;
	}
	mutex_unlock(&va_nl_devs_lock);
	return skb->len;
}

static int va_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct va_dev *d;
	int ret;

	if (!info->attrs[VHOST_ACCEL_A_DEV_ID]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "device id (VHOST_ACCEL_A_DEV_ID) missing");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&va_nl_devs_lock);
	d = xa_load(&va_nl_devs, nla_get_u32(info->attrs[VHOST_ACCEL_A_DEV_ID]));
	ret = d ? va_nl_fill_dev(msg, d, skb, info->snd_portid, info->snd_seq,
				 0) : -ENOENT;
	mutex_unlock(&va_nl_devs_lock);
	if (ret) {
		if (ret == -ENOENT)
			NL_SET_ERR_MSG_MOD(info->extack, "no such device");
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static const struct nla_policy va_nl_policy[VHOST_ACCEL_A_MAX + 1] = {
	[VHOST_ACCEL_A_DEV_ID] = { .type = NLA_U32 },
};

static const struct genl_small_ops va_nl_ops[] = {
	{
		.cmd	= VHOST_ACCEL_CMD_DEV_GET,
		.doit	= va_nl_dev_get_doit,
		.dumpit	= va_nl_dev_get_dumpit,
	},
};

static const struct genl_multicast_group va_nl_mcgrps[] = {
	[VA_NL_MCGRP_EVENTS] = {
		.name	= VHOST_ACCEL_GENL_MCGRP_EVENTS,
		/* Events name processes: for administrators only. */
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family va_nl_family __ro_after_init = {
	.name		= VHOST_ACCEL_GENL_NAME,
	.version	= VHOST_ACCEL_GENL_VERSION,
	.maxattr	= VHOST_ACCEL_A_MAX,
	.policy		= va_nl_policy,
	.module		= THIS_MODULE,
	.small_ops	= va_nl_ops,
	.n_small_ops	= ARRAY_SIZE(va_nl_ops),
	/* Strict validation for every command. */
	.resv_start_op	= VHOST_ACCEL_CMD_DEV_GET,
	.mcgrps		= va_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(va_nl_mcgrps),
};

/* Start an event message about @d, or NULL when nobody listens. */
static struct sk_buff *va_nl_event_start(struct va_dev *d, u8 cmd,
					 void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&va_nl_family, &init_net, VA_NL_MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &va_nl_family, 0, cmd);
	if (!*hdr || nla_put_u32(skb, VHOST_ACCEL_A_DEV_ID, d->id)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void va_nl_event_send(struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&va_nl_family, skb, 0, VA_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
}

static void va_nl_notify_dev(struct va_dev *d, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = va_nl_event_start(d, cmd, &hdr);
	if (skb)
		va_nl_event_send(skb, hdr, 0);
}

/* Give @d an id and announce it. */
int va_nl_register_dev(struct va_dev *d)
{
	int ret;

	mutex_lock(&va_nl_devs_lock);
	ret = xa_alloc_cyclic(&va_nl_devs, &d->id, d, xa_limit_32b,
			      &va_nl_next_id, GFP_KERNEL_ACCOUNT);
	mutex_unlock(&va_nl_devs_lock);
	if (ret < 0)
		return ret;
	va_nl_notify_dev(d, VHOST_ACCEL_CMD_DEV_NEW);
	return 0;
}

void va_nl_unregister_dev(struct va_dev *d)
{
	mutex_lock(&va_nl_devs_lock);
	xa_erase(&va_nl_devs, d->id);
	mutex_unlock(&va_nl_devs_lock);
	va_nl_notify_dev(d, VHOST_ACCEL_CMD_DEV_DEL);
}

/* Caller holds d->mutex. */
void va_nl_notify_owner(struct va_dev *d)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = va_nl_event_start(d, VHOST_ACCEL_CMD_DEV_OWNER, &hdr);
	if (!skb)
		return;
	err = nla_put_u32(skb, VHOST_ACCEL_A_OWNER_PID, pid_nr(d->owner_pid)) ||
	      nla_put_string(skb, VHOST_ACCEL_A_OWNER_COMM, d->owner_comm) ||
	      nla_put_u32(skb, VHOST_ACCEL_A_WORKER_PID,
			  task_pid_nr(d->worker.task));
	va_nl_event_send(skb, hdr, err);
}

/* Caller holds vq->mutex. */
void va_nl_notify_backend(struct va_vq *vq)
{
	bool attached = vq->backend_kind != VHOST_ACCEL_BACKEND_NONE;
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = va_nl_event_start(vq->dev, attached ?
				VHOST_ACCEL_CMD_BACKEND_ATTACH :
				VHOST_ACCEL_CMD_BACKEND_DETACH, &hdr);
	if (!skb)
		return;
	err = nla_put_u32(skb, VHOST_ACCEL_A_QUEUE_INDEX, vq->index);
	if (!err && attached)
		err = nla_put_u32(skb, VHOST_ACCEL_A_BACKEND_KIND,
				  vq->backend_kind) ||
		      (vq->backend_ifindex &&
		       (nla_put_u32(skb, VHOST_ACCEL_A_BACKEND_IFINDEX,
				    vq->backend_ifindex) ||
			nla_put_string(skb, VHOST_ACCEL_A_BACKEND_IFNAME,
				       vq->backend_ifname)));
	va_nl_event_send(skb, hdr, err);
}

/* Caller holds vq->mutex. At most one per queue per second. */
void va_nl_notify_queue_error(struct va_vq *vq)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	if (vq->error_event_at &&
	    time_before(jiffies, vq->error_event_at +
				 VA_NL_ERROR_EVENT_INTERVAL))
		return;
	skb = va_nl_event_start(vq->dev, VHOST_ACCEL_CMD_QUEUE_ERROR, &hdr);
	if (!skb)
		return;
	vq->error_event_at = jiffies ? jiffies : 1;
	err = nla_put_u32(skb, VHOST_ACCEL_A_QUEUE_INDEX, vq->index) ||
	      nla_put_u32(skb, VHOST_ACCEL_A_QUEUE_LAST_ERROR,
			  vq->last_error) ||
	      nla_put_u8(skb, VHOST_ACCEL_A_QUEUE_BROKEN, vq->broken);
	va_nl_event_send(skb, hdr, err);
}

int va_nl_init(void)
{
	return genl_register_family(&va_nl_family);
}

void va_nl_uninit(void)
{
	genl_unregister_family(&va_nl_family);
	WARN_ON(!xa_empty(&va_nl_devs));
}

MODULE_ALIAS_GENL_FAMILY(VHOST_ACCEL_GENL_NAME);
