/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_KERNEL_H
#define _RING_STUB_LINUX_KERNEL_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/overflow.h>

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

/* Type-checked as the kernel's: mixing types draws a warning. */
#define min(x, y) ({					\
	__typeof__(x) _min1 = (x);			\
	__typeof__(y) _min2 = (y);			\
	(void)(&_min1 == &_min2);			\
	_min1 < _min2 ? _min1 : _min2; })
#define min3(x, y, z) min((__typeof__(x))min(x, y), z)
#define max(x, y) ({					\
	__typeof__(x) _max1 = (x);			\
	__typeof__(y) _max2 = (y);			\
	(void)(&_max1 == &_max2);			\
	_max1 > _max2 ? _max1 : _max2; })

#endif
