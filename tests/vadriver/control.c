// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: the control path. Features, ownership, rejected arguments
 * (the errno /dev/vhost-net gives is the reference), stopping and
 * restarting rings, switching backends.
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/virtio_config.h>

#include "vadriver.h"
#include "traffic.h"

static const struct {
	int bit;
	const char *name;
} net_features[] = {
	{ VIRTIO_NET_F_MRG_RXBUF, "VIRTIO_NET_F_MRG_RXBUF" },
	{ VIRTIO_F_NOTIFY_ON_EMPTY, "VIRTIO_F_NOTIFY_ON_EMPTY" },
	{ VHOST_F_LOG_ALL, "VHOST_F_LOG_ALL" },
	{ VHOST_NET_F_VIRTIO_NET_HDR, "VHOST_NET_F_VIRTIO_NET_HDR" },
	{ VIRTIO_RING_F_INDIRECT_DESC, "VIRTIO_RING_F_INDIRECT_DESC" },
	{ VIRTIO_RING_F_EVENT_IDX, "VIRTIO_RING_F_EVENT_IDX" },
	{ VIRTIO_F_VERSION_1, "VIRTIO_F_VERSION_1" },
};

static const struct va_cfg base_cfg = {
	.vhost_hdr = true,
	.mrg = true,
	.event_idx = true,
	.v1 = true,
	.indirect = true,
	.num = 256,
};

void t_features(void)
{
	__u64 f = 0, f2 = 0, bf = 0;
	char list[512] = "";
	unsigned int i;
	int fd, r;

	fd = open(va_dev_path, O_RDWR | O_CLOEXEC);
	if (!check(fd >= 0, "open %s", va_dev_path))
		return;
	r = ioctl(fd, VHOST_GET_FEATURES, &f);
	check_errno(r, errno, 0, "VHOST_GET_FEATURES before SET_OWNER");
	for (i = 0; i < 64; i++) {
		if (f & (1ULL << i))
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 " %u", i);
	}
	diag("features 0x%016llx: bits%s", (unsigned long long)f, list);
	for (i = 0; i < ARRAY_SIZE(net_features); i++)
		check(f & (1ULL << net_features[i].bit), "offers %s (bit %d)",
		      net_features[i].name, net_features[i].bit);
	r = ioctl(fd, VHOST_GET_BACKEND_FEATURES, &bf);
	diag("VHOST_GET_BACKEND_FEATURES: %s, 0x%llx (information only)",
	     r ? errname(errno) : "ok", (unsigned long long)bf);
	r = ioctl(fd, VHOST_SET_OWNER);
	check_errno(r, errno, 0, "VHOST_SET_OWNER");
	r = ioctl(fd, VHOST_SET_FEATURES, &f);
	check_errno(r, errno, 0, "VHOST_SET_FEATURES with every offered bit");
	r = ioctl(fd, VHOST_GET_FEATURES, &f2);
	check(!r && f2 == f, "VHOST_GET_FEATURES unchanged after SET_FEATURES");
	f2 = 0;
	r = ioctl(fd, VHOST_SET_FEATURES, &f2);
	check_errno(r, errno, 0, "VHOST_SET_FEATURES 0");
	/* QEMU's poll-us= sets this on every ring */
	{
		struct vhost_vring_state s = { .index = VA_TX, .num = 50 };

		r = ioctl(fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s);
		check_errno(r, errno, 0, "VHOST_SET_VRING_BUSYLOOP_TIMEOUT 50");
		s.num = 0;
		r = ioctl(fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s);
		check(!r && s.num == 50,
		      "VHOST_GET_VRING_BUSYLOOP_TIMEOUT gives 50 back (got %s, %u)",
		      r ? errname(errno) : "ok", s.num);
	}
	close(fd);
}

/* ---- ownership ---- */

enum { OP_GET_FEATURES, OP_SET_OWNER, OP_RESET_OWNER, OP_MEM_TABLE,
	OP_VRING_NUM, OP_VRING_ADDR, OP_VRING_BASE, OP_GET_VRING_BASE,
	OP_VRING_KICK, OP_VRING_CALL, OP_LOG_BASE, OP_LOG_FD, OP_BACKEND,
	OP_N };

static const char *const op_name[OP_N] = {
	"VHOST_GET_FEATURES", "VHOST_SET_OWNER", "VHOST_RESET_OWNER",
	"VHOST_SET_MEM_TABLE", "VHOST_SET_VRING_NUM", "VHOST_SET_VRING_ADDR",
	"VHOST_SET_VRING_BASE", "VHOST_GET_VRING_BASE", "VHOST_SET_VRING_KICK",
	"VHOST_SET_VRING_CALL", "VHOST_SET_LOG_BASE", "VHOST_SET_LOG_FD",
	"VHOST_NET_SET_BACKEND",
};

/* Run one ioctl with well-formed arguments; 0 or the errno */
static int run_op(int fd, int op, struct va_vq *vq, int tapfd)
{
	struct vhost_vring_state s = { .index = VA_TX, .num = 256 };
	struct vhost_vring_file f = { .index = VA_TX };
	struct vhost_vring_addr a = { .index = VA_TX };
	struct vhost_memory *mt;
	__u64 u = 0;
	int r, efd = -1;

	a.desc_user_addr = (__u64)(unsigned long)vq->desc;
	a.avail_user_addr = (__u64)(unsigned long)vq->avail;
	a.used_user_addr = (__u64)(unsigned long)vq->used;
	switch (op) {
	case OP_GET_FEATURES:
		r = ioctl(fd, VHOST_GET_FEATURES, &u);
		break;
	case OP_SET_OWNER:
		r = ioctl(fd, VHOST_SET_OWNER);
		break;
	case OP_RESET_OWNER:
		r = ioctl(fd, VHOST_RESET_OWNER);
		break;
	case OP_MEM_TABLE:
		mt = mem_table(&va_mem);
		r = ioctl(fd, VHOST_SET_MEM_TABLE, mt);
		if (r)
			r = -errno;
		free(mt);
		return r ? -r : 0;
	case OP_VRING_NUM:
		r = ioctl(fd, VHOST_SET_VRING_NUM, &s);
		break;
	case OP_VRING_ADDR:
		r = ioctl(fd, VHOST_SET_VRING_ADDR, &a);
		break;
	case OP_VRING_BASE:
		s.num = 0;
		r = ioctl(fd, VHOST_SET_VRING_BASE, &s);
		break;
	case OP_GET_VRING_BASE:
		r = ioctl(fd, VHOST_GET_VRING_BASE, &s);
		break;
	case OP_VRING_KICK:
	case OP_VRING_CALL:
	case OP_LOG_FD:
		efd = eventfd(0, EFD_CLOEXEC);
		f.fd = efd;
		if (op == OP_LOG_FD)
			r = ioctl(fd, VHOST_SET_LOG_FD, &efd);
		else
			r = ioctl(fd, op == OP_VRING_KICK ? VHOST_SET_VRING_KICK :
				  VHOST_SET_VRING_CALL, &f);
		if (r)
			r = -errno;
		close(efd);
		return r ? -r : 0;
	case OP_LOG_BASE:
		u = (__u64)(unsigned long)vq->used;
		r = ioctl(fd, VHOST_SET_LOG_BASE, &u);
		break;
	case OP_BACKEND:
		f.fd = tapfd;
		r = ioctl(fd, VHOST_NET_SET_BACKEND, &f);
		break;
	default:
		return EINVAL;
	}
	return r ? errno : 0;
}

void t_owner(void)
{
	static const int before[] = {
		OP_RESET_OWNER, OP_MEM_TABLE, OP_VRING_NUM, OP_VRING_ADDR,
		OP_VRING_BASE, OP_GET_VRING_BASE, OP_VRING_KICK, OP_VRING_CALL,
		OP_LOG_BASE, OP_LOG_FD, OP_BACKEND,
	};
	struct va_dev d;
	struct va_tap t;
	struct va_vq scratch;
	int res[OP_N];
	unsigned int i;
	int e, p[2], status;
	pid_t pid;

	if (dev_open(&d, va_dev_path))
		return;
	if (vq_init(&d, &scratch, VA_TX, 256, 0)) {
		bail("vq_init");
		goto out;
	}
	if (tap_open(&t, false, 12, false, false))
		goto out_vq;

	/* nothing but GET_FEATURES (and SET_OWNER) before an owner exists */
	e = run_op(d.fd, OP_GET_FEATURES, &scratch, t.fd);
	check_errno(e ? -1 : 0, e, 0, "VHOST_GET_FEATURES before SET_OWNER");
	for (i = 0; i < ARRAY_SIZE(before); i++) {
		e = run_op(d.fd, before[i], &scratch, t.fd);
		check_errno(e ? -1 : 0, e, EPERM, "%s before SET_OWNER",
			    op_name[before[i]]);
	}
	e = run_op(d.fd, OP_SET_OWNER, &scratch, t.fd);
	check_errno(e ? -1 : 0, e, 0, "VHOST_SET_OWNER");
	e = run_op(d.fd, OP_SET_OWNER, &scratch, t.fd);
	check_errno(e ? -1 : 0, e, EBUSY, "second VHOST_SET_OWNER");

	/* a child inherits the fd, but not the ownership */
	if (pipe(p)) {
		bail("pipe: %s", strerror(errno));
		goto out_tap;
	}
	pid = fork();
	if (pid < 0) {
		bail("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto out_tap;
	}
	if (!pid) {
		close(p[0]);
		for (i = 0; i < OP_N; i++)
			res[i] = run_op(d.fd, i, &scratch, t.fd);
		if (write(p[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	memset(res, 0xff, sizeof(res));
	e = read(p[0], res, sizeof(res));
	close(p[0]);
	waitpid(pid, &status, 0);
	if (check(e == sizeof(res), "child process reported its results")) {
		check_errno(res[OP_GET_FEATURES] ? -1 : 0, res[OP_GET_FEATURES],
			    0, "VHOST_GET_FEATURES from a forked child");
		check_errno(res[OP_SET_OWNER] ? -1 : 0, res[OP_SET_OWNER],
			    EBUSY, "VHOST_SET_OWNER from a forked child");
		for (i = 0; i < ARRAY_SIZE(before); i++)
			check_errno(res[before[i]] ? -1 : 0, res[before[i]],
				    EPERM, "%s from a forked child (not the owner)",
				    op_name[before[i]]);
	}
	tap_close(&t);
	vq_fini(&scratch);

	/* the owner's device works; RESET_OWNER; a new owner sets it up */
	{
		struct va_cfg cfg = base_cfg;
		struct vhost_vring_state s = { .index = 0, .num = 256 };
		int r;

		e = ioctl(d.fd, VHOST_RESET_OWNER);
		check_errno(e, errno, 0, "VHOST_RESET_OWNER (no rings yet)");
		if (dev_setup(&d, &cfg))
			goto out;
		tx_one(&d, 1514, L_SINGLE, 1, "tx after SET_OWNER, RESET_OWNER, SET_OWNER");
		rx_post(&d, 32, 2048, L_SINGLE);
		rx_one(&d, 1514, 2, "rx after SET_OWNER, RESET_OWNER, SET_OWNER");
		r = ioctl(d.fd, VHOST_RESET_OWNER);
		check_errno(r, errno, 0, "VHOST_RESET_OWNER with traffic set up");
		r = ioctl(d.fd, VHOST_SET_VRING_NUM, &s);
		check_errno(r, errno, EPERM, "VHOST_SET_VRING_NUM after RESET_OWNER");
		r = ioctl(d.fd, VHOST_SET_OWNER);
		check_errno(r, errno, 0, "VHOST_SET_OWNER after RESET_OWNER");
		r = ioctl(d.fd, VHOST_RESET_OWNER);
		check_errno(r, errno, 0, "VHOST_RESET_OWNER again");
		tap_close(&d.tap);
		vq_fini(&d.vq[0]);
		vq_fini(&d.vq[1]);
		va_straddle_busy = false;
		if (dev_setup(&d, &cfg))
			goto out;
		tx_one(&d, 1514, L_CHAINED, 3, "tx after RESET_OWNER and a new setup");
		rx_post(&d, 32, 2048, L_SINGLE);
		rx_one(&d, 1514, 4, "rx after RESET_OWNER and a new setup");
		dev_no_errors(&d, "no error notifications");
	}
	dev_close(&d);

	/* ownership belongs to the open file: a second fd has its own */
	{
		int fd1 = open(va_dev_path, O_RDWR | O_CLOEXEC);
		int fd2 = open(va_dev_path, O_RDWR | O_CLOEXEC);
		int r1 = ioctl(fd1, VHOST_SET_OWNER);

		check_errno(r1, errno, 0, "VHOST_SET_OWNER on one fd");
		r1 = ioctl(fd2, VHOST_SET_OWNER);
		check_errno(r1, errno, 0, "VHOST_SET_OWNER on a second fd of the same process");
		close(fd1);
		close(fd2);
		fd1 = open(va_dev_path, O_RDWR | O_CLOEXEC);
		r1 = ioctl(fd1, VHOST_SET_OWNER);
		check_errno(r1, errno, 0, "VHOST_SET_OWNER on a reopened device");
		close(fd1);
	}
	return;
out_tap:
	tap_close(&t);
out_vq:
	vq_fini(&scratch);
out:
	dev_close(&d);
}

/* ---- bad arguments ---- */

static int xioctl(int fd, unsigned long req, void *arg, int *err)
{
	int r = ioctl(fd, req, arg);

	*err = r < 0 ? errno : 0;
	return r;
}

static void badargs_mem(struct va_dev *d)
{
	struct vhost_memory *mt;
	unsigned int i, n = 65;
	int r, e;

	mt = calloc(1, sizeof(*mt) + n * sizeof(mt->regions[0]));
	if (!mt)
		return;
	for (i = 0; i < n; i++) {
		/* 4 KiB slices of region A */
		mt->regions[i].guest_phys_addr = 0x40000000ULL + i * VA_PAGE;
		mt->regions[i].memory_size = VA_PAGE;
		mt->regions[i].userspace_addr =
			(__u64)(unsigned long)va_mem.reg[0].hva + i * VA_PAGE;
	}
	mt->nregions = 64;
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e);
	check_errno(r, e, 0, "VHOST_SET_MEM_TABLE with 64 regions");
	mt->nregions = 65;
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e);
	check_errno(r, e, E2BIG, "VHOST_SET_MEM_TABLE with 65 regions");
	mt->nregions = 0x10000000;
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e);
	check_errno(r, e, E2BIG, "VHOST_SET_MEM_TABLE with 2^28 regions");
	mt->nregions = 1;
	mt->padding = 1;
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e);
	check_errno(r, e, EOPNOTSUPP, "VHOST_SET_MEM_TABLE with padding != 0");
	mt->padding = 0;
	mt->nregions = 0;
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e);
	check_errno(r, e, 0, "VHOST_SET_MEM_TABLE with no regions");
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, NULL, &e);
	check_errno(r, e, EFAULT, "VHOST_SET_MEM_TABLE with a NULL pointer");
	free(mt);
	mt = mem_table(&va_mem);
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e);
	check_errno(r, e, 0, "VHOST_SET_MEM_TABLE with the real table again");
	free(mt);
}

static void badargs_vring(struct va_dev *d)
{
	struct va_vq *vq = &d->vq[VA_TX];
	struct vhost_vring_state s;
	struct vhost_vring_addr a0 = {
		.index = VA_TX,
		.desc_user_addr = (__u64)(unsigned long)vq->desc,
		.avail_user_addr = (__u64)(unsigned long)vq->avail,
		.used_user_addr = (__u64)(unsigned long)vq->used,
		.log_guest_addr = vq->used_gpa,
	}, a;
	struct vhost_vring_file f;
	static const unsigned int bad_num[] = { 0, 3, 100, 65536, 0x80000000 };
	static const __u32 bad_idx[] = { 2, 3, 0x100, 0xffffffff };
	unsigned int i;
	int r, e;

	for (i = 0; i < ARRAY_SIZE(bad_num); i++) {
		s.index = VA_TX;
		s.num = bad_num[i];
		r = xioctl(d->fd, VHOST_SET_VRING_NUM, &s, &e);
		check_errno(r, e, EINVAL, "VHOST_SET_VRING_NUM %u", bad_num[i]);
	}
	s.num = 32768;
	r = xioctl(d->fd, VHOST_SET_VRING_NUM, &s, &e);
	check_errno(r, e, 0, "VHOST_SET_VRING_NUM 32768");
	s.num = 1;
	r = xioctl(d->fd, VHOST_SET_VRING_NUM, &s, &e);
	check_errno(r, e, 0, "VHOST_SET_VRING_NUM 1");
	s.num = vq->num;
	xioctl(d->fd, VHOST_SET_VRING_NUM, &s, &e);

	for (i = 0; i < ARRAY_SIZE(bad_idx); i++) {
		s.index = bad_idx[i];
		s.num = 256;
		r = xioctl(d->fd, VHOST_SET_VRING_NUM, &s, &e);
		check_errno(r, e, ENOBUFS, "VHOST_SET_VRING_NUM on vq %u",
			    bad_idx[i]);
		r = xioctl(d->fd, VHOST_GET_VRING_BASE, &s, &e);
		check_errno(r, e, ENOBUFS, "VHOST_GET_VRING_BASE on vq %u",
			    bad_idx[i]);
		a = a0;
		a.index = bad_idx[i];
		r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
		check_errno(r, e, ENOBUFS, "VHOST_SET_VRING_ADDR on vq %u",
			    bad_idx[i]);
		f.index = bad_idx[i];
		f.fd = vq->kick;
		r = xioctl(d->fd, VHOST_SET_VRING_KICK, &f, &e);
		check_errno(r, e, ENOBUFS, "VHOST_SET_VRING_KICK on vq %u",
			    bad_idx[i]);
		f.fd = d->tap.fd;
		r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
		check_errno(r, e, ENOBUFS, "VHOST_NET_SET_BACKEND on vq %u",
			    bad_idx[i]);
	}

	s.index = VA_TX;
	s.num = 0x10000;
	r = xioctl(d->fd, VHOST_SET_VRING_BASE, &s, &e);
	check_errno(r, e, EINVAL, "VHOST_SET_VRING_BASE 0x10000 (split ring)");
	s.num = 0;
	xioctl(d->fd, VHOST_SET_VRING_BASE, &s, &e);

	a = a0;
	a.avail_user_addr += 1;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EINVAL, "VHOST_SET_VRING_ADDR avail ring at an odd address");
	a = a0;
	a.used_user_addr += 2;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EINVAL, "VHOST_SET_VRING_ADDR used ring not 4-aligned");
	a = a0;
	a.flags = 1 << VHOST_VRING_F_LOG;
	a.log_guest_addr += 2;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EINVAL, "VHOST_SET_VRING_ADDR log address not 4-aligned");
	a = a0;
	a.flags = 1 << 1;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EOPNOTSUPP, "VHOST_SET_VRING_ADDR unknown flag 0x2");
	a.flags = 0x80000000;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EOPNOTSUPP, "VHOST_SET_VRING_ADDR unknown flag 0x80000000");
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, NULL, &e);
	check_errno(r, e, EFAULT, "VHOST_SET_VRING_ADDR with a NULL pointer");
	r = xioctl(d->fd, VHOST_SET_VRING_NUM, NULL, &e);
	check_errno(r, e, EFAULT, "VHOST_SET_VRING_NUM with a NULL pointer");
	a = a0;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, 0, "VHOST_SET_VRING_ADDR with the real rings again");

	s.index = VA_TX;
	s.num = VHOST_VRING_LITTLE_ENDIAN;
	r = xioctl(d->fd, VHOST_SET_VRING_ENDIAN, &s, &e);
	check_errno(r, e, ENOTTY, "VHOST_SET_VRING_ENDIAN (no cross-endian support)");
	r = xioctl(d->fd, VHOST_GET_VRING_ENDIAN, &s, &e);
	check_errno(r, e, ENOTTY, "VHOST_GET_VRING_ENDIAN (no cross-endian support)");
	s.index = 0;
	r = xioctl(d->fd, _IOW(VHOST_VIRTIO, 0x5f, struct vhost_vring_state),
		   &s, &e);
	check_errno(r, e, ENOTTY, "unknown ioctl 0x5f");
}

static void badargs_fds(struct va_dev *d)
{
	static const struct {
		unsigned long req;
		const char *name;
	} efd_ioctls[] = {
		{ VHOST_SET_VRING_KICK, "VHOST_SET_VRING_KICK" },
		{ VHOST_SET_VRING_CALL, "VHOST_SET_VRING_CALL" },
		{ VHOST_SET_VRING_ERR, "VHOST_SET_VRING_ERR" },
	};
	struct vhost_vring_file f;
	int p[2], sock, usock[2], closed, r, e, efd, lfd;
	unsigned int i;

	if (pipe(p))
		return;
	/* a descriptor number nothing has open */
	for (closed = 900; fcntl(closed, F_GETFD) != -1; closed++)
		;
	for (i = 0; i < ARRAY_SIZE(efd_ioctls); i++) {
		f.index = VA_RX;
		f.fd = p[0];
		r = xioctl(d->fd, efd_ioctls[i].req, &f, &e);
		check_errno(r, e, EINVAL, "%s with a pipe (not an eventfd)",
			    efd_ioctls[i].name);
		f.fd = closed;
		r = xioctl(d->fd, efd_ioctls[i].req, &f, &e);
		check_errno(r, e, EBADF, "%s with a closed fd",
			    efd_ioctls[i].name);
	}
	lfd = p[0];
	r = xioctl(d->fd, VHOST_SET_LOG_FD, &lfd, &e);
	check_errno(r, e, EINVAL, "VHOST_SET_LOG_FD with a pipe (not an eventfd)");
	lfd = closed;
	r = xioctl(d->fd, VHOST_SET_LOG_FD, &lfd, &e);
	check_errno(r, e, EBADF, "VHOST_SET_LOG_FD with a closed fd");
	efd = eventfd(0, EFD_CLOEXEC);
	r = xioctl(d->fd, VHOST_SET_LOG_FD, &efd, &e);
	check_errno(r, e, 0, "VHOST_SET_LOG_FD with an eventfd");
	lfd = -1;
	r = xioctl(d->fd, VHOST_SET_LOG_FD, &lfd, &e);
	check_errno(r, e, 0, "VHOST_SET_LOG_FD -1 (unbind)");
	close(efd);

	/* backends: only a tap (or macvtap) will do */
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, usock);
	f.index = VA_TX;
	f.fd = sock;
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	check_errno(r, e, ENOTSOCK, "VHOST_NET_SET_BACKEND with a UDP socket");
	f.fd = usock[0];
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	check_errno(r, e, ENOTSOCK, "VHOST_NET_SET_BACKEND with a unix socket");
	f.fd = p[0];
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	check_errno(r, e, ENOTSOCK, "VHOST_NET_SET_BACKEND with a pipe");
	f.fd = d->vq[0].kick;
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	check_errno(r, e, ENOTSOCK, "VHOST_NET_SET_BACKEND with an eventfd");
	f.fd = closed;
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	check_errno(r, e, ENOTSOCK, "VHOST_NET_SET_BACKEND with a closed fd");
	f.fd = d->fd;
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	check_errno(r, e, ENOTSOCK, "VHOST_NET_SET_BACKEND with its own fd");
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, NULL, &e);
	check_errno(r, e, EFAULT, "VHOST_NET_SET_BACKEND with a NULL pointer");
	/* vhost-net also takes raw AF_PACKET sockets: information only */
	f.fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	r = xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	diag("VHOST_NET_SET_BACKEND with an AF_PACKET raw socket: %s (information only)",
	     r ? errname(e) : "accepted");
	if (!r) {
		int off = -1;

		f.fd = off;
		xioctl(d->fd, VHOST_NET_SET_BACKEND, &f, &e);
	}
	close(f.fd);
	close(sock);
	close(usock[0]);
	close(usock[1]);
	close(p[0]);
	close(p[1]);
}

void t_badargs(void)
{
	struct va_cfg cfg = base_cfg;
	struct vhost_vring_state s;
	struct vhost_memory *mt;
	struct va_dev d;
	__u64 f, offered = 0;
	int r, e, i;

	if (dev_open(&d, va_dev_path))
		return;
	d.cfg = cfg;
	d.hdr_len = cfg_hdr_len(&cfg);
	r = xioctl(d.fd, VHOST_SET_OWNER, NULL, &e);
	if (!check_errno(r, e, 0, "VHOST_SET_OWNER"))
		goto out;
	r = xioctl(d.fd, VHOST_GET_FEATURES, NULL, &e);
	check_errno(r, e, EFAULT, "VHOST_GET_FEATURES with a NULL pointer");
	xioctl(d.fd, VHOST_GET_FEATURES, &offered, &e);
	f = offered | 1ULL << VIRTIO_NET_F_CSUM;
	if (!(offered & 1ULL << VIRTIO_NET_F_CSUM)) {
		r = xioctl(d.fd, VHOST_SET_FEATURES, &f, &e);
		check_errno(r, e, EOPNOTSUPP,
			    "VHOST_SET_FEATURES with VIRTIO_NET_F_CSUM (bit 0, not offered)");
	}
	f = offered | 1ULL << 63;
	r = xioctl(d.fd, VHOST_SET_FEATURES, &f, &e);
	check_errno(r, e, EOPNOTSUPP, "VHOST_SET_FEATURES with bit 63 (not offered)");
	f = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << 50;
	if (!(offered & 1ULL << 50)) {
		r = xioctl(d.fd, VHOST_SET_FEATURES, &f, &e);
		check_errno(r, e, EOPNOTSUPP, "VHOST_SET_FEATURES with bit 50 (not offered)");
	}
	f = 1ULL << VHOST_NET_F_VIRTIO_NET_HDR | 1ULL << VIRTIO_NET_F_MRG_RXBUF |
		1ULL << VIRTIO_RING_F_EVENT_IDX | 1ULL << VIRTIO_F_VERSION_1 |
		1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	r = xioctl(d.fd, VHOST_SET_FEATURES, &f, &e);
	check_errno(r, e, 0, "VHOST_SET_FEATURES with offered bits");
	mt = mem_table(&va_mem);
	r = xioctl(d.fd, VHOST_SET_MEM_TABLE, mt, &e);
	free(mt);
	if (!check_errno(r, e, 0, "VHOST_SET_MEM_TABLE"))
		goto out;
	for (i = 0; i < 2; i++)
		if (vq_init(&d, &d.vq[i], i, cfg.num, 0))
			goto out;
	if (dev_setup_vqs(&d))
		goto out;
	if (tap_open(&d.tap, false, d.hdr_len, false, false))
		goto out;

	badargs_mem(&d);
	badargs_vring(&d);
	badargs_fds(&d);

	/* the rejected calls left the device usable */
	if (dev_setup_vqs(&d))
		goto out;
	for (i = 0; i < 2; i++) {
		r = dev_set_backend(&d, i, d.tap.fd);
		check_errno(r, -r, 0, "VHOST_NET_SET_BACKEND vq %d", i);
	}
	s.index = VA_TX;
	s.num = 256;
	r = xioctl(d.fd, VHOST_SET_VRING_NUM, &s, &e);
	check_errno(r, e, EBUSY, "VHOST_SET_VRING_NUM with a backend attached");
	s.num = 0;
	r = xioctl(d.fd, VHOST_SET_VRING_BASE, &s, &e);
	check_errno(r, e, EBUSY, "VHOST_SET_VRING_BASE with a backend attached");
	/*
	 * A region the owner cannot access: vhost-net checks the table
	 * against running rings only (else at SET_BACKEND), so test it here.
	 */
	mt = calloc(1, sizeof(*mt) + sizeof(mt->regions[0]));
	if (mt) {
		mt->nregions = 1;
		mt->regions[0].guest_phys_addr = VA_GPA_A;
		mt->regions[0].memory_size = VA_SIZE_A;
		mt->regions[0].userspace_addr = 0xffff888000000000ULL;
		r = xioctl(d.fd, VHOST_SET_MEM_TABLE, mt, &e);
		check_errno(r, e, EFAULT,
			    "VHOST_SET_MEM_TABLE with a kernel address while running");
		free(mt);
	}
	tx_one(&d, 1514, L_CHAINED, 1, "tx after the rejected calls");
	rx_post(&d, 32, 2048, L_NLAYOUTS);
	rx_one(&d, 9000, 2, "rx after the rejected calls");
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
}

/* ---- stopping, GET_VRING_BASE, restarting ---- */

static bool no_used(struct va_vq *vq, int ms)
{
	return vq_wait_used(vq, 1, ms) == -ETIMEDOUT;
}

void t_vring_base(void)
{
	struct va_cfg cfg = base_cfg;
	struct vhost_vring_state s;
	unsigned char frame[1514];
	struct va_dev d;
	unsigned int i;
	struct res r;
	char what[96];
	int e, rc;
	__u16 old;

	cfg.base[VA_RX] = 1000;
	cfg.base[VA_TX] = 65000;
	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	for (i = 0; i < 5; i++) {
		snprintf(what, sizeof(what), "tx %u from base 65000", i + 1);
		tx_one(&d, 100 + i, L_SINGLE, i, what);
	}
	rx_post(&d, 16, 2048, L_SINGLE);
	for (i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "rx %u from base 1000", i + 1);
		rx_one(&d, 100 + i, 10 + i, what);
	}
	if (d.broken)
		goto out;

	rc = dev_set_backend(&d, VA_TX, -1);
	check_errno(rc, -rc, 0, "TX backend -1 (stop)");
	s.index = VA_TX;
	s.num = 0xdead;
	rc = xioctl(d.fd, VHOST_GET_VRING_BASE, &s, &e);
	if (check_errno(rc, e, 0, "VHOST_GET_VRING_BASE TX"))
		check_eq(65005, s.num, "TX last_avail_idx after 5 frames");
	rc = dev_set_backend(&d, VA_RX, -1);
	check_errno(rc, -rc, 0, "RX backend -1 (stop)");
	s.index = VA_RX;
	s.num = 0xdead;
	rc = xioctl(d.fd, VHOST_GET_VRING_BASE, &s, &e);
	/* 16 buffers available, 3 one-buffer frames received */
	if (check_errno(rc, e, 0, "VHOST_GET_VRING_BASE RX"))
		check_eq(1003, s.num, "RX last_avail_idx after 3 one-buffer frames");

	/* stopped: a new TX buffer stays where it is */
	res_init(&r);
	make_frame(frame, sizeof(frame), 77);
	old = d.vq[VA_TX].avail_idx;
	tx_post(&d, frame, sizeof(frame), L_SINGLE, NULL);
	vq_kick(&d.vq[VA_TX], old);
	check(no_used(&d.vq[VA_TX], 300), "stopped TX ring: buffer not used");
	check(tap_capture(&d.tap, NULL, frame, sizeof(frame), 100) == -ETIMEDOUT,
	      "stopped TX ring: nothing sent");
	s.index = VA_TX;
	rc = xioctl(d.fd, VHOST_GET_VRING_BASE, &s, &e);
	check(!rc && s.num == 65005, "stopped TX ring: base still 65005 (got %u)",
	      s.num);

	/* restart as QEMU does after migration: base, addresses, backend */
	s.index = VA_TX;
	s.num = 65005;
	rc = xioctl(d.fd, VHOST_SET_VRING_BASE, &s, &e);
	check_errno(rc, e, 0, "VHOST_SET_VRING_BASE TX 65005 while stopped");
	s.index = VA_RX;
	s.num = 1003;
	rc = xioctl(d.fd, VHOST_SET_VRING_BASE, &s, &e);
	check_errno(rc, e, 0, "VHOST_SET_VRING_BASE RX 1003 while stopped");
	for (i = 0; i < 2; i++) {
		rc = dev_set_backend(&d, i, d.tap.fd);
		check_errno(rc, -rc, 0, "backend %s again", i ? "TX" : "RX");
	}
	/* a spurious kick, as a guest may well send one */
	vq_force_kick(&d.vq[VA_TX]);
	tx_complete(&d, -1, &r);
	make_frame(frame, sizeof(frame), 77);
	tx_captured(&d.tap, frame, sizeof(frame), NULL, &r);
	res_report(&r, "TX buffer made available while stopped is sent after restart");
	for (i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "tx %u after restart", i + 1);
		tx_one(&d, 1000 + i, L_CHAINED, 100 + i, what);
		snprintf(what, sizeof(what), "rx %u after restart", i + 1);
		rx_one(&d, 1000 + i, 200 + i, what);
	}
	rc = dev_set_backend(&d, VA_TX, -1);
	s.index = VA_TX;
	rc = xioctl(d.fd, VHOST_GET_VRING_BASE, &s, &e);
	if (check_errno(rc, e, 0, "VHOST_GET_VRING_BASE TX after restart"))
		check_eq(65009, s.num, "TX last_avail_idx after 9 frames");
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
}

/* ---- backends ---- */

void t_backend(void)
{
	struct va_cfg cfg = base_cfg;
	unsigned char frame[1514];
	struct va_tap t2, t1;
	struct va_dev d;
	struct res r;
	char name[IFNAMSIZ];
	int rc, i;
	__u16 old;

	memset(&t2, 0, sizeof(t2));
	t2.fd = t2.cap = t2.inj = -1;
	if (dev_open(&d, va_dev_path) || dev_setup(&d, &cfg))
		goto out;
	rx_post(&d, 64, 2048, L_SINGLE);
	tx_one(&d, 1514, L_SINGLE, 1, "tx on tap 1");
	rx_one(&d, 1514, 2, "rx on tap 1");
	if (tap_open(&t2, false, d.hdr_len, false, false))
		goto out;

	for (i = 0; i < 2; i++) {
		rc = dev_set_backend(&d, i, t2.fd);
		check_errno(rc, -rc, 0, "%s backend switched to tap 2 while running",
			    i ? "TX" : "RX");
	}
	t1 = d.tap;
	d.tap = t2;
	tx_one(&d, 1514, L_CHAINED, 3, "tx on tap 2");
	check(tap_capture(&t1, NULL, frame, sizeof(frame), 100) == -ETIMEDOUT,
	      "tap 1 got nothing after the switch");
	rx_one(&d, 1000, 4, "rx on tap 2");
	d.tap = t1;
	for (i = 0; i < 2; i++) {
		rc = dev_set_backend(&d, i, t1.fd);
		check_errno(rc, -rc, 0, "%s backend back to tap 1",
			    i ? "TX" : "RX");
	}
	tx_one(&d, 60, L_INDIRECT, 5, "tx on tap 1 again");
	rx_one(&d, 60, 6, "rx on tap 1 again");
	check(tap_capture(&t2, NULL, frame, sizeof(frame), 100) == -ETIMEDOUT,
	      "tap 2 got nothing after the switch back");

	/* detached TX: the buffer waits; reattached: it goes */
	rc = dev_set_backend(&d, VA_TX, -1);
	check_errno(rc, -rc, 0, "TX backend -1 (detach)");
	res_init(&r);
	make_frame(frame, 200, 7);
	old = d.vq[VA_TX].avail_idx;
	tx_post(&d, frame, 200, L_SINGLE, NULL);
	vq_kick(&d.vq[VA_TX], old);
	check(no_used(&d.vq[VA_TX], 300), "detached TX: buffer not used");
	rc = dev_set_backend(&d, VA_TX, d.tap.fd);
	check_errno(rc, -rc, 0, "TX backend reattached");
	vq_force_kick(&d.vq[VA_TX]);
	tx_complete(&d, -1, &r);
	tx_captured(&d.tap, frame, 200, NULL, &r);
	res_report(&r, "TX buffer of the detached time is sent after reattach");

	/* detached RX: the frame waits in the tap; reattached: it arrives */
	rc = dev_set_backend(&d, VA_RX, -1);
	check_errno(rc, -rc, 0, "RX backend -1 (detach)");
	make_frame(frame, 300, 8);
	vq_arm_call(&d.vq[VA_RX]);
	rc = tap_inject(&d.tap, NULL, frame, 300);
	check(!rc && no_used(&d.vq[VA_RX], 300),
	      "detached RX: frame not delivered");
	rc = dev_set_backend(&d, VA_RX, d.tap.fd);
	check_errno(rc, -rc, 0, "RX backend reattached");
	rx_expect(&d, frame, 300, NULL, "RX frame queued while detached arrives after reattach");

	/* the device holds its own reference to the tap */
	strcpy(name, d.tap.name);
	close(d.tap.fd);
	d.tap.fd = -1;
	tx_one(&d, 1514, L_SINGLE, 9, "tx after closing our tap fd (device keeps it)");
	rx_one(&d, 1514, 10, "rx after closing our tap fd");
	for (i = 0; i < 2; i++)
		dev_set_backend(&d, i, -1);
	for (i = 0; i < 50 && if_nametoindex(name); i++)
		usleep(20000);
	check(!if_nametoindex(name),
	      "tap %s gone once both backends are detached", name);
	dev_no_errors(&d, "no error notifications");
out:
	tap_close(&t2);
	dev_close(&d);
}

/* ---- what can be judged when it is set is refused then ---- */

static bool is_accel(void)
{
	return strstr(va_dev_path, "vhost-accel");
}

/*
 * The end of the user address range (TASK_SIZE_MAX on x86-64): 2^47 less
 * a page, or 2^56 less a page with 5-level paging, which shows by the
 * kernel handing out a mapping above 2^47 when asked for one there.
 */
static __u64 user_top(void)
{
	void *hint = (void *)(1UL << 50);
	void *p = mmap(hint, VA_PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != MAP_FAILED)
		munmap(p, VA_PAGE);
	return p == hint ? (1ULL << 56) - VA_PAGE : (1ULL << 47) - VA_PAGE;
}

/*
 * Something vhost-net takes (and finds wrong later, or never) but
 * vhost-accel refuses when it is set: a deliberate difference, checked on
 * vhost-accel only and reported for vhost-net.
 */
static void accel_refuses(int r, int e, int want, const char *what)
{
	if (is_accel()) {
		check_errno(r, e, want, "%s (vhost-accel only: vhost-net takes it)",
			    what);
		return;
	}
	diag("%s: %s on vhost-net (vhost-accel refuses it with %s: a deliberate difference)",
	     what, r < 0 ? errname(e) : "taken", errname(want));
}

/* The real memory table with one more region */
static int set_mem_plus(struct va_dev *d, __u64 gpa, __u64 size, __u64 uaddr,
			int *err)
{
	struct vhost_memory *mt = mem_table(&va_mem), *t;
	int r;

	t = mt ? realloc(mt, sizeof(*mt) + (VA_NREGIONS + 1) *
			 sizeof(mt->regions[0])) : NULL;
	if (!t) {
		free(mt);
		*err = ENOMEM;
		return -1;
	}
	t->regions[VA_NREGIONS].guest_phys_addr = gpa;
	t->regions[VA_NREGIONS].memory_size = size;
	t->regions[VA_NREGIONS].userspace_addr = uaddr;
	t->regions[VA_NREGIONS].flags_padding = 0;
	t->nregions = VA_NREGIONS + 1;
	r = xioctl(d->fd, VHOST_SET_MEM_TABLE, t, err);
	free(t);
	return r;
}

static void restore_mem(struct va_dev *d, const char *after)
{
	struct vhost_memory *mt = mem_table(&va_mem);
	int r, e = ENOMEM;

	r = mt ? xioctl(d->fd, VHOST_SET_MEM_TABLE, mt, &e) : -1;
	if (r)
		bail("the real memory table again after %s: %s", after,
		     errname(e));
	free(mt);
}

/* Regions whose user range the owner cannot have: refused (EFAULT) */
static void setcheck_mem_user(struct va_dev *d, __u64 top, bool running)
{
	static const char *const state[2] = { "stopped", "running" };
	int r, e;

	r = set_mem_plus(d, 0x500000000ULL, 0x2000, 0xfffffffffffff000ULL, &e);
	if (running)
		check_errno(r, e, EFAULT,
			    "VHOST_SET_MEM_TABLE, a region whose user range wraps 2^64 (rings %s)",
			    state[running]);
	else
		accel_refuses(r, e, EFAULT,
			      "VHOST_SET_MEM_TABLE, a region whose user range wraps 2^64 (rings stopped)");
	restore_mem(d, "a wrapping user range");
	r = set_mem_plus(d, 0x500000000ULL, 0x2000, top - 0x1000, &e);
	if (running)
		check_errno(r, e, EFAULT,
			    "VHOST_SET_MEM_TABLE, a region crossing the end of the user address range (rings %s)",
			    state[running]);
	else
		accel_refuses(r, e, EFAULT,
			      "VHOST_SET_MEM_TABLE, a region crossing the end of the user address range (rings stopped)");
	restore_mem(d, "a region past the user range");
	r = set_mem_plus(d, 0x500000000ULL, 0x2000, 0xffff888000000000ULL, &e);
	if (running)
		check_errno(r, e, EFAULT,
			    "VHOST_SET_MEM_TABLE, a region at a kernel address (rings %s)",
			    state[running]);
	else
		accel_refuses(r, e, EFAULT,
			      "VHOST_SET_MEM_TABLE, a region at a kernel address (rings stopped)");
	restore_mem(d, "a kernel address");
}

/* Memory tables that contradict themselves, rings that cannot be rings */
static void setcheck_stopped(struct va_dev *d, __u64 top, unsigned char *outside)
{
	__u64 hva_a = (__u64)(unsigned long)va_mem.reg[0].hva;
	__u64 hva_c = (__u64)(unsigned long)va_mem.reg[2].hva;
	struct vhost_vring_addr a;
	int r, e;

	r = set_mem_plus(d, 0x500001000ULL, 0, hva_a, &e);
	check_errno(r, e, EFAULT, "VHOST_SET_MEM_TABLE, a region of size 0");
	r = set_mem_plus(d, 0xfffffffffffff000ULL, 0x2000, hva_a, &e);
	check_errno(r, e, EFAULT,
		    "VHOST_SET_MEM_TABLE, a region whose guest addresses wrap 2^64");
	r = set_mem_plus(d, VA_GPA_A + 0x1000, 0x1000, hva_c, &e);
	accel_refuses(r, e, EINVAL,
		      "VHOST_SET_MEM_TABLE, a region overlapping another in guest addresses");
	restore_mem(d, "overlapping regions");
	r = set_mem_plus(d, VA_GPA_C - 0x1000, 0x1001, hva_a, &e);
	accel_refuses(r, e, EINVAL,
		      "VHOST_SET_MEM_TABLE, a region overlapping the next by one byte");
	restore_mem(d, "regions overlapping by one byte");
	r = set_mem_plus(d, VA_GPA_C - 0x1000, 0x1000, hva_a, &e);
	check_errno(r, e, 0, "VHOST_SET_MEM_TABLE, a region just below another (adjacent)");
	restore_mem(d, "adjacent regions");
	setcheck_mem_user(d, top, false);

	/* rings: aligned as the spec says, inside guest memory */
	a = vq_ring_addr(d, VA_TX, false);
	a.desc_user_addr += 8;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	accel_refuses(r, e, EINVAL,
		      "VHOST_SET_VRING_ADDR, descriptor table 8- but not 16-aligned");
	a = vq_ring_addr(d, VA_TX, false);
	a.desc_user_addr = (__u64)(unsigned long)outside;
	a.avail_user_addr = a.desc_user_addr + 0x2000;
	a.used_user_addr = a.desc_user_addr + 0x4000;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	accel_refuses(r, e, EFAULT,
		      "VHOST_SET_VRING_ADDR, rings in user memory outside the memory table (stopped)");
	a = vq_ring_addr(d, VA_TX, false);
	a.used_user_addr = 0xffff888000000000ULL;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	accel_refuses(r, e, EFAULT,
		      "VHOST_SET_VRING_ADDR, used ring at a kernel address (stopped)");
	a = vq_ring_addr(d, VA_TX, false);
	a.avail_user_addr = hva_a + VA_SIZE_A - 4;	/* runs off region A */
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	accel_refuses(r, e, EFAULT,
		      "VHOST_SET_VRING_ADDR, avail ring running off the end of a region (stopped)");
	a = vq_ring_addr(d, VA_TX, false);
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, 0, "VHOST_SET_VRING_ADDR, the real rings again");
}

/* The dirty log must reach the bit of the highest guest page */
static void setcheck_log(struct va_dev *d, __u64 top, bool running)
{
	/* bytes of bitmap up to the last page of region C */
	__u64 need = ((VA_GPA_C + VA_SIZE_C) / VA_PAGE + 7) / 8;
	__u64 short_base = top - need + VA_PAGE, fit_base = top - need - VA_PAGE;
	__u64 f = d->features | 1ULL << VHOST_F_LOG_ALL, f0 = d->features;
	__u64 base, hva_c = (__u64)(unsigned long)va_mem.reg[2].hva;
	size_t size = ALIGN_UP(need, VA_PAGE);
	struct vhost_vring_addr a;
	unsigned char *log;
	int r, e;

	log = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (log == MAP_FAILED) {
		bail("mmap log: %s", strerror(errno));
		return;
	}
	/* QEMU's order: the log base, then LOG_ALL */
	base = short_base;
	r = xioctl(d->fd, VHOST_SET_LOG_BASE, &base, &e);
	check_errno(r, e, 0,
		    "VHOST_SET_LOG_BASE a page short of the memory table, logging off (%s)",
		    running ? "running" : "stopped");
	r = xioctl(d->fd, VHOST_SET_FEATURES, &f, &e);
	if (running) {
		check_errno(r, e, EFAULT,
			    "VHOST_SET_FEATURES + LOG_ALL with a log base a page short (running)");
	} else {
		accel_refuses(r, e, EFAULT,
			      "VHOST_SET_FEATURES + LOG_ALL with a log base a page short (stopped)");
		if (!r)
			xioctl(d->fd, VHOST_SET_FEATURES, &f0, &e);
		munmap(log, size);
		return;
	}
	base = (__u64)(unsigned long)log;
	r = xioctl(d->fd, VHOST_SET_LOG_BASE, &base, &e);
	check_errno(r, e, 0, "VHOST_SET_LOG_BASE a bitmap that covers the memory table");
	r = xioctl(d->fd, VHOST_SET_FEATURES, &f, &e);
	check_errno(r, e, 0, "VHOST_SET_FEATURES + LOG_ALL (running)");
	base = short_base;
	r = xioctl(d->fd, VHOST_SET_LOG_BASE, &base, &e);
	check_errno(r, e, EFAULT,
		    "VHOST_SET_LOG_BASE a page short of the memory table, logging on");
	base = 0xfffffffffffff000ULL;
	r = xioctl(d->fd, VHOST_SET_LOG_BASE, &base, &e);
	check_errno(r, e, EFAULT,
		    "VHOST_SET_LOG_BASE whose bitmap wraps 2^64, logging on");
	/* only the extent is judged (as vhost-net): it need not be mapped */
	base = fit_base;
	r = xioctl(d->fd, VHOST_SET_LOG_BASE, &base, &e);
	check_errno(r, e, 0,
		    "VHOST_SET_LOG_BASE ending a page below the end of the user range, logging on");
	r = set_mem_plus(d, 0x400000000ULL, VA_SIZE_C, hva_c, &e);
	check_errno(r, e, EFAULT,
		    "VHOST_SET_MEM_TABLE growing past what the log base can record, logging on");
	restore_mem(d, "a table past the log");
	a = vq_ring_addr(d, VA_TX, false);
	a.flags = 1 << VHOST_VRING_F_LOG;
	a.log_guest_addr = 0x400000000ULL;
	r = xioctl(d->fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EINVAL,
		    "VHOST_SET_VRING_ADDR + F_LOG, used ring logged past what the log base can record");
	base = (__u64)(unsigned long)log;
	r = xioctl(d->fd, VHOST_SET_LOG_BASE, &base, &e);
	check_errno(r, e, 0, "VHOST_SET_LOG_BASE the real bitmap again");
	r = xioctl(d->fd, VHOST_SET_FEATURES, &f0, &e);
	check_errno(r, e, 0, "VHOST_SET_FEATURES without LOG_ALL again");
	/* the device may keep the log base: it is not used with LOG_ALL off */
	munmap(log, size);
}

void t_setcheck(void)
{
	struct va_cfg cfg = base_cfg;
	struct vhost_vring_state s;
	struct vhost_vring_addr a;
	struct vhost_memory *mt;
	unsigned char *outside;
	struct va_dev d, d2;
	__u64 top = user_top();
	int r, e, i;

	diag("end of the user address range: 0x%llx", (unsigned long long)top);
	/* user memory that is never in the table: room for a ring of 256 */
	outside = mmap(NULL, 0x8000, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (outside == MAP_FAILED) {
		bail("mmap: %s", strerror(errno));
		return;
	}

	/* wrong order: rings before the memory table, a backend before both */
	if (dev_open(&d2, va_dev_path))
		goto out_unmap;
	if (vq_init(&d2, &d2.vq[VA_TX], VA_TX, cfg.num, 0) ||
	    tap_open(&d2.tap, false, 12, false, false))
		goto out_d2;
	r = xioctl(d2.fd, VHOST_SET_OWNER, NULL, &e);
	check_errno(r, e, 0, "VHOST_SET_OWNER");
	s.index = VA_TX;
	s.num = cfg.num;
	r = xioctl(d2.fd, VHOST_SET_VRING_NUM, &s, &e);
	check_errno(r, e, 0, "VHOST_SET_VRING_NUM before VHOST_SET_MEM_TABLE");
	a = vq_ring_addr(&d2, VA_TX, false);
	r = xioctl(d2.fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, 0,
		    "VHOST_SET_VRING_ADDR before VHOST_SET_MEM_TABLE (nothing to judge it by yet)");
	r = dev_set_backend(&d2, VA_TX, d2.tap.fd);
	check_errno(r, -r, EFAULT,
		    "VHOST_NET_SET_BACKEND before VHOST_SET_MEM_TABLE (rings in no guest memory)");
out_d2:
	dev_close(&d2);

	if (dev_open(&d, va_dev_path))
		goto out_unmap;
	d.cfg = cfg;
	d.hdr_len = cfg_hdr_len(&cfg);
	d.features = 1ULL << VHOST_NET_F_VIRTIO_NET_HDR |
		1ULL << VIRTIO_NET_F_MRG_RXBUF | 1ULL << VIRTIO_RING_F_EVENT_IDX |
		1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	r = xioctl(d.fd, VHOST_SET_OWNER, NULL, &e);
	if (!check_errno(r, e, 0, "VHOST_SET_OWNER"))
		goto out;
	r = xioctl(d.fd, VHOST_SET_FEATURES, &d.features, &e);
	if (!check_errno(r, e, 0, "VHOST_SET_FEATURES"))
		goto out;
	mt = mem_table(&va_mem);
	r = xioctl(d.fd, VHOST_SET_MEM_TABLE, mt, &e);
	free(mt);
	if (!check_errno(r, e, 0, "VHOST_SET_MEM_TABLE"))
		goto out;
	for (i = 0; i < 2; i++)
		if (vq_init(&d, &d.vq[i], i, cfg.num, 0))
			goto out;
	if (dev_setup_vqs(&d))
		goto out;
	if (tap_open(&d.tap, false, d.hdr_len, false, false))
		goto out;

	set_prefix("setcheck: stopped:");
	setcheck_stopped(&d, top, outside);
	setcheck_log(&d, top, false);

	set_prefix("setcheck: running:");
	for (i = 0; i < 2; i++) {
		r = dev_set_backend(&d, i, d.tap.fd);
		if (!check_errno(r, -r, 0, "VHOST_NET_SET_BACKEND vq %d", i))
			goto out;
	}
	tx_one(&d, 1514, L_SINGLE, 1, "tx before the refused calls");
	setcheck_mem_user(&d, top, true);
	a = vq_ring_addr(&d, VA_TX, false);
	a.used_user_addr = 0xffff888000000000ULL;
	r = xioctl(d.fd, VHOST_SET_VRING_ADDR, &a, &e);
	check_errno(r, e, EINVAL,
		    "VHOST_SET_VRING_ADDR, used ring at a kernel address (running)");
	if (is_accel()) {
		/* vhost-net would take these and run the ring there */
		a = vq_ring_addr(&d, VA_TX, false);
		a.desc_user_addr = (__u64)(unsigned long)outside;
		a.avail_user_addr = a.desc_user_addr + 0x2000;
		a.used_user_addr = a.desc_user_addr + 0x4000;
		r = xioctl(d.fd, VHOST_SET_VRING_ADDR, &a, &e);
		accel_refuses(r, e, EINVAL,
			      "VHOST_SET_VRING_ADDR, rings in user memory outside the memory table (running)");
		a = vq_ring_addr(&d, VA_TX, false);
		a.desc_user_addr += 8;
		r = xioctl(d.fd, VHOST_SET_VRING_ADDR, &a, &e);
		accel_refuses(r, e, EINVAL,
			      "VHOST_SET_VRING_ADDR, descriptor table 8- but not 16-aligned (running)");
	}
	setcheck_log(&d, top, true);

	set_prefix("setcheck:");
	rx_post(&d, 32, 2048, L_SINGLE);
	tx_one(&d, 1514, L_CHAINED, 2, "tx after the refused calls");
	rx_one(&d, 1514, 3, "rx after the refused calls");
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
out_unmap:
	munmap(outside, 0x8000);
}
