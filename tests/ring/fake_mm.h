/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The owner's address space, as the ring and memory code see it through
 * the stub <linux/uaccess.h> and <linux/mm.h>: user addresses are the
 * test's own addresses, and only ranges registered here are mapped.
 *
 *   fake_map()/fake_unmap()   which ranges are readable / writable
 *   fake_task_size            access_ok()'s limit, like TASK_SIZE_MAX
 *   fake_check                called before every access, pin and barrier
 *                             (the fuzzer asserts where writes may go)
 *   fake_trace_*              the ordered accesses and barriers of a call
 *   fake_alloc_*, fake_pins   leak and failure accounting
 */
#ifndef _RING_FAKE_MM_H
#define _RING_FAKE_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_R		0x1u
#define FAKE_W		0x2u
#define FAKE_RW		(FAKE_R | FAKE_W)

#define FAKE_MAX_MAPPINGS	16

enum fake_ev {
	FAKE_EV_READ,		/* copy_from_user / get_user */
	FAKE_EV_WRITE,		/* copy_to_user / put_user */
	FAKE_EV_PIN,		/* pin_user_pages_fast, one page */
	FAKE_EV_RMB,
	FAKE_EV_WMB,
	FAKE_EV_MB,
};

struct fake_event {
	enum fake_ev kind;
	uintptr_t addr;
	size_t len;
	bool ok;		/* the access succeeded */
};

#define FAKE_TRACE_MAX	4096

extern uint64_t fake_task_size;
extern void (*fake_check)(enum fake_ev kind, uintptr_t addr, size_t len);

extern struct fake_event fake_trace[FAKE_TRACE_MAX];
extern unsigned int fake_trace_len;
extern bool fake_tracing;
extern unsigned long fake_accesses;	/* all accesses, traced or not */

extern long fake_alloc_live;		/* allocations not yet freed */
extern long fake_alloc_fail_after;	/* fail the Nth from now; <0: never */
extern long fake_pins_live;
extern long fake_kmaps_live;

void fake_mm_reset(void);
int fake_map(const void *base, size_t len, unsigned int prot);
void fake_unmap(const void *base);
void fake_unmap_all(void);
/* Is all of [addr, addr + len) mapped with @prot? Not traced. */
bool fake_mapped(uintptr_t addr, size_t len, unsigned int prot);

void fake_trace_start(void);
void fake_trace_stop(void);
/* Index of the first traced event matching, from @from; -1 if none. */
int fake_trace_find(unsigned int from, enum fake_ev kind, const void *addr,
		    size_t len);

#endif
