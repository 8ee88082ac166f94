/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_OVERFLOW_H
#define _RING_STUB_LINUX_OVERFLOW_H

#include <stddef.h>
#include <stdint.h>

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

/* Saturating, as the kernel's: an overflowed size fails to allocate. */
static inline size_t array_size(size_t a, size_t b)
{
	size_t bytes;

	if (check_mul_overflow(a, b, &bytes))
		return SIZE_MAX;
	return bytes;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t bytes;

	if (check_add_overflow(a, b, &bytes))
		return SIZE_MAX;
	return bytes;
}

#define struct_size(p, member, count)					\
	size_add(sizeof(*(p)), array_size(count, sizeof(*(p)->member)))

#endif
