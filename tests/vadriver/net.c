// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: the tap backend and the host side of it.
 *
 * What the device writes into the tap is received by the tap's netdev, so
 * it is captured with an AF_PACKET socket bound to the tap (PACKET_VNET_HDR
 * shows the checksum/GSO state the stack got). What the device should read
 * from the tap is sent out of the tap's netdev with another AF_PACKET
 * socket (PACKET_VNET_HDR lets a test send csum/GSO packets).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "vadriver.h"

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s, r;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	r = ioctl(s, req, ifr);
	close(s);
	return r;
}

static void write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		diag("cannot write %s: %s", path, strerror(errno));
	close(fd);
}

static int packet_socket(struct va_tap *t, int proto, bool rx)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = t->ifindex,
	};
	int one = 1, big = 16 << 20;
	int s;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	if (s < 0)
		return -1;
	if (setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		goto err;
	if (rx) {
		/* only what the tap's netdev received: what the device sent */
		if (setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			       sizeof(one)))
			goto err;
		if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big,
			       sizeof(big)))
			setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	} else {
		if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big,
			       sizeof(big)))
			setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	}
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)))
		goto err;
	return s;
err:
	close(s);
	return -1;
}

/*
 * A tap for the device: IFF_VNET_HDR with a header of hdr_sz bytes if
 * vnet_hdr, checksum and TSO offloads if offload, MTU for 64 KiB frames,
 * IPv6 off (no router solicitations to disturb RX), up.
 */
int tap_open(struct va_tap *t, bool vnet_hdr, int hdr_sz, bool offload,
	     bool mq)
{
	struct ifreq ifr;
	char path[128];
	unsigned int off;

	memset(t, 0, sizeof(*t));
	t->fd = t->cap = t->inj = -1;
	t->vnet_hdr = vnet_hdr;
	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (t->fd < 0) {
		bail("open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "vad%d");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0) |
		(mq ? IFF_MULTI_QUEUE : 0);
	if (ioctl(t->fd, TUNSETIFF, &ifr)) {
		bail("TUNSETIFF: %s", strerror(errno));
		goto err;
	}
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->name[IFNAMSIZ - 1] = 0;
	if (vnet_hdr && ioctl(t->fd, TUNSETVNETHDRSZ, &hdr_sz)) {
		bail("TUNSETVNETHDRSZ %d: %s", hdr_sz, strerror(errno));
		goto err;
	}
	off = offload ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;
	if (ioctl(t->fd, TUNSETOFFLOAD, off)) {
		bail("TUNSETOFFLOAD 0x%x: %s", off, strerror(errno));
		goto err;
	}
	t->ifindex = if_nametoindex(t->name);
	if (!t->ifindex) {
		bail("if_nametoindex %s: %s", t->name, strerror(errno));
		goto err;
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 t->name);
	write_sysctl(path, "1");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = VA_TAP_MTU;
	if (ifreq_ioctl(t->name, SIOCSIFMTU, &ifr)) {
		bail("SIOCSIFMTU %s %d: %s", t->name, VA_TAP_MTU,
		     strerror(errno));
		goto err;
	}
	memset(&ifr, 0, sizeof(ifr));
	if (ifreq_ioctl(t->name, SIOCGIFFLAGS, &ifr))
		goto err_flags;
	ifr.ifr_flags |= IFF_UP | IFF_NOARP;
	if (ifreq_ioctl(t->name, SIOCSIFFLAGS, &ifr))
		goto err_flags;
	t->cap = packet_socket(t, ETH_P_ALL, true);
	t->inj = packet_socket(t, 0, false);
	if (t->cap < 0 || t->inj < 0) {
		bail("AF_PACKET socket on %s: %s", t->name, strerror(errno));
		goto err;
	}
	tap_drain(t);
	return 0;
err_flags:
	bail("SIOCSIFFLAGS %s up: %s", t->name, strerror(errno));
err:
	tap_close(t);
	return -1;
}

/* Capture and injection sockets on an existing tap netdev (no fd) */
int tap_attach(struct va_tap *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->fd = t->cap = t->inj = -1;
	snprintf(t->name, IFNAMSIZ, "%s", name);
	t->ifindex = if_nametoindex(name);
	if (!t->ifindex)
		return -1;
	t->cap = packet_socket(t, ETH_P_ALL, true);
	t->inj = packet_socket(t, 0, false);
	if (t->cap < 0 || t->inj < 0) {
		tap_close(t);
		return -1;
	}
	return 0;
}

/* Another queue of a tap made with mq: its own fd, the same netdev */
int tap_add_queue(struct va_tap *t)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", t->name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE |
		(t->vnet_hdr ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -1;
	}
	return fd;
}

void tap_close(struct va_tap *t)
{
	if (t->cap >= 0)
		close(t->cap);
	if (t->inj >= 0)
		close(t->inj);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = t->cap = t->inj = -1;
}

/* Send a frame out of the tap's netdev, so the tap fd (the device) reads it */
int tap_inject(struct va_tap *t, const struct virtio_net_hdr *h,
	       const void *frame, size_t len)
{
	struct virtio_net_hdr zero = { 0 };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = t->ifindex,
		.sll_halen = ETH_ALEN,
	};
	struct iovec iov[2] = {
		{ .iov_base = (void *)(h ? h : &zero), .iov_len = sizeof(zero) },
		{ .iov_base = (void *)frame, .iov_len = len },
	};
	struct msghdr msg = {
		.msg_name = &sll,
		.msg_namelen = sizeof(sll),
		.msg_iov = iov,
		.msg_iovlen = 2,
	};
	const unsigned char *f = frame;
	ssize_t r;

	if (len >= VA_ETH_HLEN) {
		memcpy(&sll.sll_protocol, f + 12, 2);
		memcpy(sll.sll_addr, f, ETH_ALEN);
	}
	r = sendmsg(t->inj, &msg, 0);
	if (r < 0)
		return -errno;
	if ((size_t)r != len + sizeof(zero))
		return -EIO;
	return 0;
}

/*
 * The next frame the tap's netdev received (i.e. the device sent), with
 * the checksum/GSO header the stack has for it. Returns its length,
 * -ETIMEDOUT, or -EMSGSIZE if it did not fit.
 */
int tap_capture(struct va_tap *t, struct virtio_net_hdr *h, void *buf,
		size_t size, int timeout_ms)
{
	struct virtio_net_hdr dummy;
	struct iovec iov[2] = {
		{ .iov_base = h ? h : &dummy, .iov_len = sizeof(dummy) },
		{ .iov_base = buf, .iov_len = size },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	struct pollfd p = { .fd = t->cap, .events = POLLIN };
	ssize_t r;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	r = recvmsg(t->cap, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (r < 0)
		return -errno;
	if ((size_t)r < sizeof(dummy))
		return -EIO;
	if ((size_t)r > size + sizeof(dummy))
		return -EMSGSIZE;
	return r - sizeof(dummy);
}

/* Throw away whatever was captured; returns how many frames */
int tap_drain(struct va_tap *t)
{
	static unsigned char junk[VA_MAX_FRAME + 64];
	int n = 0;

	while (recv(t->cap, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		n++;
	return n;
}

static unsigned int prng(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A test frame: 02:..:02 <- 02:..:01, ethertype VA_ETHERTYPE, then the
 * sequence number and bytes that depend on (seq, len). Shorter than an
 * Ethernet header: just such bytes.
 */
void make_frame(unsigned char *buf, size_t len, unsigned int seq)
{
	static const unsigned char hdr[VA_ETH_HLEN] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
		VA_ETHERTYPE >> 8, VA_ETHERTYPE & 0xff,
	};
	unsigned int s = (seq * 2654435761u) ^ (unsigned int)len ^ 0x5a5a5a5a;
	size_t i = 0;

	if (!s)
		s = 1;
	if (len >= VA_ETH_HLEN) {
		memcpy(buf, hdr, VA_ETH_HLEN);
		i = VA_ETH_HLEN;
		if (len >= VA_ETH_HLEN + 4) {
			buf[i++] = seq >> 24;
			buf[i++] = seq >> 16;
			buf[i++] = seq >> 8;
			buf[i++] = seq;
		}
	}
	for (; i < len; i++)
		buf[i] = prng(&s) >> 7;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static __u32 csum_add(__u32 sum, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

/*
 * Ethernet + IPv4 + TCP (proto 6) or UDP (17) with payload bytes. The L4
 * checksum field holds the pseudo-header sum, as for CHECKSUM_PARTIAL.
 * Returns the frame length.
 */
size_t make_ipv4(unsigned char *buf, size_t payload, int proto,
		 unsigned int seq)
{
	size_t l4 = proto == 6 ? 20 : 8;
	size_t iplen = 20 + l4 + payload;
	unsigned char *ip = buf + VA_ETH_HLEN, *th = ip + 20;
	unsigned int s = seq | 1;
	__u32 sum;
	size_t i;

	make_frame(buf, VA_ETH_HLEN, seq);
	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(ip, 0, 20 + l4);
	ip[0] = 0x45;
	ip[2] = iplen >> 8;
	ip[3] = iplen;
	ip[4] = seq >> 8;
	ip[5] = seq;
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 1;
	ip[16] = 10; ip[17] = 0; ip[18] = 0; ip[19] = 2;
	sum = ~csum_fold(csum_add(0, ip, 20)) & 0xffff;
	ip[10] = sum >> 8;
	ip[11] = sum;
	th[0] = 0x9c; th[1] = 0x40;	/* 40000 */
	th[2] = 0x13; th[3] = 0x89;	/* 5001 */
	if (proto == 6) {
		th[4] = seq >> 24; th[5] = seq >> 16;
		th[6] = seq >> 8; th[7] = seq;
		th[12] = 5 << 4;
		th[13] = 0x18;	/* PSH ACK */
		th[14] = 0xff; th[15] = 0xff;
	} else {
		th[4] = (l4 + payload) >> 8;
		th[5] = l4 + payload;
	}
	for (i = 0; i < payload; i++)
		th[l4 + i] = prng(&s) >> 5;
	/* pseudo header: addresses, protocol, L4 length */
	sum = csum_add(0, ip + 12, 8) + proto + l4 + payload;
	sum = csum_fold(sum);
	if (proto == 6) {
		th[16] = sum >> 8;
		th[17] = sum;
	} else {
		th[6] = sum >> 8;
		th[7] = sum;
	}
	return VA_ETH_HLEN + iplen;
}

int first_diff(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}
