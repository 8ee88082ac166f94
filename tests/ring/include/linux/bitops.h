/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_BITOPS_H
#define _RING_STUB_LINUX_BITOPS_H

#include <linux/bits.h>

/* Atomic, as the kernel's: QEMU clears the log while we set bits in it. */
static inline void set_bit(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_or(&addr[nr / BITS_PER_LONG], 1UL << (nr % BITS_PER_LONG),
			  __ATOMIC_RELAXED);
}

#endif
