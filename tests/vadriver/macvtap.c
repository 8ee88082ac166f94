// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: a macvtap as the backend. A veth pair, a macvtap (bridge
 * mode) on one end: what the device sends leaves through the veth and is
 * captured on its peer; frames sent out of the peer to the macvtap's MAC
 * reach the device. Needs ip(8) from iproute2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "vadriver.h"
#include "traffic.h"

#define MVT_MTU		9000

static unsigned char frame[MVT_MTU + VA_ETH_HLEN];

static int run(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st)
		diag("'%s' failed (status %d)", cmd, st);
	return st;
}

static void no_ipv6(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		diag("cannot disable IPv6 on %s", name);
	close(fd);
}

static int mac_of(const char *name, unsigned char *mac)
{
	struct ifreq ifr;
	int s, r;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	r = ioctl(s, SIOCGIFHWADDR, &ifr);
	close(s);
	if (!r)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

/* The macvtap's character device, /dev/tapIFINDEX, set up for hdr mode */
static int open_macvtap(const char *name, bool vnet_hdr, int hdr_sz)
{
	struct ifreq ifr;
	char path[64];
	int fd = -1, i;

	snprintf(path, sizeof(path), "/dev/tap%u", if_nametoindex(name));
	for (i = 0; i < 100 && fd < 0; i++) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0) {
		bail("open %s (the macvtap's device): %s", path,
		     strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		bail("TUNSETIFF on %s: %s", path, strerror(errno));
		goto err;
	}
	if (vnet_hdr && ioctl(fd, TUNSETVNETHDRSZ, &hdr_sz)) {
		bail("TUNSETVNETHDRSZ on %s: %s", path, strerror(errno));
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

static void macvtap_config(struct va_cfg *cfg, const char *mvt,
			   const char *peer, const unsigned char *mac,
			   unsigned int ci)
{
	static const size_t sizes[] = { 1, 13, 14, 60, 1514, 4096, 9014 };
	struct va_dev d;
	unsigned int i, seq = ci << 8;
	char what[96];

	set_prefix("macvtap%s:", cfg_name(cfg));
	if (dev_open(&d, va_dev_path))
		return;
	if (tap_attach(&d.tap, peer))
		goto out;
	d.tap.fd = open_macvtap(mvt, !cfg->vhost_hdr, cfg_hdr_len(cfg));
	if (d.tap.fd < 0 || dev_setup(&d, cfg))
		goto out;
	for (i = 0; i < ARRAY_SIZE(sizes) && !d.broken; i++) {
		enum va_layout l = (i + ci) % L_NLAYOUTS;

		snprintf(what, sizeof(what), "tx %zu bytes %s", sizes[i],
			 layout_name[l]);
		tx_one(&d, sizes[i], l, seq++, what);
	}
	tx_burst(&d, 16, seq);
	seq += 32;
	if (cfg->mrg)
		rx_post(&d, 64, 2048, L_NLAYOUTS);
	else
		rx_post(&d, 8, d.hdr_len + MVT_MTU + VA_ETH_HLEN, L_NLAYOUTS);
	for (i = 2; i < ARRAY_SIZE(sizes) && !d.broken; i++) {
		int e;

		make_frame(frame, sizes[i], seq++);
		memcpy(frame, mac, 6);
		vq_arm_call(&d.vq[VA_RX]);
		e = tap_inject(&d.tap, NULL, frame, sizes[i]);
		if (e)
			diag("send out of %s: %s", peer, strerror(-e));
		snprintf(what, sizeof(what), "rx %zu bytes", sizes[i]);
		rx_expect(&d, frame, sizes[i], NULL, what);
	}
	dev_no_errors(&d, "no error notifications");
out:
	dev_close(&d);
	mem_reset(&va_mem);
}

void t_macvtap(void)
{
	char lower[IFNAMSIZ], peer[IFNAMSIZ], mvt[IFNAMSIZ];
	unsigned int id = getpid() % 100000, m;
	unsigned char mac[6];

	if (system("ip -V >/dev/null 2>&1")) {
		diag("SKIP: no ip(8) to make a macvtap");
		return;
	}
	snprintf(lower, sizeof(lower), "vadl%u", id);
	snprintf(peer, sizeof(peer), "vadp%u", id);
	snprintf(mvt, sizeof(mvt), "vadm%u", id);
	if (run("ip link add %s mtu %d type veth peer name %s mtu %d",
		lower, MVT_MTU, peer, MVT_MTU)) {
		bail("cannot make a veth pair");
		return;
	}
	no_ipv6(lower);
	no_ipv6(peer);
	if (run("ip link add link %s name %s mtu %d type macvtap mode bridge",
		lower, mvt, MVT_MTU)) {
		bail("cannot make a macvtap on %s", lower);
		goto out;
	}
	no_ipv6(mvt);
	if (run("ip link set %s up && ip link set %s up && ip link set %s up",
		lower, peer, mvt) || mac_of(mvt, mac)) {
		bail("cannot bring up %s", mvt);
		goto out;
	}
	for (m = 0; m < 4; m++) {
		struct va_cfg cfg = {
			.vhost_hdr = !(m & 1), .mrg = !(m & 2), .v1 = true,
			.event_idx = true, .indirect = true, .num = 256,
		};

		macvtap_config(&cfg, mvt, peer, mac, m);
	}
out:
	run("ip link del %s", lower);
}
