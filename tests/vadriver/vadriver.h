/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vadriver: a userspace "guest" that drives a vhost-net compatible char
 * device (/dev/vhost-net, /dev/vhost-accel) directly through its ioctls.
 *
 * Guest memory lives in this process (mmap), is registered with
 * VHOST_SET_MEM_TABLE at guest physical addresses that differ from the
 * user addresses, and holds split virtqueues and packet buffers. A tap
 * device is the backend; AF_PACKET sockets on the tap capture what the
 * device sends and inject what the device should receive.
 */
#ifndef VADRIVER_H
#define VADRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/types.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_net.h>
#include <linux/vhost.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__u64)(a) - 1))

#define VA_PAGE		4096ULL

/*
 * Guest physical layout. Regions A and B are contiguous in GPA but are
 * two separate mmaps (B sits below A in the user address space), so a
 * buffer that crosses GPA_AB_SPLIT is one descriptor but two user ranges.
 * Region C is far away at a high GPA. The low 4 GiB are not guest memory
 * at all: a GPA there is not a user address by accident.
 */
#define VA_GPA_A	0x100000000ULL
#define VA_SIZE_A	(8ULL << 20)
#define VA_GPA_B	(VA_GPA_A + VA_SIZE_A)
#define VA_SIZE_B	(8ULL << 20)
#define VA_GPA_AB_SPLIT	VA_GPA_B
#define VA_GPA_C	0x300000000ULL
#define VA_SIZE_C	(2ULL << 20)
/* Kept out of the allocator: buffers that straddle A and B go here. */
#define VA_STRADDLE	(80ULL << 10)

#define VA_NREGIONS	3

/* Ethernet frames the tests build */
#define VA_ETH_HLEN	14
#define VA_ETHERTYPE	0x88b5	/* IEEE local experimental */
#define VA_MAX_FRAME	65535
#define VA_TAP_MTU	(VA_MAX_FRAME - VA_ETH_HLEN)

#define VA_MAX_SEG	128

struct va_region {
	__u64 gpa;
	__u64 size;
	unsigned char *hva;
};

struct va_mem {
	struct va_region reg[VA_NREGIONS];
	__u64 next_a;		/* bump pointers, in GPA */
	__u64 next_b;
	__u64 next_c;
};

struct va_mark {
	__u64 a, b, c;
};

struct va_seg {
	__u64 gpa;
	__u32 len;
};

/* One buffer the guest made available, indexed by its head id */
struct va_chain {
	bool busy;
	bool indirect;
	int nseg;
	unsigned int ndesc;	/* ring descriptors it holds */
	__u32 total;
	struct va_seg seg[VA_MAX_SEG];
	__u16 ids[VA_MAX_SEG];
	void *cookie;
};

struct va_dev;

struct va_vq {
	struct va_dev *dev;
	int index;
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	__u64 desc_gpa, avail_gpa, used_gpa;
	__u16 *free;		/* stack of free descriptor ids */
	unsigned int nfree;
	struct va_chain **chain;	/* by head id */
	__u64 ind_gpa;		/* per-head indirect tables, or 0 */
	unsigned int ind_max;	/* entries per table */
	__u16 avail_idx;	/* shadow of avail->idx */
	__u16 last_used;	/* next used entry to read */
	bool no_interrupt;	/* VRING_AVAIL_F_NO_INTERRUPT requested */
	bool hold_event;	/* used_event stays put until the call comes */
	bool always_kick;
	int kick, call, err;
	unsigned long kicks, calls;
};

struct va_cfg {
	bool vhost_hdr;		/* VHOST_NET_F_VIRTIO_NET_HDR: device adds hdr */
	bool mrg;		/* VIRTIO_NET_F_MRG_RXBUF */
	bool event_idx;		/* VIRTIO_RING_F_EVENT_IDX */
	bool v1;		/* VIRTIO_F_VERSION_1 */
	bool indirect;		/* VIRTIO_RING_F_INDIRECT_DESC */
	bool log;		/* VHOST_F_LOG_ALL, log base, F_LOG on rings */
	bool offload;		/* TUNSETOFFLOAD csum + tso on the tap */
	bool notify_on_empty;	/* VIRTIO_F_NOTIFY_ON_EMPTY */
	unsigned int num;	/* ring size */
	__u16 base[2];		/* first avail/used index of each ring */
};

struct va_tap {
	int fd;
	char name[IFNAMSIZ];
	int ifindex;
	int cap;		/* AF_PACKET: what the device sent */
	int inj;		/* AF_PACKET: sends to the device */
	bool vnet_hdr;
};

struct va_dev {
	const char *path;
	int fd;
	struct va_cfg cfg;
	__u64 features;
	unsigned int hdr_len;	/* virtio-net header the guest sees */
	struct va_vq vq[2];
	struct va_tap tap;
	unsigned char *log;
	size_t log_size;
	int log_efd;
	bool broken;		/* a wait timed out: stop this device */
	bool nomrg_nb_seen;
	bool rx_hold;		/* rx_recv keeps used buffers (no repost) */
	unsigned long rx_bufs_used;	/* RX used entries taken so far */
};

#define VA_RX	0
#define VA_TX	1

/* main.c: reporting and options */
extern int va_timeout_ms;
/* --time-scale: waits and timed phases are this many times longer */
extern unsigned int va_time_scale;
extern unsigned int va_seed;
extern int va_verbose;
extern const char *va_dev_path;
extern struct va_mem va_mem;
extern bool va_straddle_busy;	/* the A/B straddling buffer is in use */

bool check(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool check_eq(unsigned long long want, unsigned long long got,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool check_errno(int ret, int err, int want, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void set_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned int va_rand(void);
long long now_ms(void);
const char *errname(int err);

/* guest.c: guest memory and split rings */
int mem_init(struct va_mem *m);
void mem_reset(struct va_mem *m);
__u64 gpa_alloc(struct va_mem *m, __u64 size, __u64 align);
__u64 gpa_alloc_c(struct va_mem *m, __u64 size, __u64 align);
void mem_save(struct va_mem *m, struct va_mark *mk);
void mem_restore(struct va_mem *m, const struct va_mark *mk);
void *g2h(struct va_mem *m, __u64 gpa, __u64 len);
int gcopy_to(struct va_mem *m, __u64 gpa, const void *src, size_t n);
int gcopy_from(struct va_mem *m, void *dst, __u64 gpa, size_t n);
int gfill(struct va_mem *m, __u64 gpa, int c, size_t n);
struct vhost_memory *mem_table(struct va_mem *m);

int vq_init(struct va_dev *d, struct va_vq *vq, int index, unsigned int num,
	    __u16 base);
void vq_fini(struct va_vq *vq);
int vq_add(struct va_vq *vq, const struct va_seg *seg, int nseg, bool write,
	   bool indirect, void *cookie);
void vq_publish(struct va_vq *vq, int head);
bool vq_kick(struct va_vq *vq, __u16 old_idx);
void vq_force_kick(struct va_vq *vq);
int vq_get_used(struct va_vq *vq, struct va_chain **chain, __u32 *len,
		__u32 *id);
__u16 vq_pending_used(struct va_vq *vq);
int vq_recycle(struct va_vq *vq);
int vq_wait_used(struct va_vq *vq, unsigned int n, int timeout_ms);
int vq_wait_call(struct va_vq *vq, int timeout_ms);
unsigned long vq_drain_call(struct va_vq *vq);
unsigned long vq_drain_err(struct va_vq *vq);
void vq_set_interrupt(struct va_vq *vq, bool on);
__u16 vq_avail_event(const struct va_vq *vq);
__u16 vq_used_event(struct va_vq *vq);
void vq_arm_call(struct va_vq *vq);
void vq_release_event(struct va_vq *vq);
unsigned int vq_free_descs(struct va_vq *vq);

/* net.c: taps, packet sockets, frames */
int tap_open(struct va_tap *t, bool vnet_hdr, int hdr_sz, bool offload,
	     bool mq);
int tap_add_queue(struct va_tap *t);
int tap_attach(struct va_tap *t, const char *name);
void tap_close(struct va_tap *t);
int tap_inject(struct va_tap *t, const struct virtio_net_hdr *h,
	       const void *frame, size_t len);
int tap_capture(struct va_tap *t, struct virtio_net_hdr *h, void *buf,
		size_t size, int timeout_ms);
int tap_drain(struct va_tap *t);
void make_frame(unsigned char *buf, size_t len, unsigned int seq);
size_t make_ipv4(unsigned char *buf, size_t payload, int proto,
		 unsigned int seq);
int first_diff(const unsigned char *a, const unsigned char *b, size_t n);

/* dev.c: device setup through the ioctls */
int dev_open(struct va_dev *d, const char *path);
int dev_setup(struct va_dev *d, const struct va_cfg *cfg);
struct vhost_vring_addr vq_ring_addr(const struct va_dev *d, int i, bool log);
int dev_setup_vqs(struct va_dev *d);
int dev_set_backend(struct va_dev *d, int index, int fd);
void dev_close(struct va_dev *d);
const char *cfg_name(const struct va_cfg *c);
unsigned int cfg_hdr_len(const struct va_cfg *c);

/* tests */
struct va_test {
	const char *name;
	const char *help;
	void (*run)(void);
	/* Only when named: it needs what not every kernel has. */
	bool explicit;
};

void t_features(void);
void t_owner(void);
void t_badargs(void);
void t_setcheck(void);
void t_traffic(void);
void t_offload(void);
void t_notify(void);
void t_wrap(void);
void t_qsize(void);
void t_vring_base(void);
void t_backend(void);
void t_oversize(void);
void t_log(void);
void t_robust(void);
void t_live(void);
void t_mq(void);
void t_stress(void);
void t_lifecycle(void);
void t_macvtap(void);
void t_faults(void);
void t_load(void);
void t_failslab(void);
void t_busypoll(void);
void t_basic(void);

/* traffic helpers shared by tests */
enum va_layout {
	L_SINGLE,	/* header and frame in one descriptor */
	L_HDRSPLIT,	/* header, then frame */
	L_CHAINED,	/* several descriptors of varied sizes */
	L_INDIRECT,	/* an indirect table of several entries */
	L_STRADDLE,	/* one descriptor across regions A and B */
	L_HIGH,		/* in region C */
	L_NLAYOUTS
};

extern const char *const layout_name[L_NLAYOUTS];

bool tx_one(struct va_dev *d, size_t len, enum va_layout l, unsigned int seq,
	    const char *what);
int rx_post(struct va_dev *d, unsigned int count, unsigned int bufsz,
	    enum va_layout l);
bool rx_expect(struct va_dev *d, const unsigned char *frame, size_t len,
	       const struct virtio_net_hdr *want_hdr, const char *what);
bool rx_one(struct va_dev *d, size_t len, unsigned int seq, const char *what);
bool dev_no_errors(struct va_dev *d, const char *what);

#endif
