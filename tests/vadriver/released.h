/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vadriver: what a device leaves behind once it is closed (nothing: no
 * worker thread, no module reference, no tap), and the device after it.
 */
#ifndef VADRIVER_RELEASED_H
#define VADRIVER_RELEASED_H

#include <sys/types.h>

const char *mod_name(void);
int mod_refs(void);
int workers_of(pid_t pid);
pid_t worker_tid(pid_t pid);
void check_released(pid_t owner, int refs0, const char *tap);
void next_device_works(void);

#endif
