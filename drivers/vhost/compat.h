/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vhost_accel supports
 * (Debian 12's 6.1 and the 6.12 of bookworm-backports). This header is
 * force-included into every object by Kbuild, which probes the kernel's
 * headers and defines VA_* for what it finds: no other file has a
 * version #ifdef.
 */
#ifndef _VHOST_ACCEL_COMPAT_H
#define _VHOST_ACCEL_COMPAT_H

/* 6.8 dropped the counter argument of eventfd_signal(). */
#ifdef VA_EVENTFD_SIGNAL_NO_COUNT
#define va_eventfd_signal(ctx) eventfd_signal(ctx)
#else
#define va_eventfd_signal(ctx) eventfd_signal(ctx, 1)
#endif

#endif /* _VHOST_ACCEL_COMPAT_H */
