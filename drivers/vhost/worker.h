/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One kernel thread per device runs all of its work: queue kicks and
 * socket readiness are turned into work items, so a device's queues never
 * run concurrently with each other and never need more than one CPU.
 */
#ifndef _VHOST_ACCEL_WORKER_H
#define _VHOST_ACCEL_WORKER_H

#include <linux/llist.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/wait.h>

struct va_work;
typedef void (*va_work_fn_t)(struct va_work *work);

struct va_work {
	struct llist_node node;
	unsigned long flags;		/* VA_WORK_QUEUED */
	va_work_fn_t fn;
};

#define VA_WORK_QUEUED	0

struct va_worker {
	struct task_struct *task;	/* NULL when not running */
	struct llist_head work_list;
	struct mm_struct *mm;		/* the owner's, used by the thread */
};

/* Wakes a work item when a file (eventfd, socket) becomes ready. */
struct va_poll {
	poll_table table;
	wait_queue_head_t *wqh;		/* non-NULL while polling */
	wait_queue_entry_t wait;
	struct va_work work;
	__poll_t mask;			/* events that queue the work */
	struct va_worker *worker;
};

void va_work_init(struct va_work *work, va_work_fn_t fn);
int va_worker_start(struct va_worker *w, struct mm_struct *mm, pid_t owner);
void va_worker_stop(struct va_worker *w);
void va_work_queue(struct va_worker *w, struct va_work *work);
void va_worker_flush(struct va_worker *w);
bool va_worker_has_work(struct va_worker *w);

void va_poll_init(struct va_poll *p, va_work_fn_t fn, __poll_t mask,
		  struct va_worker *w);
int va_poll_start(struct va_poll *p, struct file *file);
void va_poll_stop(struct va_poll *p);

#endif /* _VHOST_ACCEL_WORKER_H */
