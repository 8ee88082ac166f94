// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory table and dirty page log.
 *
 * Every address the guest gives us (descriptor buffers) is a guest physical
 * address; it is only ever turned into a user address of the owner through
 * a table that was checked when it was set: regions are non-empty, do not
 * wrap, do not overlap, and lie inside the owner's user address range.
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "mem.h"

struct va_mem *va_mem_alloc_empty(void)
{
	return kzalloc(sizeof(struct va_mem), GFP_KERNEL_ACCOUNT);
}

static int va_mem_region_cmp(const void *a, const void *b)
{
	const struct va_mem_region *ra = a, *rb = b;

	if (ra->gpa < rb->gpa)
		return -1;
	return ra->gpa > rb->gpa;
}

/*
 * A region the owner could never have mapped: -EFAULT, as vhost-net gives
 * for empty and wrapping regions (its interval tree refuses last < start),
 * and for user ranges it cannot address (checked there only while a ring
 * runs; here always).
 */
static int va_mem_check_region(const struct vhost_memory_region *r)
{
	u64 last;

	if (!r->memory_size)
		return -EFAULT;
	if (check_add_overflow(r->guest_phys_addr, r->memory_size - 1, &last) ||
	    check_add_overflow(r->userspace_addr, r->memory_size - 1, &last))
		return -EFAULT;
	/* The owner's mapping must be an address it can have at all. */
	if (r->userspace_addr != (unsigned long)r->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)r->userspace_addr,
		       r->memory_size))
		return -EFAULT;
	return 0;
}

/*
 * Copy a struct vhost_memory from the owner and validate it whole. Returns
 * the new table or an ERR_PTR: -E2BIG for more than @max_regions regions,
 * -EOPNOTSUPP for non-zero padding (as vhost-net), -EFAULT for empty or
 * wrapping regions and user ranges the owner cannot address (as vhost-net),
 * -EINVAL for regions that overlap in guest physical addresses (vhost-net
 * takes them and translates through whichever it finds first: a table
 * that says two things about one address is a broken table, not a fault).
 */
struct va_mem *va_mem_from_user(const struct vhost_memory __user *arg,
				unsigned int max_regions)
{
	struct vhost_memory hdr;
	struct vhost_memory_region *uregions;
	struct va_mem *mem;
	unsigned int i;
	int ret;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return ERR_PTR(-EFAULT);
	if (hdr.padding)
		return ERR_PTR(-EOPNOTSUPP);
	if (hdr.nregions > max_regions)
		return ERR_PTR(-E2BIG);

	uregions = vmemdup_user(arg->regions,
				array_size(hdr.nregions, sizeof(*uregions)));
	if (IS_ERR(uregions))
		return ERR_CAST(uregions);

	mem = kvzalloc(struct_size(mem, regions, hdr.nregions),
		       GFP_KERNEL_ACCOUNT);
	if (!mem) {
		ret = -ENOMEM;
		goto err_free_uregions;
	}

	for (i = 0; i < hdr.nregions; i++) {
		ret = va_mem_check_region(&uregions[i]);
		if (ret)
			goto err_free_mem;
		mem->regions[i].gpa = uregions[i].guest_phys_addr;
		mem->regions[i].size = uregions[i].memory_size;
		mem->regions[i].uaddr = uregions[i].userspace_addr;
	}
	mem->nregions = hdr.nregions;
	sort(mem->regions, mem->nregions, sizeof(mem->regions[0]),
	     va_mem_region_cmp, NULL);

	for (i = 1; i < mem->nregions; i++) {
		const struct va_mem_region *prev = &mem->regions[i - 1];

		/* prev->gpa + prev->size cannot wrap: checked above. */
		if (mem->regions[i].gpa - prev->gpa < prev->size) {
			ret = -EINVAL;
			goto err_free_mem;
		}
	}

	kvfree(uregions);
	return mem;

err_free_mem:
	kvfree(mem);
err_free_uregions:
	kvfree(uregions);
	return ERR_PTR(ret);
}

static const struct va_mem_region *va_mem_find(const struct va_mem *mem,
					       u64 gpa)
{
	unsigned int lo = 0, hi = mem->nregions;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct va_mem_region *r = &mem->regions[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/*
 * Translate the guest range [@gpa, @gpa + @len) into user iovecs, one per
 * region it crosses. Returns the number of iovecs used, -EFAULT when any
 * byte of it lies outside the table (or the range wraps), -ENOBUFS when it
 * needs more than @iov_max entries.
 */
int va_mem_translate(const struct va_mem *mem, u64 gpa, u64 len,
		     struct iovec *iov, unsigned int iov_max)
{
	unsigned int n = 0;

	if (len && gpa + len - 1 < gpa)
		return -EFAULT;

	while (len) {
		const struct va_mem_region *r = va_mem_find(mem, gpa);
		u64 off, chunk;

		if (!r)
			return -EFAULT;
		if (n == iov_max)
			return -ENOBUFS;
		off = gpa - r->gpa;
		chunk = min(len, r->size - off);
		iov[n].iov_base = (void __user *)(unsigned long)(r->uaddr + off);
		iov[n].iov_len = chunk;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return n;
}

/*
 * Is every byte of the owner's user range [@uaddr, @uaddr + @len) inside
 * some region? Rings are addressed by user address; this keeps them inside
 * guest memory. Slow (regions are sorted by gpa), used only at setup.
 */
bool va_mem_uaddr_covered(const struct va_mem *mem, u64 uaddr, u64 len)
{
	unsigned int i;
	bool progress = true;

	while (len && progress) {
		progress = false;
		for (i = 0; i < mem->nregions; i++) {
			const struct va_mem_region *r = &mem->regions[i];
			u64 chunk;

			if (uaddr < r->uaddr || uaddr - r->uaddr >= r->size)
				continue;
			chunk = min(len, r->size - (uaddr - r->uaddr));
			uaddr += chunk;
			len -= chunk;
			progress = true;
			break;
		}
	}
	return !len;
}

/* Can the bitmap at @log_base record writes to [@gpa, @gpa + @len)? */
bool va_log_access_ok(void __user *log_base, u64 gpa, u64 len)
{
	u64 first, last, base = (u64)(unsigned long)log_base;

	if (!len)
		return true;
	if (gpa + len - 1 < gpa)
		return false;
	first = gpa >> VA_LOG_PAGE_SHIFT;
	last = (gpa + len - 1) >> VA_LOG_PAGE_SHIFT;
	if (base + last / 8 < base)
		return false;
	return access_ok((void __user *)(unsigned long)(base + first / 8),
			 last / 8 - first / 8 + 1);
}

bool va_log_mem_access_ok(void __user *log_base, const struct va_mem *mem)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++)
		if (!va_log_access_ok(log_base, mem->regions[i].gpa,
				      mem->regions[i].size))
			return false;
	return true;
}

/*
 * Set @count bits of the log, starting at bit @bit of the byte at user
 * address @uaddr; they must all lie in that byte's page. The page is pinned
 * so the bits can be set atomically: QEMU reads and clears the log
 * concurrently.
 */
static int va_log_set_bits(unsigned long uaddr, u64 bit, u64 count)
{
	unsigned long page_start = uaddr & PAGE_MASK;
	u64 first = (uaddr - page_start) * 8 + bit;
	struct page *page;
	unsigned long *base;
	int ret;

	ret = pin_user_pages_fast(page_start, 1, FOLL_WRITE, &page);
	if (ret < 0)
		return ret;
	if (ret != 1)
		return -EFAULT;
	base = kmap_local_page(page);
	while (count--)
		set_bit(first++, base);
	kunmap_local(base);
	unpin_user_pages_dirty_lock(&page, 1, true);
	return 0;
}

/* Mark the guest pages of [@gpa, @gpa + @len) dirty in the log. */
int va_log_write(void __user *log_base, u64 gpa, u64 len)
{
	u64 page, last;
	u64 base = (u64)(unsigned long)log_base;

	if (!len)
		return 0;
	page = gpa >> VA_LOG_PAGE_SHIFT;
	last = (gpa + len - 1) >> VA_LOG_PAGE_SHIFT;
	while (page <= last) {
		u64 byte = base + page / 8;
		/* Bits that live in the same user page of the bitmap. */
		u64 room = (PAGE_SIZE - (byte & ~PAGE_MASK)) * 8 - page % 8;
		u64 count = min(room, last - page + 1);
		int ret;

		if (byte != (unsigned long)byte)
			return -EFAULT;
		ret = va_log_set_bits((unsigned long)byte, page % 8, count);
		if (ret)
			return ret;
		page += count;
	}
	return 0;
}

/*
 * Log the first @len bytes written through the writable segments @segs, in
 * order: a partly filled buffer dirties only the pages actually written.
 */
int va_log_write_segs(void __user *log_base, const struct va_log_seg *segs,
		      unsigned int nsegs, u64 len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nsegs && len; i++) {
		u64 l = min(segs[i].len, len);

		ret = va_log_write(log_base, segs[i].gpa, l);
		if (ret)
			return ret;
		len -= l;
	}
	return 0;
}
