/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost_accel generic netlink family (include/uapi/linux/vhost_accel.h):
 * the registry of open devices, dumps of their state and counters, and
 * events.
 */
#ifndef _VHOST_ACCEL_NETLINK_H
#define _VHOST_ACCEL_NETLINK_H

#include <linux/types.h>

struct va_dev;
struct va_vq;

int va_nl_init(void);
void va_nl_uninit(void);

int va_nl_register_dev(struct va_dev *d);
void va_nl_unregister_dev(struct va_dev *d);

void va_nl_notify_owner(struct va_dev *d);
void va_nl_notify_backend(struct va_vq *vq);
void va_nl_notify_queue_error(struct va_vq *vq);

#endif /* _VHOST_ACCEL_NETLINK_H */
