/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_UIO_H
#define _RING_STUB_LINUX_UIO_H

#include <linux/types.h>
#include <sys/uio.h>

#endif
