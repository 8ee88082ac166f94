/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocations are counted (tests check nothing leaks on any path) and can
 * be made to fail (fake_alloc_fail_after).
 */
#ifndef _RING_STUB_LINUX_SLAB_H
#define _RING_STUB_LINUX_SLAB_H

#include <linux/types.h>

#define GFP_KERNEL		0u
#define GFP_KERNEL_ACCOUNT	0u

void *fake_alloc(size_t size, bool zero);
void fake_free(const void *ptr);
void *fake_memdup_user(const void *src, size_t len);

#define kmalloc(size, gfp)	fake_alloc((size), false)
#define kzalloc(size, gfp)	fake_alloc((size), true)
#define kvmalloc(size, gfp)	fake_alloc((size), false)
#define kvzalloc(size, gfp)	fake_alloc((size), true)
#define kfree(ptr)		fake_free(ptr)
#define kvfree(ptr)		fake_free(ptr)
#define vmemdup_user(src, len)	fake_memdup_user((src), (len))
#define memdup_user(src, len)	fake_memdup_user((src), (len))

#endif
