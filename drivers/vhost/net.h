/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The net device type: one RX and one TX queue whose backend is a tap or
 * macvtap socket, the vhost-net ioctls on top of the generic ones.
 */
#ifndef _VHOST_ACCEL_NET_H
#define _VHOST_ACCEL_NET_H

struct va_net;

struct va_net *va_net_create(void);
void va_net_destroy(struct va_net *n);
long va_net_ioctl(struct va_net *n, unsigned int cmd, void __user *argp);

#endif /* _VHOST_ACCEL_NET_H */
