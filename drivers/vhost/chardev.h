/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VHOST_ACCEL_CHARDEV_H
#define _VHOST_ACCEL_CHARDEV_H

int va_chardev_init(void);
void va_chardev_uninit(void);

#endif /* _VHOST_ACCEL_CHARDEV_H */
