/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffers for frames the device hands to a backend that builds its skbs
 * around them (build_skb): fragments of a few large pages, and a page is
 * taken again once every fragment on it has been freed. A backend that
 * consumes frames as they come (tun handing each batch to the stack)
 * frees them by the time the pool comes round to their page again, so a
 * flood of frames runs on the same few pages instead of allocating (and,
 * with init_on_alloc, zeroing) a new one every few dozen frames.
 */
#ifndef _VHOST_ACCEL_FRAG_H
#define _VHOST_ACCEL_FRAG_H

#include <linux/gfp.h>
#include <linux/types.h>

/*
 * Pages in the pool: enough for two batches of page-sized frames, so that
 * the page the pool comes back to carried frames of a batch sent already.
 */
#define VA_FRAG_PAGES		16

struct va_frag_page {
	struct page *page;	/* NULL: not allocated */
	unsigned int size;	/* bytes */
	unsigned int offset;	/* next free byte */
	unsigned int bias;	/* references we hold, not handed out */
};

/* Used by one thread at a time: the caller serialises (the queue mutex). */
struct va_frag_pool {
	struct va_frag_page pages[VA_FRAG_PAGES];
	unsigned int cur;	/* the page fragments come from */
};

void *va_frag_alloc(struct va_frag_pool *pool, unsigned int size, gfp_t gfp);
void va_frag_free(void *buf);
void va_frag_pool_release(struct va_frag_pool *pool);

#endif /* _VHOST_ACCEL_FRAG_H */
