/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_BITS_H
#define _RING_STUB_LINUX_BITS_H

#define BITS_PER_LONG	64
#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))

#endif
