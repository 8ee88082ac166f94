// SPDX-License-Identifier: GPL-2.0
/*
 * vadriver: what a closed device leaves behind (see released.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vadriver.h"
#include "released.h"

static const struct va_cfg next_cfg = {
	.vhost_hdr = true, .mrg = true, .event_idx = true, .v1 = true,
	.indirect = true, .num = 256,
};

const char *mod_name(void)
{
	return strstr(va_dev_path, "vhost-accel") ? "vhost_accel" : "vhost_net";
}

/* The module's reference count in /proc/modules, -1 if not there */
int mod_refs(void)
{
	char line[512], name[64];
	int refs = -1, n;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %*u %d", name, &n) == 2 &&
		    !strcmp(name, mod_name()))
			refs = n;
	}
	fclose(f);
	return refs;
}

/*
 * The threads called like the worker of a device owned by @pid:
 * "vaccel-PID" for vhost-accel, "vhost-PID" for vhost-net (a kthread, or
 * since 6.4 a thread of the owner). Returns how many, -1 if /proc cannot
 * be read; the first one's tid in @tid.
 */
static int worker_scan(pid_t pid, pid_t *tid)
{
	char want[32], path[600], comm[64];
	DIR *proc, *task;
	struct dirent *p, *t;
	int n = 0;

	*tid = 0;
	snprintf(want, sizeof(want), "%s-%d\n",
		 strstr(va_dev_path, "vhost-accel") ? "vaccel" : "vhost", pid);
	proc = opendir("/proc");
	if (!proc)
		return -1;
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		task = opendir(path);
		if (!task)
			continue;
		while ((t = readdir(task))) {
			FILE *f;

			if (t->d_name[0] < '0' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/comm",
				 p->d_name, t->d_name);
			f = fopen(path, "re");
			if (!f)
				continue;
			if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want) &&
			    !n++)
				*tid = atoi(t->d_name);
			fclose(f);
		}
		closedir(task);
	}
	closedir(proc);
	return n;
}

int workers_of(pid_t pid)
{
	pid_t tid;

	return worker_scan(pid, &tid);
}

/* The worker thread of the device owned by @pid, 0 if there is none. */
pid_t worker_tid(pid_t pid)
{
	pid_t tid;

	return worker_scan(pid, &tid) > 0 ? tid : 0;
}

/* After the device is closed: no worker, no module reference, no tap */
void check_released(pid_t owner, int refs0, const char *tap)
{
	long long end = now_ms() + 5000 * va_time_scale;
	int w, refs;

	while ((w = workers_of(owner)) > 0 && now_ms() < end)
		usleep(20000);
	check(!w, "no worker thread of owner %d left (%d)", owner, w);
	while ((refs = mod_refs()) != refs0 && now_ms() < end)
		usleep(20000);
	check_eq(refs0, refs, "%s reference count back where it was", mod_name());
	if (tap && tap[0]) {
		while (if_nametoindex(tap) && now_ms() < end)
			usleep(20000);
		check(!if_nametoindex(tap), "tap %s released", tap);
	}
}

/* The next device works: a frame each way */
void next_device_works(void)
{
	struct va_cfg cfg = next_cfg;
	struct va_dev d;

	if (!dev_open(&d, va_dev_path) && !dev_setup(&d, &cfg)) {
		rx_post(&d, 8, 2048, L_SINGLE);
		tx_one(&d, 1514, L_SINGLE, 1, "next device: tx");
		rx_one(&d, 1514, 2, "next device: rx");
		dev_no_errors(&d, "next device: no error notifications");
	}
	dev_close(&d);
	mem_reset(&va_mem);
}

