// SPDX-License-Identifier: GPL-2.0
/* The fake owner address space behind the stub kernel headers. */

#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fake_mm.h"

struct fake_mapping {
	uintptr_t base;
	size_t len;
	unsigned int prot;
};

static struct fake_mapping mappings[FAKE_MAX_MAPPINGS];
static unsigned int nmappings;

uint64_t fake_task_size = 1ULL << 47;
void (*fake_check)(enum fake_ev kind, uintptr_t addr, size_t len);

struct fake_event fake_trace[FAKE_TRACE_MAX];
unsigned int fake_trace_len;
bool fake_tracing;
unsigned long fake_accesses;

long fake_alloc_live;
long fake_alloc_fail_after = -1;
long fake_pins_live;
long fake_kmaps_live;

void fake_unmap_all(void)
{
	nmappings = 0;
}

void fake_mm_reset(void)
{
	nmappings = 0;
	fake_task_size = 1ULL << 47;
	fake_check = NULL;
	fake_trace_len = 0;
	fake_tracing = false;
	fake_accesses = 0;
	fake_alloc_fail_after = -1;
}

int fake_map(const void *base, size_t len, unsigned int prot)
{
	if (nmappings == FAKE_MAX_MAPPINGS)
		abort();
	mappings[nmappings].base = (uintptr_t)base;
	mappings[nmappings].len = len;
	mappings[nmappings].prot = prot;
	nmappings++;
	return 0;
}

void fake_unmap(const void *base)
{
	unsigned int i;

	for (i = 0; i < nmappings; i++) {
		if (mappings[i].base != (uintptr_t)base)
			continue;
		mappings[i] = mappings[--nmappings];
		return;
	}
}

/* Byte by mapping: a range may span adjacent mappings, as in a process. */
bool fake_mapped(uintptr_t addr, size_t len, unsigned int prot)
{
	while (len) {
		const struct fake_mapping *m = NULL;
		size_t chunk;
		unsigned int i;

		for (i = 0; i < nmappings; i++) {
			if (addr >= mappings[i].base &&
			    addr - mappings[i].base < mappings[i].len &&
			    (mappings[i].prot & prot) == prot) {
				m = &mappings[i];
				break;
			}
		}
		if (!m)
			return false;
		chunk = m->len - (addr - m->base);
		if (chunk >= len)
			return true;
		addr += chunk;
		len -= chunk;
	}
	return true;
}

static void trace(enum fake_ev kind, uintptr_t addr, size_t len, bool ok)
{
	if (!fake_tracing || fake_trace_len == FAKE_TRACE_MAX)
		return;
	fake_trace[fake_trace_len].kind = kind;
	fake_trace[fake_trace_len].addr = addr;
	fake_trace[fake_trace_len].len = len;
	fake_trace[fake_trace_len].ok = ok;
	fake_trace_len++;
}

void fake_trace_start(void)
{
	fake_trace_len = 0;
	fake_tracing = true;
}

void fake_trace_stop(void)
{
	fake_tracing = false;
}

int fake_trace_find(unsigned int from, enum fake_ev kind, const void *addr,
		    size_t len)
{
	unsigned int i;

	for (i = from; i < fake_trace_len; i++) {
		const struct fake_event *e = &fake_trace[i];

		if (e->kind != kind)
			continue;
		if (addr && e->addr != (uintptr_t)addr)
			continue;
		if (len && e->len != len)
			continue;
		return i;
	}
	return -1;
}

void fake_barrier(int kind)
{
	enum fake_ev ev = kind == FAKE_BARRIER_RMB ? FAKE_EV_RMB :
			  kind == FAKE_BARRIER_WMB ? FAKE_EV_WMB : FAKE_EV_MB;

	if (fake_check)
		fake_check(ev, 0, 0);
	trace(ev, 0, 0, true);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The kernel's __access_ok(): the whole range below the limit, no wrap. */
bool fake_access_ok(const void *addr, unsigned long size)
{
	uintptr_t a = (uintptr_t)addr;

	return size <= fake_task_size && a <= fake_task_size - size;
}

static bool user_range_ok(uintptr_t addr, unsigned long n, unsigned int prot)
{
	return fake_access_ok((const void *)addr, n) &&
	       fake_mapped(addr, n, prot);
}

unsigned long fake_copy_from_user(void *to, const void *from, unsigned long n)
{
	uintptr_t a = (uintptr_t)from;
	bool ok;

	fake_accesses++;
	if (fake_check)
		fake_check(FAKE_EV_READ, a, n);
	ok = !n || user_range_ok(a, n, FAKE_R);
	trace(FAKE_EV_READ, a, n, ok);
	if (!ok) {
		/* As the kernel: what could not be copied is zeroed. */
		memset(to, 0, n);
		return n;
	}
	if (n)
		memcpy(to, from, n);
	return 0;
}

unsigned long fake_copy_to_user(void *to, const void *from, unsigned long n)
{
	uintptr_t a = (uintptr_t)to;
	bool ok;

	fake_accesses++;
	if (fake_check)
		fake_check(FAKE_EV_WRITE, a, n);
	ok = !n || user_range_ok(a, n, FAKE_W);
	trace(FAKE_EV_WRITE, a, n, ok);
	if (!ok)
		return n;
	if (n)
		memcpy(to, from, n);
	return 0;
}

static bool alloc_should_fail(void)
{
	if (fake_alloc_fail_after < 0)
		return false;
	return fake_alloc_fail_after-- == 0;
}

void *fake_alloc(size_t size, bool zero)
{
	void *p;

	if (alloc_should_fail())
		return NULL;
	/* kmalloc(0) returns a unique non-NULL pointer too. */
	p = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (p)
		fake_alloc_live++;
	return p;
}

void fake_free(const void *ptr)
{
	if (!ptr)
		return;
	fake_alloc_live--;
	free((void *)ptr);
}

void *fake_memdup_user(const void *src, size_t len)
{
	void *p = fake_alloc(len, false);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (fake_copy_from_user(p, src, len)) {
		fake_free(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

int fake_pin_user_pages_fast(unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	unsigned int prot = FAKE_R | ((gup_flags & FOLL_WRITE) ? FAKE_W : 0);
	struct page *pg;

	fake_accesses++;
	if (fake_check)
		fake_check(FAKE_EV_PIN, start, PAGE_SIZE);
	/* Only single pages here: what mem.c asks for. */
	if (nr_pages != 1 || (start & ~PAGE_MASK) ||
	    !user_range_ok(start, PAGE_SIZE, prot)) {
		trace(FAKE_EV_PIN, start, PAGE_SIZE, false);
		return -EFAULT;
	}
	trace(FAKE_EV_PIN, start, PAGE_SIZE, true);
	pg = malloc(sizeof(*pg));
	if (!pg)
		abort();
	pg->addr = start;
	pg->data = malloc(PAGE_SIZE);
	if (!pg->data)
		abort();
	memcpy(pg->data, (void *)start, PAGE_SIZE);
	pages[0] = pg;
	fake_pins_live++;
	return 1;
}

void fake_unpin_user_pages_dirty_lock(struct page **pages,
				      unsigned long npages, bool make_dirty)
{
	unsigned long i;

	(void)make_dirty;
	for (i = 0; i < npages; i++) {
		memcpy((void *)pages[i]->addr, pages[i]->data, PAGE_SIZE);
		free(pages[i]->data);
		free(pages[i]);
		fake_pins_live--;
	}
}

void *fake_kmap_local_page(struct page *page)
{
	fake_kmaps_live++;
	return page->data;
}

void fake_kunmap_local(const void *addr)
{
	(void)addr;
	fake_kmaps_live--;
}
