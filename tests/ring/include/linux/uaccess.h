/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User memory is the test's own memory, but only what the test registered
 * with fake_map() is "mapped": anything else faults, as an unmapped user
 * address would. access_ok() checks a configurable address-space limit.
 * get_user()/put_user() go through the same copy functions, so every
 * access is checked, counted and traced alike.
 */
#ifndef _RING_STUB_LINUX_UACCESS_H
#define _RING_STUB_LINUX_UACCESS_H

#include <errno.h>
#include <string.h>
#include <linux/types.h>

bool fake_access_ok(const void *addr, unsigned long size);
unsigned long fake_copy_from_user(void *to, const void *from, unsigned long n);
unsigned long fake_copy_to_user(void *to, const void *from, unsigned long n);

#define access_ok(addr, size)	fake_access_ok((const void *)(addr), (size))
#define copy_from_user(to, from, n)	fake_copy_from_user((to), (from), (n))
#define copy_to_user(to, from, n)	fake_copy_to_user((to), (from), (n))

#define get_user(x, ptr) ({						\
	__typeof__(*(ptr)) __gu_val;					\
	int __gu_err = 0;						\
	_Static_assert(sizeof(*(ptr)) == 1 || sizeof(*(ptr)) == 2 ||	\
		       sizeof(*(ptr)) == 4 || sizeof(*(ptr)) == 8,	\
		       "get_user: scalar sizes only");			\
	if (fake_copy_from_user(&__gu_val, (ptr), sizeof(*(ptr))))	\
		__gu_err = -EFAULT;					\
	(x) = __gu_val;							\
	__gu_err; })

#define put_user(x, ptr) ({						\
	__typeof__(*(ptr)) __pu_val = (x);				\
	_Static_assert(sizeof(*(ptr)) == 1 || sizeof(*(ptr)) == 2 ||	\
		       sizeof(*(ptr)) == 4 || sizeof(*(ptr)) == 8,	\
		       "put_user: scalar sizes only");			\
	fake_copy_to_user((ptr), &__pu_val, sizeof(*(ptr))) ? -EFAULT : 0; })

#endif
