/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinning a user page returns a fake struct page holding a copy of it, in
 * a buffer of exactly one page: what kmap_local_page() returns. So, as in
 * the kernel, going past the mapped page is an out-of-bounds access (ASan
 * reports it) instead of landing in the user's next page. The copy goes
 * back to the user's memory at unpin. Pinning succeeds only for a whole
 * page the test mapped writable; pins are counted so tests can check each
 * one is released.
 */
#ifndef _RING_STUB_LINUX_MM_H
#define _RING_STUB_LINUX_MM_H

#include <linux/types.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define FOLL_WRITE	0x01u

struct page {
	unsigned long addr;	/* the test's address of this page */
	void *data;		/* its contents while pinned */
};

int fake_pin_user_pages_fast(unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages);
void fake_unpin_user_pages_dirty_lock(struct page **pages,
				      unsigned long npages, bool make_dirty);

#define pin_user_pages_fast(start, nr, flags, pages)			\
	fake_pin_user_pages_fast((start), (nr), (flags), (pages))
#define unpin_user_pages_dirty_lock(pages, npages, dirty)		\
	fake_unpin_user_pages_dirty_lock((pages), (npages), (dirty))

#endif
