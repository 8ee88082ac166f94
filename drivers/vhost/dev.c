// SPDX-License-Identifier: GPL-2.0
/*
 * The generic vhost device: ownership, memory table, dirty log and the
 * per-queue ioctls of <linux/vhost.h>, with the errno values of the
 * kernel's vhost where it defines one, so that its clients see no
 * difference.
 */

#include <linux/eventfd.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dev.h"
#include "netlink.h"

static unsigned int max_mem_regions = 64;
module_param(max_mem_regions, uint, 0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Most memory regions in one memory table (default 64)");

static void va_vq_reset(struct va_vq *vq)
{
	memset(&vq->ring, 0, sizeof(vq->ring));
	vq->ring.mem = vq->dev->mem;
	vq->ring.le = virtio_legacy_is_little_endian();
	memset(&vq->addr, 0, sizeof(vq->addr));
	vq->kick = NULL;
	vq->call_ctx = NULL;
	vq->error_ctx = NULL;
	vq->log_ctx = NULL;
	vq->backend = NULL;
	vq->backend_kind = VHOST_ACCEL_BACKEND_NONE;
	vq->backend_ifindex = 0;
	vq->backend_ifname[0] = '\0';
	vq->error_event_at = 0;
	vq->acked_features = 0;
	vq->busyloop_timeout = 0;
	vq->broken = false;
	vq->error_logged = false;
	vq->last_error = VHOST_ACCEL_ERR_NONE;
	vq->nused = 0;
}

static void va_vq_kick(struct va_work *work)
{
	struct va_vq *vq = container_of(work, struct va_vq, poll.work);

	mutex_lock(&vq->mutex);
	u64_stats_update_begin(&vq->stats.syncp);
	vq->stats.kicks++;
	u64_stats_update_end(&vq->stats.syncp);
	/*
	 * A kick says the driver changed its ring: a queue that stopped on
	 * indices it could not use looks again (nothing was consumed).
	 */
	vq->broken = false;
	mutex_unlock(&vq->mutex);
	vq->handle_kick(vq);
}

static void va_dev_free_scratch(struct va_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nvqs; i++) {
		kvfree(d->vqs[i]->iov);
		kvfree(d->vqs[i]->log);
		kvfree(d->vqs[i]->used);
	}
}

/* The worker's per-queue scratch arrays: allocated once, at open. */
static int va_dev_alloc_scratch(struct va_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nvqs; i++) {
		struct va_vq *vq = d->vqs[i];

		vq->iov = kvmalloc_array(VA_VQ_IOV_MAX, sizeof(*vq->iov),
					 GFP_KERNEL_ACCOUNT);
		vq->log = kvmalloc_array(VA_VQ_IOV_MAX, sizeof(*vq->log),
					 GFP_KERNEL_ACCOUNT);
		vq->used = kvmalloc_array(VA_VQ_USED_MAX, sizeof(*vq->used),
					  GFP_KERNEL_ACCOUNT);
		if (!vq->iov || !vq->log || !vq->used) {
			va_dev_free_scratch(d);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Set up @d with its @nvqs queues, which the caller allocated zeroed;
 * @handle_kick[i] runs in the worker when queue i is kicked. Allocations
 * are charged to the caller's memory cgroup.
 */
int va_dev_init(struct va_dev *d, struct va_vq **vqs, unsigned int nvqs,
		const va_vq_fn_t *handle_kick)
{
	unsigned int i;
	int ret;

	mutex_init(&d->mutex);
	d->vqs = vqs;
	d->nvqs = nvqs;
	d->mem = va_mem_alloc_empty();
	if (!d->mem)
		return -ENOMEM;
	ret = va_dev_alloc_scratch(d);
	if (ret)
		goto err_free_mem;

	for (i = 0; i < nvqs; i++) {
		struct va_vq *vq = vqs[i];

		vq->dev = d;
		vq->index = i;
		vq->handle_kick = handle_kick[i];
		mutex_init(&vq->mutex);
		u64_stats_init(&vq->stats.syncp);
		va_poll_init(&vq->poll, va_vq_kick, EPOLLIN, &d->worker);
		va_vq_reset(vq);
	}

	ret = va_nl_register_dev(d);
	if (ret)
		goto err_free_scratch;
	return 0;

err_free_scratch:
	va_dev_free_scratch(d);
err_free_mem:
	kvfree(d->mem);
	return ret;
}

/*
 * Undo SET_OWNER and everything set since: the device type has detached
 * its backends already. Caller holds d->mutex.
 */
static void va_dev_stop(struct va_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nvqs; i++)
		va_poll_stop(&d->vqs[i]->poll);
	va_worker_flush(&d->worker);
	va_worker_stop(&d->worker);

	for (i = 0; i < d->nvqs; i++) {
		struct va_vq *vq = d->vqs[i];

		if (vq->kick)
			fput(vq->kick);
		if (vq->call_ctx)
			eventfd_ctx_put(vq->call_ctx);
		if (vq->error_ctx)
			eventfd_ctx_put(vq->error_ctx);
		va_vq_reset(vq);
	}
	if (d->log_ctx)
		eventfd_ctx_put(d->log_ctx);
	d->log_ctx = NULL;
	d->log_base = NULL;
	d->acked_features = 0;
	if (d->mm)
		mmput(d->mm);
	d->mm = NULL;
	put_pid(d->owner_pid);
	d->owner_pid = NULL;
}

/* Release everything; the device type has detached its backends. */
void va_dev_cleanup(struct va_dev *d)
{
	va_nl_unregister_dev(d);
	mutex_lock(&d->mutex);
	va_dev_stop(d);
	mutex_unlock(&d->mutex);
	va_dev_free_scratch(d);
	kvfree(d->mem);
	d->mem = NULL;
}

int va_dev_check_owner(const struct va_dev *d)
{
	return d->mm == current->mm ? 0 : -EPERM;
}

static long va_dev_set_owner(struct va_dev *d)
{
	struct mm_struct *mm;
	int ret;

	if (d->mm)
		return -EBUSY;
	mm = get_task_mm(current);
	if (!mm)
		return -EINVAL;
	ret = va_worker_start(&d->worker, mm, current->tgid);
	if (ret) {
		mmput(mm);
		return ret;
	}
	d->mm = mm;
	d->owner_pid = get_task_pid(current, PIDTYPE_TGID);
	d->owner_uid = current_euid();
	get_task_comm(d->owner_comm, current);
	va_nl_notify_owner(d);
	return 0;
}

/*
 * Back to a device with no owner, no memory and no queue setup, as just
 * opened. The device type has detached its backends; caller holds d->mutex.
 */
int va_dev_reset_owner(struct va_dev *d)
{
	struct va_mem *empty;
	unsigned int i;
	int ret;

	ret = va_dev_check_owner(d);
	if (ret)
		return ret;
	empty = va_mem_alloc_empty();
	if (!empty)
		return -ENOMEM;
	va_dev_stop(d);
	kvfree(d->mem);
	d->mem = empty;
	for (i = 0; i < d->nvqs; i++)
		d->vqs[i]->ring.mem = empty;
	return 0;
}

/* Can the log at @base record every write the device may make? */
static bool va_dev_log_ok(const struct va_dev *d, void __user *base,
			  const struct va_mem *mem)
{
	unsigned int i;

	if (!va_log_mem_access_ok(base, mem))
		return false;
	for (i = 0; i < d->nvqs; i++) {
		const struct va_ring *r = &d->vqs[i]->ring;

		if (r->log_used && r->num &&
		    !va_log_access_ok(base, r->log_used_gpa,
				      va_ring_used_size(r->num, r->event_idx)))
			return false;
	}
	return true;
}

/*
 * Apply negotiated @features to the queues. The device type checked them
 * against what it offers; caller holds d->mutex.
 */
int va_dev_set_features(struct va_dev *d, u64 features)
{
	unsigned int i;

	if ((features & (1ULL << VHOST_F_LOG_ALL)) &&
	    !va_dev_log_ok(d, d->log_base, d->mem))
		return -EFAULT;
	d->acked_features = features;
	for (i = 0; i < d->nvqs; i++) {
		struct va_vq *vq = d->vqs[i];
		struct va_ring *r = &vq->ring;

		mutex_lock(&vq->mutex);
		vq->acked_features = features;
		r->le = (features & (1ULL << VIRTIO_F_VERSION_1)) ||
			virtio_legacy_is_little_endian();
		r->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
		r->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
		r->notify_on_empty = features &
				     (1ULL << VIRTIO_F_NOTIFY_ON_EMPTY);
		r->log_all = features & (1ULL << VHOST_F_LOG_ALL);
		mutex_unlock(&vq->mutex);
	}
	return 0;
}

/* Do rings of @num entries at @a lie in accessible memory that @mem covers? */
static bool va_rings_ok(const struct vhost_vring_addr *a, unsigned int num,
			bool event_idx, const struct va_mem *mem)
{
	const struct {
		u64 uaddr;
		size_t size;
	} parts[] = {
		{ a->desc_user_addr, va_ring_desc_size(num) },
		{ a->avail_user_addr, va_ring_avail_size(num, event_idx) },
		{ a->used_user_addr, va_ring_used_size(num, event_idx) },
	};
	unsigned int i;

	if (!num)
		return false;
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		void __user *p = (void __user *)(unsigned long)parts[i].uaddr;

		if (!access_ok(p, parts[i].size) ||
		    !va_mem_uaddr_covered(mem, parts[i].uaddr, parts[i].size))
			return false;
	}
	return true;
}

static bool va_vq_rings_ok(const struct va_vq *vq, const struct va_mem *mem)
{
	return va_rings_ok(&vq->addr, vq->ring.num, vq->ring.event_idx, mem);
}

/*
 * Make a configured queue ready for its backend. Caller holds d->mutex and
 * vq->mutex. -EFAULT when the rings are not set or lie outside guest memory.
 */
int va_vq_start(struct va_vq *vq)
{
	struct va_dev *d = vq->dev;
	int ret;

	if (!va_vq_rings_ok(vq, d->mem))
		return -EFAULT;
	if (vq->ring.log_all && !va_dev_log_ok(d, d->log_base, d->mem))
		return -EFAULT;
	ret = va_ring_start(&vq->ring);
	if (ret)
		return ret;
	vq->broken = false;
	vq->error_logged = false;
	vq->last_error = VHOST_ACCEL_ERR_NONE;
	return 0;
}

static long va_dev_set_mem_table(struct va_dev *d,
				 struct vhost_memory __user *argp)
{
	struct va_mem *mem, *old;
	unsigned int i;

	mem = va_mem_from_user(argp, max_mem_regions);
	if (IS_ERR(mem))
		return PTR_ERR(mem);

	/*
	 * Queues that run must keep their rings (and log) in the new table;
	 * stopped ones are checked when they start. Queue setup only changes
	 * under d->mutex, which we hold.
	 */
	for (i = 0; i < d->nvqs; i++) {
		struct va_vq *vq = d->vqs[i];

		if (vq->backend && !va_vq_rings_ok(vq, mem))
			goto err_fault;
	}
	if ((d->acked_features & (1ULL << VHOST_F_LOG_ALL)) &&
	    !va_dev_log_ok(d, d->log_base, mem))
		goto err_fault;

	old = d->mem;
	d->mem = mem;
	for (i = 0; i < d->nvqs; i++) {
		mutex_lock(&d->vqs[i]->mutex);
		d->vqs[i]->ring.mem = mem;
		mutex_unlock(&d->vqs[i]->mutex);
	}
	/* No queue can be using @old: each dropped its mutex since. */
	kvfree(old);
	return 0;

err_fault:
	kvfree(mem);
	return -EFAULT;
}

static long va_dev_set_log_base(struct va_dev *d, u64 __user *argp)
{
	void __user *base;
	unsigned int i;
	u64 p;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if ((u64)(unsigned long)p != p)
		return -EFAULT;
	base = (void __user *)(unsigned long)p;
	if ((d->acked_features & (1ULL << VHOST_F_LOG_ALL)) &&
	    !va_dev_log_ok(d, base, d->mem))
		return -EFAULT;

	d->log_base = base;
	for (i = 0; i < d->nvqs; i++) {
		mutex_lock(&d->vqs[i]->mutex);
		d->vqs[i]->ring.log_base = base;
		mutex_unlock(&d->vqs[i]->mutex);
	}
	return 0;
}

static long va_dev_set_log_fd(struct va_dev *d, int __user *argp)
{
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned int i;
	int fd;

	if (get_user(fd, argp))
		return -EFAULT;
	if (fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	old = d->log_ctx;
	d->log_ctx = ctx;
	for (i = 0; i < d->nvqs; i++) {
		mutex_lock(&d->vqs[i]->mutex);
		d->vqs[i]->log_ctx = ctx;
		mutex_unlock(&d->vqs[i]->mutex);
	}
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static long va_vq_set_addr(struct va_vq *vq, struct vhost_vring_addr __user *argp)
{
	struct vhost_vring_addr a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(1U << VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((u64)(unsigned long)a.desc_user_addr != a.desc_user_addr ||
	    (u64)(unsigned long)a.avail_user_addr != a.avail_user_addr ||
	    (u64)(unsigned long)a.used_user_addr != a.used_user_addr)
		return -EFAULT;
	/*
	 * The alignments of the virtio spec. vhost-net checks avail and used
	 * (-EINVAL) but takes a descriptor table that is not 16-aligned.
	 */
	if ((a.desc_user_addr & (VRING_DESC_ALIGN_SIZE - 1)) ||
	    (a.avail_user_addr & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (a.used_user_addr & (VRING_USED_ALIGN_SIZE - 1)) ||
	    (a.log_guest_addr & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;

	/*
	 * With the ring size and a memory table known, rings outside guest
	 * memory are refused now rather than found at start (QEMU moves a
	 * running ring's log flag through here, so a running queue is
	 * checked too). The errno is vhost-net's for rings it cannot access:
	 * -EINVAL here for a running ring, -EFAULT at SET_BACKEND for a
	 * stopped one. Before the first SET_MEM_TABLE there is nothing to
	 * judge them by: va_vq_start() does.
	 */
	if (vq->ring.num && vq->dev->mem->nregions &&
	    !va_rings_ok(&a, vq->ring.num, vq->ring.event_idx, vq->dev->mem))
		return vq->backend ? -EINVAL : -EFAULT;
	if (vq->ring.log_all && (a.flags & (1U << VHOST_VRING_F_LOG)) &&
	    vq->ring.num &&
	    !va_log_access_ok(vq->ring.log_base, a.log_guest_addr,
			      va_ring_used_size(vq->ring.num,
						vq->ring.event_idx)))
		return -EINVAL;

	vq->addr = a;
	vq->ring.desc = (vring_desc_t __user *)(unsigned long)a.desc_user_addr;
	vq->ring.avail = (vring_avail_t __user *)(unsigned long)a.avail_user_addr;
	vq->ring.used = (vring_used_t __user *)(unsigned long)a.used_user_addr;
	va_ring_forget_avail(&vq->ring);
	vq->ring.log_used = a.flags & (1U << VHOST_VRING_F_LOG);
	vq->ring.log_used_gpa = a.log_guest_addr;
	return 0;
}

static long va_vq_set_kick(struct va_vq *vq, int fd)
{
	struct file *file = NULL, *old;
	int ret = 0;

	if (fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	if (file == vq->kick) {
		if (file)
			fput(file);
		return 0;
	}
	va_poll_stop(&vq->poll);
	old = vq->kick;
	vq->kick = file;
	if (file)
		ret = va_poll_start(&vq->poll, file);
	if (old)
		fput(old);
	return ret;
}

static long va_vq_set_ctx(struct eventfd_ctx **slot, int fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	swap(*slot, ctx);
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

/*
 * The argument of an ioctl that changes what a running ring depends on
 * (its size, its base): -EBUSY while a backend runs it, as vhost-net.
 */
static long va_vq_get_stopped_state(const struct va_vq *vq, void __user *argp,
				    struct vhost_vring_state *s)
{
	if (vq->backend)
		return -EBUSY;
	if (copy_from_user(s, argp, sizeof(*s)))
		return -EFAULT;
	return 0;
}

/* The queue ioctls; caller holds d->mutex and is the owner. */
static long va_vq_ioctl(struct va_dev *d, unsigned int cmd, void __user *argp)
{
	struct vhost_vring_state s;
	struct vhost_vring_file f;
	struct va_vq *vq;
	u32 idx;
	long ret = 0;

	/* As vhost: the index is read (and checked) before the command. */
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= d->nvqs)
		return -ENOBUFS;
	vq = d->vqs[array_index_nospec(idx, d->nvqs)];

	mutex_lock(&vq->mutex);
	switch (cmd) {
	case VHOST_SET_VRING_NUM:
		ret = va_vq_get_stopped_state(vq, argp, &s);
		if (ret)
			break;
		if (!s.num || s.num > VA_RING_MAX_NUM || (s.num & (s.num - 1))) {
			ret = -EINVAL;
			break;
		}
		vq->ring.num = s.num;
		break;
	case VHOST_SET_VRING_BASE:
		ret = va_vq_get_stopped_state(vq, argp, &s);
		if (ret)
			break;
		if (s.num > U16_MAX) {
			ret = -EINVAL;
			break;
		}
		vq->ring.last_avail_idx = s.num;
		vq->ring.avail_idx = s.num;
		break;
	case VHOST_GET_VRING_BASE:
		s.index = idx;
		s.num = vq->ring.last_avail_idx;
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		break;
	case VHOST_SET_VRING_ADDR:
		ret = va_vq_set_addr(vq, argp);
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		if (copy_from_user(&f, argp, sizeof(f))) {
			ret = -EFAULT;
			break;
		}
		if (cmd == VHOST_SET_VRING_KICK)
			ret = va_vq_set_kick(vq, f.fd);
		else if (cmd == VHOST_SET_VRING_CALL)
			ret = va_vq_set_ctx(&vq->call_ctx, f.fd);
		else
			ret = va_vq_set_ctx(&vq->error_ctx, f.fd);
		break;
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		if (copy_from_user(&s, argp, sizeof(s))) {
			ret = -EFAULT;
			break;
		}
		if (s.num > VA_VQ_BUSYLOOP_MAX_US) {
			ret = -EINVAL;
			break;
		}
		vq->busyloop_timeout = s.num;
		break;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		s.index = idx;
		s.num = vq->busyloop_timeout;
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		break;
	default:
		ret = -ENOIOCTLCMD;
	}
	mutex_unlock(&vq->mutex);
	return ret;
}

/*
 * The ioctls every vhost device has. Returns -ENOIOCTLCMD for a command it
 * does not know (the VFS turns that into ENOTTY).
 */
long va_dev_ioctl(struct va_dev *d, unsigned int cmd, void __user *argp)
{
	long ret;

	mutex_lock(&d->mutex);
	if (cmd == VHOST_SET_OWNER) {
		ret = va_dev_set_owner(d);
		goto out;
	}
	ret = va_dev_check_owner(d);
	if (ret)
		goto out;

	switch (cmd) {
	case VHOST_SET_MEM_TABLE:
		ret = va_dev_set_mem_table(d, argp);
		break;
	case VHOST_SET_LOG_BASE:
		ret = va_dev_set_log_base(d, argp);
		break;
	case VHOST_SET_LOG_FD:
		ret = va_dev_set_log_fd(d, argp);
		break;
	default:
		ret = va_vq_ioctl(d, cmd, argp);
	}
out:
	mutex_unlock(&d->mutex);
	return ret;
}

/* Publish the batched used entries and notify the driver if it wants. */
void va_vq_flush_used(struct va_vq *vq)
{
	if (!vq->nused)
		return;
	if (va_ring_add_used_n(&vq->ring, vq->used, vq->nused)) {
		vq->nused = 0;
		va_vq_break(vq, va_vq_logging(vq) ? VHOST_ACCEL_ERR_LOG :
						    VHOST_ACCEL_ERR_RING);
		return;
	}
	vq->nused = 0;
	if (vq->ring.log_all && vq->ring.log_used && vq->log_ctx)
		va_eventfd_signal(vq->log_ctx);
	if (va_ring_should_notify(&vq->ring) && vq->call_ctx) {
		va_eventfd_signal(vq->call_ctx);
		u64_stats_update_begin(&vq->stats.syncp);
		vq->stats.calls++;
		u64_stats_update_end(&vq->stats.syncp);
	}
}

/* Count @n used entries written at va_vq_used_tail(); flush when full. */
void va_vq_used_commit(struct va_vq *vq, unsigned int n)
{
	vq->nused += n;
	/* A small ring fills before the batch does. */
	if (vq->nused >= min_t(unsigned int, VA_VQ_USED_BATCH, vq->ring.num))
		va_vq_flush_used(vq);
}

void va_vq_add_used(struct va_vq *vq, u16 head, u32 len)
{
	va_ring_used_elem(&vq->ring, va_vq_used_tail(vq), head, len);
	va_vq_used_commit(vq, 1);
}

static const char *const va_vq_error_names[] = {
	[VHOST_ACCEL_ERR_NONE] = "none",
	[VHOST_ACCEL_ERR_RING] = "ring",
	[VHOST_ACCEL_ERR_CHAIN] = "descriptor chain",
	[VHOST_ACCEL_ERR_MEMORY] = "guest memory",
	[VHOST_ACCEL_ERR_LOG] = "dirty log",
	[VHOST_ACCEL_ERR_BACKEND] = "backend",
	[VHOST_ACCEL_ERR_TOO_BIG] = "packet too big",
};

const char *va_vq_error_name(enum vhost_accel_error err)
{
	if (err >= ARRAY_SIZE(va_vq_error_names))
		return "unknown";
	return va_vq_error_names[err];
}

/* The guest (or owner) did something wrong: count it, tell the owner. */
void va_vq_error(struct va_vq *vq, enum vhost_accel_error err)
{
	vq->last_error = err;
	u64_stats_update_begin(&vq->stats.syncp);
	vq->stats.errors++;
	u64_stats_update_end(&vq->stats.syncp);
	/*
	 * One line per queue setup; rate limited too, as an owner can set
	 * queues up again and again (the counters and events carry the rest).
	 */
	if (!vq->error_logged) {
		vq->error_logged = true;
		pr_warn_ratelimited("owner %d queue %u: %s error%s\n",
				    pid_nr(vq->dev->owner_pid),
				    vq->index, va_vq_error_name(err),
				    vq->broken ? ", queue stopped" : "");
	}
	if (vq->error_ctx)
		va_eventfd_signal(vq->error_ctx);
	va_nl_notify_queue_error(vq);
}

/*
 * Record what the device type attached to @vq (kind
 * VHOST_ACCEL_BACKEND_NONE: detached) and tell the listeners. Caller holds
 * vq->mutex.
 */
void va_vq_set_backend_info(struct va_vq *vq, u32 kind, int ifindex,
			    const char *ifname)
{
	vq->backend_kind = kind;
	vq->backend_ifindex = ifindex;
	strscpy(vq->backend_ifname, ifname ? ifname : "",
		sizeof(vq->backend_ifname));
	va_nl_notify_backend(vq);
}

/* Stop the queue until it is set up again. */
void va_vq_break(struct va_vq *vq, enum vhost_accel_error err)
{
	vq->broken = true;
	va_vq_error(vq, err);
}

/* Log @len bytes written through the chain's writable segments. */
void va_vq_log_write(struct va_vq *vq, const struct va_log_seg *segs,
		     unsigned int nsegs, u64 len)
{
	if (va_log_write_segs(vq->ring.log_base, segs, nsegs, len)) {
		va_vq_error(vq, VHOST_ACCEL_ERR_LOG);
		return;
	}
	if (vq->log_ctx)
		va_eventfd_signal(vq->log_ctx);
}

void va_vq_count(struct va_vq *vq, u64 packets, u64 bytes, u64 drops)
{
	u64_stats_update_begin(&vq->stats.syncp);
	vq->stats.packets += packets;
	vq->stats.bytes += bytes;
	vq->stats.drops += drops;
	u64_stats_update_end(&vq->stats.syncp);
}

/*
 * Spin up to the queue's busyloop timeout (VHOST_SET_VRING_BUSYLOOP_TIMEOUT)
 * until @ready says there is work: under steady traffic that is cheaper
 * than going to sleep and being woken. Gives up as soon as another task
 * wants the CPU, or other work of this worker is queued: the other queue's
 * kick or a flush must not wait out this queue's spin. Caller holds
 * vq->mutex.
 */
bool va_vq_busy_poll(struct va_vq *vq, bool (*ready)(struct va_vq *vq))
{
	u64 end;

	if (!vq->busyloop_timeout)
		return false;
	end = local_clock() + (u64)vq->busyloop_timeout * NSEC_PER_USEC;
	while (!need_resched() && !va_worker_has_work(&vq->dev->worker) &&
	       local_clock() < end) {
		if (ready(vq))
			return true;
		cpu_relax();
	}
	return false;
}
