/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RING_STUB_LINUX_COMPILER_H
#define _RING_STUB_LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/*
 * Barriers: each is recorded in the fake address space's trace (so tests
 * can check their order against the accesses around them), then issued.
 */
void fake_barrier(int kind);
#define FAKE_BARRIER_RMB	1
#define FAKE_BARRIER_WMB	2
#define FAKE_BARRIER_MB		3
#define smp_rmb()	fake_barrier(FAKE_BARRIER_RMB)
#define smp_wmb()	fake_barrier(FAKE_BARRIER_WMB)
#define smp_mb()	fake_barrier(FAKE_BARRIER_MB)

#endif
