/* SPDX-License-Identifier: GPL-2.0 */
/* vadriver: helpers the packet tests share */
#ifndef VADRIVER_TRAFFIC_H
#define VADRIVER_TRAFFIC_H

#include "vadriver.h"

/* The outcome of one check that takes several steps: first failure wins */
struct res {
	bool ok;
	char why[320];
};

void res_init(struct res *r);
void res_fail(struct res *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool res_report(struct res *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int build_segs(struct va_dev *d, __u32 total, enum va_layout l, bool rx,
	       struct va_seg *seg);
int tx_post(struct va_dev *d, const unsigned char *frame, size_t len,
	    enum va_layout l, const struct virtio_net_hdr_mrg_rxbuf *hdr);
void tx_complete(struct va_dev *d, int want_head, struct res *r);
void tx_captured(struct va_tap *t, const unsigned char *frame, size_t len,
		 const struct virtio_net_hdr *want, struct res *r);
void tx_burst(struct va_dev *d, unsigned int n, unsigned int seq);
void rx_recv(struct va_dev *d, const unsigned char *frame, size_t len,
	     const struct virtio_net_hdr *want, struct res *r);
const unsigned char *rx_last_frame(size_t *len);
void rx_burst(struct va_dev *d, unsigned int n, unsigned int seq);

#endif
