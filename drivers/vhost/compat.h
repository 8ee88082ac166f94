/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vhost_accel supports
 * (Debian 12's 6.1 and the 6.12 of bookworm-backports). This header is
 * force-included into every object by Kbuild: no other file tests
 * LINUX_VERSION_CODE.
 */
#ifndef _VHOST_ACCEL_COMPAT_H
#define _VHOST_ACCEL_COMPAT_H

#include <linux/version.h>

/* 6.8 dropped the counter argument of eventfd_signal(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define va_eventfd_signal(ctx) eventfd_signal(ctx)
#else
#define va_eventfd_signal(ctx) eventfd_signal(ctx, 1)
#endif

#endif /* _VHOST_ACCEL_COMPAT_H */
