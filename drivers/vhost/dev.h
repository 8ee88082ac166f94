/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic vhost device: an owner, a memory table, a dirty log, a worker
 * thread and a set of virtqueues configured through the <linux/vhost.h>
 * ioctls. A device type (net.c) embeds struct va_dev and its queues, attaches
 * its own backend to each queue and handles the ioctls that are its own.
 *
 * Lock order: va_dev.mutex, then va_vq.mutex of one queue at a time.
 */
#ifndef _VHOST_ACCEL_DEV_H
#define _VHOST_ACCEL_DEV_H

#include <linux/if.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <linux/u64_stats_sync.h>
#include <linux/vhost.h>
#include <linux/vhost_accel.h>

#include "mem.h"
#include "ring.h"
#include "worker.h"

/* The most iovecs one packet may use: as the kernel's UIO_MAXIOV. */
#define VA_VQ_IOV_MAX		1024
/* Used entries published at once... */
#define VA_VQ_USED_BATCH	64
/* ...and room for one more packet's worth (at most one entry per iovec). */
#define VA_VQ_USED_MAX		(VA_VQ_USED_BATCH + VA_VQ_IOV_MAX)
/*
 * The longest busy poll a queue takes, in microseconds. The spin holds the
 * queue's mutex, so this bounds how long a control ioctl or close() waits
 * behind it; polling pays off within tens of microseconds (QEMU's poll-us
 * is usually 50), so a second leaves room for any policy.
 */
#define VA_VQ_BUSYLOOP_MAX_US	1000000

/* Features every queue of every device type understands. */
#define VA_DEV_FEATURES	((1ULL << VIRTIO_F_NOTIFY_ON_EMPTY) |		\
			 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
			 (1ULL << VIRTIO_RING_F_EVENT_IDX) |		\
			 (1ULL << VIRTIO_F_ANY_LAYOUT) |		\
			 (1ULL << VIRTIO_F_VERSION_1) |			\
			 (1ULL << VHOST_F_LOG_ALL))

struct va_vq_stats {
	u64 kicks;
	u64 calls;
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 errors;
	struct u64_stats_sync syncp;
};

struct va_dev;
struct va_vq;

/* Runs in the worker when a queue is kicked. */
typedef void (*va_vq_fn_t)(struct va_vq *vq);

struct va_vq {
	struct va_dev *dev;
	unsigned int index;
	va_vq_fn_t handle_kick;

	/*
	 * Protects everything below. The worker holds it while it runs the
	 * queue, the ioctls while they change it.
	 */
	struct mutex mutex;
	struct va_ring ring;
	struct vhost_vring_addr addr;	/* as set, for checks at start */
	struct file *kick;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *error_ctx;
	struct eventfd_ctx *log_ctx;
	struct va_poll poll;		/* the kick eventfd */
	void *backend;			/* device type's; NULL = stopped */
	/* What the backend is, for operators (enum vhost_accel_backend_kind). */
	u32 backend_kind;
	int backend_ifindex;		/* 0 = unknown */
	char backend_ifname[IFNAMSIZ];
	unsigned long error_event_at;	/* jiffies of the last error event */
	u64 acked_features;
	unsigned int busyloop_timeout;	/* microseconds */
	bool broken;			/* stopped until kicked or restarted */
	bool error_logged;		/* one log line per queue setup */
	enum vhost_accel_error last_error;

	/* Scratch space of the worker, sized once. */
	struct iovec *iov;		/* VA_VQ_IOV_MAX */
	struct va_log_seg *log;		/* VA_VQ_IOV_MAX */
	struct vring_used_elem *used;	/* VA_VQ_USED_MAX, nused batched */
	unsigned int nused;

	/* Written by the worker only; readers use u64_stats_fetch_*. */
	struct va_vq_stats stats;
};

struct va_dev {
	/* Protects everything below and the setup of every queue. */
	struct mutex mutex;
	struct mm_struct *mm;		/* owner's; NULL before SET_OWNER */
	struct pid *owner_pid;		/* owner's thread group */
	char owner_comm[TASK_COMM_LEN];
	kuid_t owner_uid;		/* owner's effective uid */
	u32 id;				/* in the netlink registry */
	struct va_worker worker;
	struct va_vq **vqs;
	unsigned int nvqs;
	struct va_mem *mem;		/* never NULL after va_dev_init() */
	void __user *log_base;
	struct eventfd_ctx *log_ctx;
	u64 acked_features;
};

int va_dev_init(struct va_dev *d, struct va_vq **vqs, unsigned int nvqs,
		const va_vq_fn_t *handle_kick);
void va_dev_cleanup(struct va_dev *d);
int va_dev_check_owner(const struct va_dev *d);
int va_dev_reset_owner(struct va_dev *d);
long va_dev_ioctl(struct va_dev *d, unsigned int cmd, void __user *argp);
int va_dev_set_features(struct va_dev *d, u64 features);

static inline bool va_vq_has_feature(const struct va_vq *vq, unsigned int bit)
{
	return vq->acked_features & (1ULL << bit);
}

/* Is VHOST_F_LOG_ALL on? Caller holds vq->mutex. */
static inline bool va_vq_logging(const struct va_vq *vq)
{
	return vq->ring.log_all;
}

/* Where the next used entry goes; va_vq_used_commit() counts it in. */
static inline struct vring_used_elem *va_vq_used_tail(struct va_vq *vq)
{
	return vq->used + vq->nused;
}

int va_vq_start(struct va_vq *vq);
void va_vq_set_backend_info(struct va_vq *vq, u32 kind, int ifindex,
			    const char *ifname);
void va_vq_used_commit(struct va_vq *vq, unsigned int n);
void va_vq_add_used(struct va_vq *vq, u16 head, u32 len);
void va_vq_flush_used(struct va_vq *vq);
const char *va_vq_error_name(enum vhost_accel_error err);
void va_vq_error(struct va_vq *vq, enum vhost_accel_error err);
void va_vq_break(struct va_vq *vq, enum vhost_accel_error err);
void va_vq_log_write(struct va_vq *vq, const struct va_log_seg *segs,
		     unsigned int nsegs, u64 len);
void va_vq_count(struct va_vq *vq, u64 packets, u64 bytes, u64 drops);
bool va_vq_busy_poll(struct va_vq *vq, bool (*ready)(struct va_vq *vq));

#endif /* _VHOST_ACCEL_DEV_H */
