// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: bringing a device up the way QEMU does: owner, features,
 * memory table, (dirty log), rings, eventfds, backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/virtio_config.h>

#include "vadriver.h"

unsigned int cfg_hdr_len(const struct va_cfg *c)
{
	return c->mrg || c->v1 ? sizeof(struct virtio_net_hdr_mrg_rxbuf) :
		sizeof(struct virtio_net_hdr);
}

const char *cfg_name(const struct va_cfg *c)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "[%s%s%s%s%s%s num=%u]",
		 c->vhost_hdr ? "vhost-hdr" : "tap-hdr",
		 c->mrg ? " mrg" : " nomrg",
		 c->event_idx ? " evidx" : "",
		 c->v1 ? " v1" : "",
		 c->indirect ? "" : " noindirect",
		 c->log ? " log" : "", c->num);
	if (c->notify_on_empty) {
		buf[strlen(buf) - 1] = 0;
		strcat(buf, " notify-on-empty]");
	}
	return buf;
}

int dev_open(struct va_dev *d, const char *path)
{
	memset(d, 0, sizeof(*d));
	d->path = path;
	d->tap.fd = d->tap.cap = d->tap.inj = -1;
	d->vq[0].kick = d->vq[0].call = d->vq[0].err = -1;
	d->vq[1].kick = d->vq[1].call = d->vq[1].err = -1;
	d->log_efd = -1;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		bail("open %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static __u64 cfg_features(const struct va_cfg *c)
{
	__u64 f = 0;

	if (c->vhost_hdr)
		f |= 1ULL << VHOST_NET_F_VIRTIO_NET_HDR;
	if (c->mrg)
		f |= 1ULL << VIRTIO_NET_F_MRG_RXBUF;
	if (c->event_idx)
		f |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (c->v1)
		f |= 1ULL << VIRTIO_F_VERSION_1;
	if (c->indirect)
		f |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (c->log)
		f |= 1ULL << VHOST_F_LOG_ALL;
	if (c->notify_on_empty)
		f |= 1ULL << VIRTIO_F_NOTIFY_ON_EMPTY;
	return f;
}

/* VHOST_SET_VRING_ADDR's argument for queue @i as vq_init laid it out */
struct vhost_vring_addr vq_ring_addr(const struct va_dev *d, int i, bool log)
{
	const struct va_vq *vq = &d->vq[i];
	struct vhost_vring_addr a = {
		.index = i,
		.desc_user_addr = (__u64)(unsigned long)vq->desc,
		.avail_user_addr = (__u64)(unsigned long)vq->avail,
		.used_user_addr = (__u64)(unsigned long)vq->used,
		.log_guest_addr = vq->used_gpa,
		.flags = log ? 1 << VHOST_VRING_F_LOG : 0,
	};

	return a;
}

/* Rings: size, base, addresses, eventfds (vq_init must have run) */
int dev_setup_vqs(struct va_dev *d)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct va_vq *vq = &d->vq[i];
		struct vhost_vring_state s = { .index = i, .num = vq->num };
		struct vhost_vring_addr a = vq_ring_addr(d, i, d->cfg.log);
		struct vhost_vring_file f = { .index = i };

		if (ioctl(d->fd, VHOST_SET_VRING_NUM, &s)) {
			bail("VHOST_SET_VRING_NUM %u %u: %s", i, vq->num,
			     strerror(errno));
			return -1;
		}
		s.num = vq->avail_idx;
		if (ioctl(d->fd, VHOST_SET_VRING_BASE, &s)) {
			bail("VHOST_SET_VRING_BASE %u: %s", i, strerror(errno));
			return -1;
		}
		if (ioctl(d->fd, VHOST_SET_VRING_ADDR, &a)) {
			bail("VHOST_SET_VRING_ADDR %u: %s", i, strerror(errno));
			return -1;
		}
		f.fd = vq->kick;
		if (ioctl(d->fd, VHOST_SET_VRING_KICK, &f)) {
			bail("VHOST_SET_VRING_KICK %u: %s", i, strerror(errno));
			return -1;
		}
		f.fd = vq->call;
		if (ioctl(d->fd, VHOST_SET_VRING_CALL, &f)) {
			bail("VHOST_SET_VRING_CALL %u: %s", i, strerror(errno));
			return -1;
		}
		f.fd = vq->err;
		if (ioctl(d->fd, VHOST_SET_VRING_ERR, &f)) {
			bail("VHOST_SET_VRING_ERR %u: %s", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int dev_set_backend(struct va_dev *d, int index, int fd)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	if (ioctl(d->fd, VHOST_NET_SET_BACKEND, &f))
		return -errno;
	return 0;
}

/*
 * Everything after dev_open: SET_OWNER, features, memory table, the log if
 * asked for, both rings, a fresh tap as the backend of both.
 */
int dev_setup(struct va_dev *d, const struct va_cfg *cfg)
{
	struct vhost_memory *mt;
	__u64 offered, want;
	int i, r;

	d->cfg = *cfg;
	d->hdr_len = cfg_hdr_len(cfg);
	if (ioctl(d->fd, VHOST_SET_OWNER)) {
		bail("VHOST_SET_OWNER: %s", strerror(errno));
		return -1;
	}
	if (ioctl(d->fd, VHOST_GET_FEATURES, &offered)) {
		bail("VHOST_GET_FEATURES: %s", strerror(errno));
		return -1;
	}
	want = cfg_features(cfg);
	if (want & ~offered) {
		bail("features 0x%llx not offered (offered 0x%llx)",
		     (unsigned long long)(want & ~offered),
		     (unsigned long long)offered);
		return -1;
	}
	if (ioctl(d->fd, VHOST_SET_FEATURES, &want)) {
		bail("VHOST_SET_FEATURES 0x%llx: %s", (unsigned long long)want,
		     strerror(errno));
		return -1;
	}
	d->features = want;
	mt = mem_table(&va_mem);
	if (!mt)
		return -1;
	r = ioctl(d->fd, VHOST_SET_MEM_TABLE, mt);
	free(mt);
	if (r) {
		bail("VHOST_SET_MEM_TABLE: %s", strerror(errno));
		return -1;
	}
	if (cfg->log) {
		__u64 end = VA_GPA_C + VA_SIZE_C, base;

		d->log_size = ALIGN_UP((end / VA_PAGE + 7) / 8, VA_PAGE);
		d->log = mmap(NULL, d->log_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (d->log == MAP_FAILED) {
			d->log = NULL;
			bail("mmap log: %s", strerror(errno));
			return -1;
		}
		madvise(d->log, d->log_size, MADV_DONTFORK);
		base = (__u64)(unsigned long)d->log;
		if (ioctl(d->fd, VHOST_SET_LOG_BASE, &base)) {
			bail("VHOST_SET_LOG_BASE: %s", strerror(errno));
			return -1;
		}
		d->log_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ioctl(d->fd, VHOST_SET_LOG_FD, &d->log_efd)) {
			bail("VHOST_SET_LOG_FD: %s", strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < 2; i++) {
		if (vq_init(d, &d->vq[i], i, cfg->num, cfg->base[i])) {
			bail("vq_init: %s", strerror(errno));
			return -1;
		}
	}
	if (dev_setup_vqs(d))
		return -1;
	/* a tap the caller set up already, or a new one */
	if (d->tap.fd < 0 &&
	    tap_open(&d->tap, !cfg->vhost_hdr, d->hdr_len, cfg->offload, false))
		return -1;
	for (i = 0; i < 2; i++) {
		r = dev_set_backend(d, i, d->tap.fd);
		if (r) {
			bail("VHOST_NET_SET_BACKEND %d %s: %s", i, d->tap.name,
			     strerror(-r));
			return -1;
		}
	}
	return 0;
}

void dev_close(struct va_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	tap_close(&d->tap);
	vq_fini(&d->vq[0]);
	vq_fini(&d->vq[1]);
	if (d->log)
		munmap(d->log, d->log_size);
	d->log = NULL;
	if (d->log_efd >= 0)
		close(d->log_efd);
	d->log_efd = -1;
}
