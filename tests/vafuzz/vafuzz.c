// SPDX-License-Identifier: GPL-2.0
/*
 * vafuzz: random, partly valid ioctl sequences and ring contents against a
 * vhost-net compatible device (/dev/vhost-accel, or /dev/vhost-net as the
 * reference), for a bounded time, from a printed seed so a failure replays
 * with --seed N.
 *
 * Invariants checked:
 *  - every ioctl returns 0 or an errno in the set allowed for that ioctl
 *    (derived from drivers/vhost/{dev,net,mem}.c and vhost-net);
 *  - no ioctl blocks: each one runs under an alarm (ALARM_SECS);
 *  - afterwards a fresh device still answers GET_FEATURES and SET_OWNER;
 *  - the module's refcount returns to its value before the run once every
 *    fd is closed.
 *
 * All addresses handed to the device (memory table, rings, log base) are in
 * this program's dedicated, guard-page fenced mappings or certainly unmapped
 * (kernel, non-canonical, guard pages), so the device can never scribble on
 * the fuzzer itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define ALARM_SECS	10
#define MEM_SIZE	(4u << 20)	/* the "guest memory" */
#define RING_AREA	(64u << 10)	/* per queue, at the start of memory */
#define LOG_SIZE	(64u << 10)	/* dirty log: covers 2 GiB of gpa */
#define MAX_DEVS	4
#define MAX_REGIONS	80
#define NQ		2
#define PAGE		4096ul

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* errno bits: the set an ioctl may return */
enum {
	B_EINVAL = 1 << 0, B_EFAULT = 1 << 1, B_EBUSY = 1 << 2,
	B_EPERM = 1 << 3, B_EBADF = 1 << 4, B_ENOTSOCK = 1 << 5,
	B_E2BIG = 1 << 6, B_ENOMEM = 1 << 7, B_EOPNOTSUPP = 1 << 8,
	B_ENOTTY = 1 << 9, B_ENOBUFS = 1 << 10, B_EINTR = 1 << 11,
	B_ENOSPC = 1 << 12,
};

static const struct { int err; unsigned int bit; } errbits[] = {
	{ EINVAL, B_EINVAL }, { EFAULT, B_EFAULT }, { EBUSY, B_EBUSY },
	{ EPERM, B_EPERM }, { EBADF, B_EBADF }, { ENOTSOCK, B_ENOTSOCK },
	{ E2BIG, B_E2BIG }, { ENOMEM, B_ENOMEM }, { EOPNOTSUPP, B_EOPNOTSUPP },
	{ ENOTTY, B_ENOTTY }, { ENOBUFS, B_ENOBUFS }, { EINTR, B_EINTR },
	{ ENOSPC, B_ENOSPC },
};

#define OWNED	(B_EPERM | B_ENOMEM)			/* owner check */
#define VRING	(OWNED | B_EFAULT | B_ENOBUFS)		/* + index check */
#define ANY	(VRING | B_EINVAL | B_ENOTTY | B_EBUSY | B_EOPNOTSUPP)

enum op {
	OP_GET_FEATURES, OP_SET_FEATURES, OP_GET_BACKEND_FEATURES,
	OP_SET_BACKEND_FEATURES, OP_SET_OWNER, OP_RESET_OWNER,
	OP_SET_MEM_TABLE, OP_SET_LOG_BASE, OP_SET_LOG_FD,
	OP_SET_VRING_NUM, OP_SET_VRING_ADDR, OP_SET_VRING_BASE,
	OP_GET_VRING_BASE, OP_SET_VRING_KICK, OP_SET_VRING_CALL,
	OP_SET_VRING_ERR, OP_SET_BUSYLOOP, OP_GET_BUSYLOOP,
	OP_NET_SET_BACKEND, OP_SET_VRING_ENDIAN, OP_GET_VRING_ENDIAN,
	OP_OTHER,	/* vhost ioctls of other device types, unknown ones */
	OP_NR
};

static const struct {
	const char *name;
	unsigned int allowed;
} ops[OP_NR] = {
	[OP_GET_FEATURES] = { "GET_FEATURES", B_EFAULT },
	[OP_SET_FEATURES] = { "SET_FEATURES",
			      OWNED | B_EFAULT | B_EOPNOTSUPP | B_EINVAL },
	[OP_GET_BACKEND_FEATURES] = { "GET_BACKEND_FEATURES", B_EFAULT },
	[OP_SET_BACKEND_FEATURES] = { "SET_BACKEND_FEATURES",
				      OWNED | B_EFAULT | B_EOPNOTSUPP | B_EBUSY },
	[OP_SET_OWNER] = { "SET_OWNER", B_EBUSY | B_ENOMEM | B_EINTR },
	[OP_RESET_OWNER] = { "RESET_OWNER", OWNED | B_EFAULT },
	[OP_SET_MEM_TABLE] = { "SET_MEM_TABLE",
			       OWNED | B_EFAULT | B_EINVAL | B_E2BIG |
			       B_EOPNOTSUPP },
	[OP_SET_LOG_BASE] = { "SET_LOG_BASE", OWNED | B_EFAULT | B_EINVAL },
	[OP_SET_LOG_FD] = { "SET_LOG_FD",
			    OWNED | B_EFAULT | B_EBADF | B_EINVAL },
	[OP_SET_VRING_NUM] = { "SET_VRING_NUM", VRING | B_EBUSY | B_EINVAL },
	[OP_SET_VRING_ADDR] = { "SET_VRING_ADDR",
				VRING | B_EBUSY | B_EINVAL | B_EOPNOTSUPP },
	[OP_SET_VRING_BASE] = { "SET_VRING_BASE", VRING | B_EBUSY | B_EINVAL },
	[OP_GET_VRING_BASE] = { "GET_VRING_BASE", VRING },
	[OP_SET_VRING_KICK] = { "SET_VRING_KICK", VRING | B_EBADF | B_EINVAL },
	[OP_SET_VRING_CALL] = { "SET_VRING_CALL", VRING | B_EBADF | B_EINVAL },
	[OP_SET_VRING_ERR] = { "SET_VRING_ERR", VRING | B_EBADF | B_EINVAL },
	[OP_SET_BUSYLOOP] = { "SET_VRING_BUSYLOOP_TIMEOUT",
			      VRING | B_EINVAL | B_EBUSY },
	[OP_GET_BUSYLOOP] = { "GET_VRING_BUSYLOOP_TIMEOUT", VRING },
	[OP_NET_SET_BACKEND] = { "NET_SET_BACKEND",
				 VRING | B_EBADF | B_ENOTSOCK | B_EINVAL |
				 B_EBUSY | B_ENOSPC | B_EOPNOTSUPP },
	[OP_SET_VRING_ENDIAN] = { "SET_VRING_ENDIAN", ANY },
	[OP_GET_VRING_ENDIAN] = { "GET_VRING_ENDIAN", ANY },
	[OP_OTHER] = { "other (scsi/vsock/vdpa/worker/unknown)", ANY | B_EBADF },
};

static const unsigned long other_cmds[] = {
	VHOST_SCSI_SET_ENDPOINT, VHOST_SCSI_CLEAR_ENDPOINT,
	VHOST_SCSI_GET_ABI_VERSION, VHOST_VSOCK_SET_GUEST_CID,
	VHOST_VSOCK_SET_RUNNING, VHOST_VDPA_GET_DEVICE_ID,
	VHOST_VDPA_GET_STATUS, VHOST_VDPA_SET_STATUS,
	VHOST_VDPA_GET_VRING_NUM, _IO(VHOST_VIRTIO, 0xfe),
	_IOWR(VHOST_VIRTIO, 0x10, struct vhost_vring_state),
};

static struct {
	unsigned long calls, ok;
	unsigned long err[ARRAY_SIZE(errbits) + 1];	/* last: other errno */
} stats[OP_NR];

struct dev {
	int fd;
	int tap;
	int kick[NQ], call[NQ], err;
	unsigned int num[NQ];
	uint16_t avail_idx[NQ];
};

static const char *devpath = "/dev/vhost-accel";
static uint64_t rng_state;
static unsigned long seq;
static int violations;
static int verbose;
static char *mem;		/* MEM_SIZE, guard pages on both sides */
static char *logmem;		/* LOG_SIZE, guard pages on both sides */
static char *noaccess;		/* one PROT_NONE page */
static struct dev devs[MAX_DEVS];
static int devnull_fd = -1, udp_fd = -1;
static volatile sig_atomic_t cur_op = -1;
static unsigned long calls_seen, errs_seen;	/* call / error eventfds that fired */

static uint64_t rnd(void)
{
	/* xorshift64*: the same sequence for the same seed everywhere */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned int pct)
{
	return rn(100) < pct;
}

static void on_alarm(int sig)
{
	char buf[160];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf),
		     "FAIL: op %lu (%s) did not return within %d s: hang\n",
		     seq, cur_op >= 0 ? ops[cur_op].name : "?", ALARM_SECS);
	if (write(1, buf, n) < 0)
		_exit(3);
	_exit(3);
}

static char *map_guarded(size_t size)
{
	char *p = mmap(NULL, size + 2 * PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	if (mprotect(p + PAGE, size, PROT_READ | PROT_WRITE)) {
		perror("mprotect");
		exit(2);
	}
	return p + PAGE;
}

/* An address the device may be given: ours, or certainly not usable. */
static uint64_t rnd_uaddr(char *base, size_t size, size_t want)
{
	switch (rn(10)) {
	case 0:
		return 0;
	case 1:
		return 0xffff888000000000ull + rn(1 << 20) * PAGE;	/* kernel */
	case 2:
		return 0x8000000000000000ull | rnd();		/* non-canonical */
	case 3:
		return (uint64_t)(uintptr_t)(base - PAGE + rn(PAGE));	/* guard */
	case 4:
		return (uint64_t)(uintptr_t)(base + size - want / 2);	/* straddles */
	case 5:
		return (uint64_t)(uintptr_t)noaccess;
	default:
		return (uint64_t)(uintptr_t)(base + rn(size - want + 1));
	}
}

static void *rnd_argp(void *good)
{
	switch (rn(30)) {
	case 0:
		return NULL;
	case 1:
		return noaccess;
	case 2:
		return (void *)0xffff888000000000ull;
	default:
		return good;
	}
}

/* An fd for a kick/call/err/log/backend slot. */
static int rnd_fd(struct dev *d)
{
	int fd;

	switch (rn(12)) {
	case 0:
		return -1;
	case 1:
		return devnull_fd;
	case 2:
		return udp_fd;
	case 3:
		/* a closed fd */
		fd = dup(0);
		if (fd >= 0)
			close(fd);
		return fd;
	case 4:
		return (int)rnd();
	case 5:
		return d->fd;
	case 6:
		return d->tap;
	case 7:
		return devs[rn(MAX_DEVS)].tap;
	default:
		return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
}

static int do_ioctl(int op, int fd, unsigned long cmd, void *arg)
{
	unsigned int i;
	int ret, e;

	cur_op = op;
	alarm(ALARM_SECS);
	ret = ioctl(fd, cmd, arg);
	e = errno;
	alarm(0);
	cur_op = -1;
	stats[op].calls++;
	if (ret >= 0) {
		stats[op].ok++;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(errbits); i++)
		if (errbits[i].err == e)
			break;
	stats[op].err[i]++;
	if (i == ARRAY_SIZE(errbits) || !(ops[op].allowed & errbits[i].bit)) {
		violations++;
		printf("FAIL: op %lu: %s (cmd %#lx) returned errno %d (%s), %s\n",
		       seq, ops[op].name, cmd, e, strerror(e),
		       "not in its allowed set");
	}
	if (verbose)
		printf("op %lu: %s -> %s\n", seq, ops[op].name, strerror(e));
	errno = e;
	return -1;
}

static int open_tap(void)
{
	struct ifreq ifr;
	int fd, s;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(s, SIOCSIFFLAGS, &ifr);
		}
		close(s);
	}
	return fd;
}

static void close_dev(struct dev *d)
{
	int q;

	if (d->fd >= 0)
		close(d->fd);
	if (d->tap >= 0)
		close(d->tap);
	for (q = 0; q < NQ; q++) {
		if (d->kick[q] >= 0)
			close(d->kick[q]);
		if (d->call[q] >= 0)
			close(d->call[q]);
		d->kick[q] = -1;
		d->call[q] = -1;
	}
	if (d->err >= 0)
		close(d->err);
	d->fd = -1;
	d->tap = -1;
	d->err = -1;
}

/*
 * Most devices first get a valid setup (owner, memory, both rings, kick and
 * call, the tap as backend), so the random operations after it reach the
 * deep states: rings running, traffic, backends swapped under it.
 */
static void setup_valid(struct dev *d)
{
	union {
		struct vhost_memory m;
		char buf[sizeof(struct vhost_memory) +
			 4 * sizeof(struct vhost_memory_region)];
	} mt;
	struct vhost_vring_state s;
	struct vhost_vring_addr a;
	struct vhost_vring_file f;
	uint64_t u = (1ull << VIRTIO_F_VERSION_1) |
		     (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
		     (chance(50) ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0);
	unsigned int q;

	if (do_ioctl(OP_SET_OWNER, d->fd, VHOST_SET_OWNER, NULL))
		return;
	do_ioctl(OP_SET_FEATURES, d->fd, VHOST_SET_FEATURES, &u);
	mt.m.nregions = 1;
	mt.m.padding = 0;
	mt.m.regions[0].guest_phys_addr = 0;
	mt.m.regions[0].memory_size = MEM_SIZE;
	mt.m.regions[0].userspace_addr = (uintptr_t)mem;
	mt.m.regions[0].flags_padding = 0;
	do_ioctl(OP_SET_MEM_TABLE, d->fd, VHOST_SET_MEM_TABLE, &mt.m);
	for (q = 0; q < NQ; q++) {
		char *area = mem + q * RING_AREA;

		d->num[q] = 1u << (1 + rn(9));
		memset(area, 0, RING_AREA);
		s.index = q;
		s.num = d->num[q];
		do_ioctl(OP_SET_VRING_NUM, d->fd, VHOST_SET_VRING_NUM, &s);
		s.num = 0;
		d->avail_idx[q] = 0;
		do_ioctl(OP_SET_VRING_BASE, d->fd, VHOST_SET_VRING_BASE, &s);
		a.index = q;
		a.flags = 0;
		a.desc_user_addr = (uintptr_t)area;
		a.avail_user_addr = (uintptr_t)area + 16 * d->num[q];
		a.used_user_addr = (uintptr_t)area + 32 * 1024;
		a.log_guest_addr = q * RING_AREA + 32 * 1024;
		do_ioctl(OP_SET_VRING_ADDR, d->fd, VHOST_SET_VRING_ADDR, &a);
		f.index = q;
		f.fd = d->kick[q];
		do_ioctl(OP_SET_VRING_KICK, d->fd, VHOST_SET_VRING_KICK, &f);
		f.fd = d->call[q];
		do_ioctl(OP_SET_VRING_CALL, d->fd, VHOST_SET_VRING_CALL, &f);
		f.fd = d->err;
		do_ioctl(OP_SET_VRING_ERR, d->fd, VHOST_SET_VRING_ERR, &f);
		if (d->tap >= 0) {
			f.fd = d->tap;
			do_ioctl(OP_NET_SET_BACKEND, d->fd, VHOST_NET_SET_BACKEND, &f);
		}
	}
}

static void open_dev(struct dev *d, int setup)
{
	int q;

	close_dev(d);
	d->fd = open(devpath, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		printf("FAIL: op %lu: open %s: %s\n", seq, devpath, strerror(errno));
		violations++;
		return;
	}
	d->tap = open_tap();
	d->err = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (q = 0; q < NQ; q++) {
		d->kick[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		d->call[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		d->num[q] = 256;
		d->avail_idx[q] = 0;
	}
	if (setup && chance(80))
		setup_valid(d);
}

static void fill_mem_table(struct vhost_memory *m)
{
	unsigned int i, n;
	uint64_t gpa = 0, left = MEM_SIZE;

	switch (rn(4)) {
	case 0:		/* garbage (but addresses stay ours or unusable) */
		n = rn(10) ? rn(8) : rn(MAX_REGIONS);
		for (i = 0; i < n; i++) {
			struct vhost_memory_region *r = &m->regions[i];
			uint64_t sz = chance(20) ? 0 : chance(10) ? rnd() :
				      PAGE * (1 + rn(MEM_SIZE / PAGE));

			if (chance(10))
				r->guest_phys_addr = -(uint64_t)rn(MEM_SIZE);
			else if (chance(10))
				r->guest_phys_addr = (1ull << 62) | rnd();
			else
				r->guest_phys_addr = rn(64 << 20) & ~(chance(80) ? PAGE - 1 : 0);
			r->memory_size = sz;
			r->userspace_addr = rnd_uaddr(mem, MEM_SIZE,
						      sz > MEM_SIZE ? MEM_SIZE : sz);
			r->flags_padding = chance(5) ? rnd() : 0;
		}
		break;
	default:	/* valid: memory split into a few regions */
		n = 1 + rn(4);
		for (i = 0; i < n; i++) {
			struct vhost_memory_region *r = &m->regions[i];
			uint64_t sz = i == n - 1 ? left :
				      PAGE * (1 + rn(left / PAGE / 2));

			r->guest_phys_addr = gpa;
			r->memory_size = sz;
			r->userspace_addr = (uintptr_t)mem + gpa;
			r->flags_padding = 0;
			gpa += sz;
			left -= sz;
		}
		break;
	}
	m->nregions = n;
	m->padding = chance(5) ? rnd() : 0;
}

static uint64_t rnd_gpa(void)
{
	switch (rn(8)) {
	case 0:
		return rnd();
	case 1:
		return MEM_SIZE - rn(64);
	case 2:
		return -(uint64_t)rn(4096);
	default:
		return RING_AREA * NQ + rn(MEM_SIZE - RING_AREA * NQ);
	}
}

/* Random descriptors and avail entries in a queue's canonical ring area. */
static void scribble_ring(struct dev *d, int q)
{
	unsigned int num = d->num[q] && d->num[q] <= 1024 ? d->num[q] : 256;
	char *area = mem + q * RING_AREA;
	struct vring_desc *desc = (void *)area;
	struct vring_avail *avail = (void *)(area + 16 * num);
	unsigned int i, n = 1 + rn(num);
	uint64_t u;

	for (i = 0; i < n; i++) {
		struct vring_desc *dd = &desc[rn(num)];
		unsigned int j;

		dd->addr = rnd_gpa();
		dd->len = chance(10) ? rnd() : chance(10) ? 0 : 1 + rn(2048);
		dd->flags = rn(8);
		dd->next = chance(90) ? rn(num) : rnd();
		if ((dd->flags & VRING_DESC_F_INDIRECT) && chance(70)) {
			/* an indirect table of random descriptors */
			unsigned int off = RING_AREA * NQ +
					   rn(MEM_SIZE - RING_AREA * NQ - 4096) / 16 * 16;
			struct vring_desc *t = (void *)(mem + off);

			dd->addr = off;
			dd->len = chance(80) ? 16 * (1 + rn(16)) : rn(300);
			for (j = 0; j < 16; j++) {
				t[j].addr = rnd_gpa();
				t[j].len = rn(4096);
				t[j].flags = rn(8);
				t[j].next = rn(20);
			}
		}
		avail->ring[rn(num)] = chance(90) ? rn(num) : rnd();
	}
	if (chance(90))
		d->avail_idx[q] += rn(8);
	else
		d->avail_idx[q] += rnd();
	__atomic_store_n(&avail->idx, d->avail_idx[q], __ATOMIC_RELEASE);
	avail->flags = chance(90) ? 0 : rnd();
	if (d->call[q] >= 0 && read(d->call[q], &u, sizeof(u)) == sizeof(u))
		calls_seen++;
	if (d->err >= 0 && read(d->err, &u, sizeof(u)) == sizeof(u))
		errs_seen++;
	if (d->kick[q] >= 0 && chance(80)) {
		uint64_t one = 1;

		if (write(d->kick[q], &one, sizeof(one)) < 0)
			(void)0;
	}
}

/* One random ioctl (or ring scribble) on device @d. */
static void fuzz_one(struct dev *d)
{
	union {
		struct vhost_memory m;
		char buf[sizeof(struct vhost_memory) +
			 MAX_REGIONS * sizeof(struct vhost_memory_region)];
	} mt;
	struct vhost_vring_state s;
	struct vhost_vring_addr a;
	struct vhost_vring_file f;
	uint64_t u;
	int op = rn(OP_NR + 4);
	unsigned int q = chance(90) ? rn(NQ) : chance(50) ? NQ + rn(4) : rnd();
	int tmpfd = -1;

	if (op == OP_RESET_OWNER && chance(80))
		op = OP_NR;	/* rarer: it undoes the setup */
	if (op >= OP_NR) {
		if (q < NQ)
			scribble_ring(d, q);
		return;
	}
	s.index = q;
	f.index = q;
	switch (op) {
	case OP_GET_FEATURES:
	case OP_GET_BACKEND_FEATURES:
		do_ioctl(op, d->fd, op == OP_GET_FEATURES ? VHOST_GET_FEATURES :
			 VHOST_GET_BACKEND_FEATURES, rnd_argp(&u));
		break;
	case OP_SET_FEATURES:
	case OP_SET_BACKEND_FEATURES:
		u = chance(50) ? rnd() : rnd() & ((1ull << VIRTIO_F_VERSION_1) |
			(1ull << 15) | (1ull << VHOST_F_LOG_ALL) |
			(1ull << VIRTIO_RING_F_EVENT_IDX) |
			(1ull << VIRTIO_RING_F_INDIRECT_DESC) | 3);
		do_ioctl(op, d->fd, op == OP_SET_FEATURES ? VHOST_SET_FEATURES :
			 VHOST_SET_BACKEND_FEATURES, rnd_argp(&u));
		break;
	case OP_SET_OWNER:
		do_ioctl(op, d->fd, VHOST_SET_OWNER, NULL);
		break;
	case OP_RESET_OWNER:
		do_ioctl(op, d->fd, VHOST_RESET_OWNER, NULL);
		break;
	case OP_SET_MEM_TABLE:
		fill_mem_table(&mt.m);
		do_ioctl(op, d->fd, VHOST_SET_MEM_TABLE, rnd_argp(&mt.m));
		break;
	case OP_SET_LOG_BASE:
		u = chance(70) ? (uintptr_t)logmem + rn(64) * 8 :
		    rnd_uaddr(logmem, LOG_SIZE, LOG_SIZE / 2);
		do_ioctl(op, d->fd, VHOST_SET_LOG_BASE, rnd_argp(&u));
		break;
	case OP_SET_LOG_FD:
		tmpfd = rnd_fd(d);
		do_ioctl(op, d->fd, VHOST_SET_LOG_FD, rnd_argp(&tmpfd));
		break;
	case OP_SET_VRING_NUM:
		s.num = chance(70) ? 1u << rn(11) : chance(50) ? rn(70000) : rnd();
		if (!do_ioctl(op, d->fd, VHOST_SET_VRING_NUM, rnd_argp(&s)) &&
		    q < NQ)
			d->num[q] = s.num;
		break;
	case OP_SET_VRING_BASE:
		s.num = chance(70) ? d->avail_idx[q % NQ] : rnd();
		do_ioctl(op, d->fd, VHOST_SET_VRING_BASE, rnd_argp(&s));
		break;
	case OP_GET_VRING_BASE:
		do_ioctl(op, d->fd, VHOST_GET_VRING_BASE, rnd_argp(&s));
		break;
	case OP_SET_VRING_ADDR: {
		unsigned int num = d->num[q % NQ] <= 1024 ? d->num[q % NQ] : 256;
		char *area = mem + (q % NQ) * RING_AREA;

		a.index = q;
		a.flags = chance(90) ? rn(2) : rnd();
		if (chance(70)) {
			a.desc_user_addr = (uintptr_t)area;
			a.avail_user_addr = (uintptr_t)area + 16 * num;
			a.used_user_addr = (uintptr_t)area + 32 * 1024;
			if (chance(10))
				a.used_user_addr += 1 + rn(3);
		} else {
			a.desc_user_addr = rnd_uaddr(mem, MEM_SIZE, 16 * num);
			a.avail_user_addr = rnd_uaddr(mem, MEM_SIZE, 6 + 2 * num);
			a.used_user_addr = rnd_uaddr(mem, MEM_SIZE, 6 + 8 * num);
		}
		a.log_guest_addr = chance(70) ? (q % NQ) * RING_AREA + 32 * 1024 :
				   rnd();
		do_ioctl(op, d->fd, VHOST_SET_VRING_ADDR, rnd_argp(&a));
		break;
	}
	case OP_SET_VRING_KICK:
	case OP_SET_VRING_CALL:
	case OP_SET_VRING_ERR:
		if (chance(60)) {
			f.fd = op == OP_SET_VRING_KICK ? d->kick[q % NQ] :
			       op == OP_SET_VRING_CALL ? d->call[q % NQ] : d->err;
		} else {
			tmpfd = rnd_fd(d);
			f.fd = tmpfd;
		}
		do_ioctl(op, d->fd, op == OP_SET_VRING_KICK ? VHOST_SET_VRING_KICK :
			 op == OP_SET_VRING_CALL ? VHOST_SET_VRING_CALL :
			 VHOST_SET_VRING_ERR, rnd_argp(&f));
		break;
	case OP_SET_BUSYLOOP:
		s.num = chance(80) ? rn(50) : rnd();
		do_ioctl(op, d->fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, rnd_argp(&s));
		break;
	case OP_GET_BUSYLOOP:
		do_ioctl(op, d->fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, rnd_argp(&s));
		break;
	case OP_NET_SET_BACKEND:
		if (chance(60)) {
			f.fd = chance(80) ? d->tap : -1;
		} else {
			f.fd = rnd_fd(d);
			/* eventfds made for this call only: close them after */
			if (f.fd != d->tap && f.fd != d->fd && f.fd != devnull_fd &&
			    f.fd != udp_fd && f.fd > 2) {
				int k;

				tmpfd = f.fd;
				for (k = 0; k < MAX_DEVS; k++)
					if (tmpfd == devs[k].tap || tmpfd == devs[k].fd)
						tmpfd = -1;
			}
		}
		do_ioctl(op, d->fd, VHOST_NET_SET_BACKEND, rnd_argp(&f));
		break;
	case OP_SET_VRING_ENDIAN:
		s.num = rn(3);
		do_ioctl(op, d->fd, VHOST_SET_VRING_ENDIAN, rnd_argp(&s));
		break;
	case OP_GET_VRING_ENDIAN:
		do_ioctl(op, d->fd, VHOST_GET_VRING_ENDIAN, rnd_argp(&s));
		break;
	case OP_OTHER:
		memset(mt.buf, 0, 256);
		mt.m.nregions = q;
		do_ioctl(op, d->fd, other_cmds[rn(ARRAY_SIZE(other_cmds))],
			 rnd_argp(mt.buf));
		break;
	}
	/* only the eventfds made by rnd_fd() for this call */
	if (tmpfd > 2 && tmpfd != d->fd && tmpfd != d->tap &&
	    tmpfd != devnull_fd && tmpfd != udp_fd) {
		int k, q2, mine = 0;

		for (k = 0; k < MAX_DEVS; k++) {
			if (tmpfd == devs[k].fd || tmpfd == devs[k].tap ||
			    tmpfd == devs[k].err)
				mine = 1;
			for (q2 = 0; q2 < NQ; q2++)
				if (tmpfd == devs[k].kick[q2] ||
				    tmpfd == devs[k].call[q2])
					mine = 1;
		}
		if (!mine)
			close(tmpfd);
	}
}

/*
 * A child takes ownership of a new device, sets it up and plays a little,
 * then exits while the parent keeps the fd (and goes on using it).
 */
static void fork_owner(struct dev *d)
{
	int i, status, n = rn(20);
	pid_t pid;

	open_dev(d, 0);
	if (d->fd < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		rng_state ^= 0x9e3779b97f4a7c15ull;
		setup_valid(d);
		for (i = 0; i < n; i++)
			fuzz_one(d);
		fflush(stdout);
		_exit(violations ? 1 : 0);
	}
	/* the child runs ops under alarms, so it ends */
	if (waitpid(pid, &status, 0) == pid &&
	    (!WIFEXITED(status) || WEXITSTATUS(status))) {
		printf("FAIL: op %lu: forked owner child %s %d\n", seq,
		       WIFEXITED(status) ? "exited with" : "killed by signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		violations++;
	}
}

static long module_refcnt(const char *module)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", module);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void print_summary(unsigned long nops)
{
	unsigned int i, j;

	printf("%lu operations; %s %lu times, an error eventfd %lu times\n",
	       nops, "the device signalled a call eventfd", calls_seen, errs_seen);
	for (i = 0; i < OP_NR; i++) {
		printf("  %-28s %7lu calls, %7lu ok", ops[i].name,
		       stats[i].calls, stats[i].ok);
		for (j = 0; j <= ARRAY_SIZE(errbits); j++)
			if (stats[i].err[j])
				printf(", %s %lu", j < ARRAY_SIZE(errbits) ?
				       strerrorname_np(errbits[j].err) : "other",
				       stats[i].err[j]);
		printf("\n");
	}
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--dev PATH] [--seed N] [--time SECONDS] [--verbose]\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ }
	};
	unsigned long long seed;
	struct timespec ts;
	double secs = 30;
	char module[64];
	const char *base;
	long refcnt0, refcnt;
	time_t end;
	int c, i, fd;
	uint64_t u;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	while ((c = getopt_long(argc, argv, "d:s:t:v", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devpath = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vafuzz: seed %llu (replay: --seed %llu), %s, %.0f s\n",
	       seed, seed, devpath, secs);
	rng_state = seed ? seed : 1;

	/* the module of the device: /dev/vhost-accel -> vhost_accel */
	base = strrchr(devpath, '/');
	snprintf(module, sizeof(module), "%s", base ? base + 1 : devpath);
	for (i = 0; module[i]; i++)
		if (module[i] == '-')
			module[i] = '_';
	refcnt0 = module_refcnt(module);

	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	mem = map_guarded(MEM_SIZE);
	logmem = map_guarded(LOG_SIZE);
	noaccess = map_guarded(PAGE) - PAGE;
	devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = 0; i < MAX_DEVS; i++) {
		devs[i].fd = -1;
		devs[i].tap = -1;
		devs[i].err = -1;
		memset(devs[i].kick, -1, sizeof(devs[i].kick));
		memset(devs[i].call, -1, sizeof(devs[i].call));
		open_dev(&devs[i], 1);
	}
	fd = open_tap();
	if (fd < 0)
		printf("note: no tap (/dev/net/tun): backends are non-tap fds only\n");
	else
		close(fd);

	end = time(NULL) + (time_t)secs;
	for (seq = 0; time(NULL) < end; seq++) {
		struct dev *d = &devs[rn(MAX_DEVS)];

		if (d->fd < 0 || chance(1)) {
			open_dev(d, 1);
			continue;
		}
		if (rn(1000) < 3) {
			fork_owner(d);
			continue;
		}
		if (rn(1000) < 5) {
			close(d->fd);
			d->fd = -1;
			continue;
		}
		fuzz_one(d);
	}

	for (i = 0; i < MAX_DEVS; i++)
		close_dev(&devs[i]);
	print_summary(seq);

	/* a fresh device still works */
	fd = open(devpath, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL: fresh open %s: %s\n", devpath, strerror(errno));
		violations++;
	} else {
		if (do_ioctl(OP_GET_FEATURES, fd, VHOST_GET_FEATURES, &u)) {
			printf("FAIL: fresh device: GET_FEATURES: %m\n");
			violations++;
		}
		if (do_ioctl(OP_SET_OWNER, fd, VHOST_SET_OWNER, NULL)) {
			printf("FAIL: fresh device: SET_OWNER: %m\n");
			violations++;
		}
		close(fd);
	}

	/* every reference dropped (workers may take a moment to go) */
	refcnt = module_refcnt(module);
	for (i = 0; i < 100 && refcnt != refcnt0; i++) {
		usleep(100000);
		refcnt = module_refcnt(module);
	}
	if (refcnt0 < 0) {
		printf("note: no /sys/module/%s/refcnt: refcount not checked\n", module);
	} else if (refcnt != refcnt0) {
		printf("FAIL: /sys/module/%s/refcnt is %ld after the run, %ld before\n",
		       module, refcnt, refcnt0);
		violations++;
	} else {
		printf("/sys/module/%s/refcnt back to %ld\n", module, refcnt0);
	}

	printf("%s: %d invariant violation(s), seed %llu\n",
	       violations ? "FAIL" : "ok", violations, seed);
	return violations ? 1 : 0;
}
