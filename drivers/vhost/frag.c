// SPDX-License-Identifier: GPL-2.0
/*
 * A pool of page fragments whose pages are reused (see frag.h).
 *
 * Each page carries a bias: references taken in advance, one of which is
 * handed out with every fragment, so that carving a fragment costs no
 * atomic operation. Whoever holds a fragment drops its reference with
 * put_page() on the head page (va_frag_free(), or the skb that was built
 * around it). Only our references remain exactly when the page count
 * equals the bias: then nobody else holds the page and nobody else can
 * take a reference to it, and the whole page is ours to carve again.
 */

#include <linux/mm.h>

#include "frag.h"

/* References taken at once: more than a page can carry fragments. */
#define VA_FRAG_BIAS		USHRT_MAX
/* 32 KiB, as the networking stack's own page fragments. */
#define VA_FRAG_PAGE_ORDER	get_order(32768)

static void va_frag_page_put(struct va_frag_page *p)
{
	if (p->page)
		__page_frag_cache_drain(p->page, p->bias);
	p->page = NULL;
}

static bool va_frag_page_new(struct va_frag_page *p, gfp_t gfp)
{
	/* A large page if one is to be had without trying hard. */
	p->page = alloc_pages((gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_COMP |
			      __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC,
			      VA_FRAG_PAGE_ORDER);
	if (p->page) {
		p->size = PAGE_SIZE << VA_FRAG_PAGE_ORDER;
	} else {
		p->page = alloc_page(gfp);
		if (!p->page)
			return false;
		p->size = PAGE_SIZE;
	}
	page_ref_add(p->page, VA_FRAG_BIAS - 1);
	p->bias = VA_FRAG_BIAS;
	p->offset = 0;
	return true;
}

/* Take @p again if every fragment carved from it has been freed. */
static bool va_frag_page_reclaim(struct va_frag_page *p)
{
	/*
	 * Equal counts are stable (only we can take new references), and the
	 * stores that follow cannot pass the load they depend on, so the
	 * last user's put_page() is ordered before our first write.
	 * Emergency-reserve pages go back to the allocator instead.
	 */
	if (page_ref_count(p->page) != p->bias ||
	    page_is_pfmemalloc(p->page))
		return false;
	page_ref_add(p->page, VA_FRAG_BIAS - p->bias);
	p->bias = VA_FRAG_BIAS;
	p->offset = 0;
	return true;
}

/*
 * A buffer of @size bytes (at most PAGE_SIZE; a multiple of the cache line
 * size keeps every buffer aligned), holding one reference on its page;
 * NULL when no page can be had.
 */
void *va_frag_alloc(struct va_frag_pool *pool, unsigned int size, gfp_t gfp)
{
	struct va_frag_page *p = &pool->pages[pool->cur];
	void *buf;

	if (WARN_ON_ONCE(size > PAGE_SIZE))
		return NULL;
	if (!p->page || p->offset + size > p->size) {
		/* The current page is full: on to the next one. */
		pool->cur = (pool->cur + 1) % VA_FRAG_PAGES;
		p = &pool->pages[pool->cur];
		if (!p->page || !va_frag_page_reclaim(p)) {
			va_frag_page_put(p);
			if (!va_frag_page_new(p, gfp))
				return NULL;
		}
	}
	buf = page_address(p->page) + p->offset;
	p->offset += size;
	p->bias--;
	return buf;
}

/* Drop the reference of a buffer from va_frag_alloc(). */
void va_frag_free(void *buf)
{
	put_page(virt_to_head_page(buf));
}

/* Give back the pool's own references; fragments still out keep theirs. */
void va_frag_pool_release(struct va_frag_pool *pool)
{
	unsigned int i;

	for (i = 0; i < VA_FRAG_PAGES; i++)
		va_frag_page_put(&pool->pages[i]);
}
