/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_HIGHMEM_H
#define _RING_STUB_LINUX_HIGHMEM_H

#include <linux/mm.h>

void *fake_kmap_local_page(struct page *page);
void fake_kunmap_local(const void *addr);

#define kmap_local_page(page)	fake_kmap_local_page(page)
#define kunmap_local(addr)	fake_kunmap_local(addr)

#endif
