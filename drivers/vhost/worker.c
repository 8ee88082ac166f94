// SPDX-License-Identifier: GPL-2.0
/*
 * The per-device worker thread and file polling.
 *
 * The thread adopts the owner's address space (ring and buffer addresses are
 * the owner's user addresses) and the owner's cgroups, so its CPU time and
 * memory are charged and limited where the VM's are.
 */

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>

#include "worker.h"

void va_work_init(struct va_work *work, va_work_fn_t fn)
{
	clear_bit(VA_WORK_QUEUED, &work->flags);
	work->fn = fn;
}

static int va_worker_fn(void *data)
{
	struct va_worker *w = data;
	struct va_work *work, *next;
	struct llist_node *node;

	kthread_use_mm(w->mm);
	for (;;) {
		/* Pairs with wake_up_process() in va_work_queue(). */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		node = llist_del_all(&w->work_list);
		if (!node) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		/* Oldest first: llist pushes at the head. */
		node = llist_reverse_order(node);
		llist_for_each_entry_safe(work, next, node, node) {
			clear_bit(VA_WORK_QUEUED, &work->flags);
			/*
			 * From here on a new event queues the work again; the
			 * barrier orders the clear before fn reads the state
			 * that event published.
			 */
			smp_mb__after_atomic();
			work->fn(work);
			cond_resched();
		}
	}
	kthread_unuse_mm(w->mm);
	return 0;
}

/*
 * Start the worker for the owner @owner (the calling task) whose address
 * space is @mm; the caller holds a reference on @mm until after
 * va_worker_stop().
 */
int va_worker_start(struct va_worker *w, struct mm_struct *mm, pid_t owner)
{
	struct task_struct *task;
	int ret;

	init_llist_head(&w->work_list);
	w->mm = mm;
	task = kthread_create(va_worker_fn, w, "vaccel-%d", owner);
	if (IS_ERR(task))
		return PTR_ERR(task);

	ret = cgroup_attach_task_all(current, task);
	if (ret) {
		kthread_stop(task);
		return ret;
	}
	WRITE_ONCE(w->task, task);
	wake_up_process(task);
	return 0;
}

/* Stop the thread. Nothing may queue work any more: polls are stopped. */
void va_worker_stop(struct va_worker *w)
{
	if (!w->task)
		return;
	kthread_stop(w->task);
	WRITE_ONCE(w->task, NULL);
	w->mm = NULL;
}

/* Queue @work unless it is queued already. Any context. */
void va_work_queue(struct va_worker *w, struct va_work *work)
{
	struct task_struct *task = READ_ONCE(w->task);

	if (!task)
		return;
	if (!test_and_set_bit(VA_WORK_QUEUED, &work->flags)) {
		llist_add(&work->node, &w->work_list);
		wake_up_process(task);
	}
}

bool va_worker_has_work(struct va_worker *w)
{
	return !llist_empty(&w->work_list);
}

struct va_flush {
	struct va_work work;
	struct completion done;
};

static void va_flush_fn(struct va_work *work)
{
	complete(&container_of(work, struct va_flush, work)->done);
}

/* Wait until all work queued before this call has run. */
void va_worker_flush(struct va_worker *w)
{
	struct va_flush flush;

	if (!w->task)
		return;
	va_work_init(&flush.work, va_flush_fn);
	init_completion(&flush.done);
	va_work_queue(w, &flush.work);
	wait_for_completion(&flush.done);
}

static void va_poll_func(struct file *file, wait_queue_head_t *wqh,
			 poll_table *pt)
{
	struct va_poll *p = container_of(pt, struct va_poll, table);

	p->wqh = wqh;
	add_wait_queue(wqh, &p->wait);
}

static int va_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			  int sync, void *key)
{
	struct va_poll *p = container_of(wait, struct va_poll, wait);

	if (!(key_to_poll(key) & p->mask))
		return 0;
	va_work_queue(p->worker, &p->work);
	return 0;
}

void va_poll_init(struct va_poll *p, va_work_fn_t fn, __poll_t mask,
		  struct va_worker *w)
{
	init_waitqueue_func_entry(&p->wait, va_poll_wakeup);
	init_poll_funcptr(&p->table, va_poll_func);
	p->mask = mask;
	p->worker = w;
	p->wqh = NULL;
	va_work_init(&p->work, fn);
}

/*
 * Start polling @file; queue the work at once if it is ready already.
 * Returns -EINVAL for a file in error (a tap whose device is gone).
 */
int va_poll_start(struct va_poll *p, struct file *file)
{
	__poll_t mask;

	if (p->wqh)
		return 0;
	mask = vfs_poll(file, &p->table);
	if (mask)
		va_poll_wakeup(&p->wait, 0, 0, poll_to_key(mask));
	if (mask & EPOLLERR) {
		va_poll_stop(p);
		return -EINVAL;
	}
	return 0;
}

void va_poll_stop(struct va_poll *p)
{
	if (p->wqh) {
		remove_wait_queue(p->wqh, &p->wait);
		p->wqh = NULL;
	}
}
