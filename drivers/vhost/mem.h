/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest memory table: which ranges of guest physical addresses are
 * backed by which ranges of the owner's address space, and the dirty log
 * that live migration reads.
 */
#ifndef _VHOST_ACCEL_MEM_H
#define _VHOST_ACCEL_MEM_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/uio.h>

struct vhost_memory;

/* Guest pages as the dirty log counts them: one bit per 4 KiB. */
#define VA_LOG_PAGE_SHIFT	12
#define VA_LOG_PAGE_SIZE	BIT_ULL(VA_LOG_PAGE_SHIFT)

struct va_mem_region {
	u64 gpa;	/* first guest physical address */
	u64 size;	/* bytes, never 0 */
	u64 uaddr;	/* owner's user address of @gpa */
};

/* Immutable once built; replaced whole by VHOST_SET_MEM_TABLE. */
struct va_mem {
	unsigned int nregions;
	struct va_mem_region regions[];	/* sorted by gpa, not overlapping */
};

/* A guest-physical range the device wrote, for the dirty log. */
struct va_log_seg {
	u64 gpa;
	u64 len;
};

struct va_mem *va_mem_alloc_empty(void);
struct va_mem *va_mem_from_user(const struct vhost_memory __user *arg,
				unsigned int max_regions);
int va_mem_translate(const struct va_mem *mem, u64 gpa, u64 len,
		     struct iovec *iov, unsigned int iov_max);
bool va_mem_uaddr_covered(const struct va_mem *mem, u64 uaddr, u64 len);

bool va_log_access_ok(void __user *log_base, u64 gpa, u64 len);
bool va_log_mem_access_ok(void __user *log_base, const struct va_mem *mem);
int va_log_write(void __user *log_base, u64 gpa, u64 len);
int va_log_write_segs(void __user *log_base, const struct va_log_seg *segs,
		      unsigned int nsegs, u64 len);

#endif /* _VHOST_ACCEL_MEM_H */
