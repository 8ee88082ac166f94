/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost_accel: the generic netlink family an operator uses to see every
 * /dev/vhost-accel device, its queues and their counters, and to follow
 * what happens to them.
 *
 * The device itself is driven through the ioctls of <linux/vhost.h>,
 * unchanged: this header adds only the netlink view.
 *
 * This is a contract. Commands and attributes keep their numbers forever;
 * new ones are added at the end of their enum; an attribute's type never
 * changes. A reader ignores attributes it does not know.
 *
 * Family:    VHOST_ACCEL_GENL_NAME, version VHOST_ACCEL_GENL_VERSION
 * Multicast: VHOST_ACCEL_GENL_MCGRP_EVENTS
 *
 * Access: a dump or get shows every device to a caller with CAP_NET_ADMIN,
 * and to anyone else only the devices whose owner has the caller's
 * effective uid. Commands that change state require CAP_NET_ADMIN.
 */
#ifndef _UAPI_LINUX_VHOST_ACCEL_H
#define _UAPI_LINUX_VHOST_ACCEL_H

#define VHOST_ACCEL_GENL_NAME		"vhost_accel"
#define VHOST_ACCEL_GENL_VERSION	1
#define VHOST_ACCEL_GENL_MCGRP_EVENTS	"events"

/**
 * enum vhost_accel_cmd - commands and events of the family
 * @VHOST_ACCEL_CMD_UNSPEC: unused
 * @VHOST_ACCEL_CMD_DEV_GET: request: with NLM_F_DUMP, every device the
 *	caller may see; otherwise the one named by %VHOST_ACCEL_A_DEV_ID
 *	(ENOENT when there is none the caller may see). Reply: one message per
 *	device with the device attributes and a %VHOST_ACCEL_A_DEV_QUEUES nest.
 * @VHOST_ACCEL_CMD_DEV_NEW: event: a device was opened.
 *	Carries %VHOST_ACCEL_A_DEV_ID.
 * @VHOST_ACCEL_CMD_DEV_OWNER: event: a process became the owner
 *	(VHOST_SET_OWNER). Carries ID, OWNER_PID, OWNER_COMM, WORKER_PID.
 * @VHOST_ACCEL_CMD_BACKEND_ATTACH: event: a queue got a backend.
 *	Carries ID, %VHOST_ACCEL_A_QUEUE_INDEX and the BACKEND_* attributes.
 * @VHOST_ACCEL_CMD_BACKEND_DETACH: event: a queue lost its backend.
 *	Carries ID and %VHOST_ACCEL_A_QUEUE_INDEX.
 * @VHOST_ACCEL_CMD_QUEUE_ERROR: event: a queue saw an error from the guest
 *	or its memory (at most one event per queue per second).
 *	Carries ID, %VHOST_ACCEL_A_QUEUE_INDEX, %VHOST_ACCEL_A_QUEUE_LAST_ERROR
 *	and %VHOST_ACCEL_A_QUEUE_BROKEN.
 * @VHOST_ACCEL_CMD_DEV_DEL: event: a device was released (its last file
 *	closed). Carries %VHOST_ACCEL_A_DEV_ID.
 */
enum vhost_accel_cmd {
	VHOST_ACCEL_CMD_UNSPEC,
	VHOST_ACCEL_CMD_DEV_GET,
	VHOST_ACCEL_CMD_DEV_NEW,
	VHOST_ACCEL_CMD_DEV_OWNER,
	VHOST_ACCEL_CMD_BACKEND_ATTACH,
	VHOST_ACCEL_CMD_BACKEND_DETACH,
	VHOST_ACCEL_CMD_QUEUE_ERROR,
	VHOST_ACCEL_CMD_DEV_DEL,

	__VHOST_ACCEL_CMD_MAX,
	VHOST_ACCEL_CMD_MAX = __VHOST_ACCEL_CMD_MAX - 1
};

/**
 * enum vhost_accel_attr - attributes of a device
 * @VHOST_ACCEL_A_UNSPEC: unused
 * @VHOST_ACCEL_A_DEV_ID: u32, the device's id, unique while the module is
 *	loaded, never 0
 * @VHOST_ACCEL_A_OWNER_PID: u32, thread group id of the owner in the
 *	caller's pid namespace; absent before VHOST_SET_OWNER
 * @VHOST_ACCEL_A_OWNER_COMM: string, the owner's command name
 * @VHOST_ACCEL_A_WORKER_PID: u32, pid of the device's worker thread
 *	(named vaccel-OWNER_PID)
 * @VHOST_ACCEL_A_FEATURES: u64, the features acked with VHOST_SET_FEATURES
 * @VHOST_ACCEL_A_MEM_REGIONS: u32, regions in the memory table
 * @VHOST_ACCEL_A_BACKEND_IFINDEX: u32, ifindex of the backend's net device
 *	(of the first queue that has one); absent when no queue has a backend
 *	or the backend's device is gone
 * @VHOST_ACCEL_A_BACKEND_IFNAME: string, its name
 * @VHOST_ACCEL_A_BACKEND_KIND: u32, enum vhost_accel_backend_kind
 * @VHOST_ACCEL_A_DEV_QUEUES: nest of %VHOST_ACCEL_A_DEV_QUEUE entries
 * @VHOST_ACCEL_A_DEV_QUEUE: nest, one queue: enum vhost_accel_queue_attr
 * @VHOST_ACCEL_A_PAD: padding for 64-bit attributes
 * @VHOST_ACCEL_A_QUEUE_INDEX: u32, in events: the queue they are about
 * @VHOST_ACCEL_A_QUEUE_LAST_ERROR: u32, in events: enum vhost_accel_error
 * @VHOST_ACCEL_A_QUEUE_BROKEN: u8, in events: 1 when the queue stopped
 */
enum vhost_accel_attr {
	VHOST_ACCEL_A_UNSPEC,
	VHOST_ACCEL_A_DEV_ID,
	VHOST_ACCEL_A_OWNER_PID,
	VHOST_ACCEL_A_OWNER_COMM,
	VHOST_ACCEL_A_WORKER_PID,
	VHOST_ACCEL_A_FEATURES,
	VHOST_ACCEL_A_MEM_REGIONS,
	VHOST_ACCEL_A_BACKEND_IFINDEX,
	VHOST_ACCEL_A_BACKEND_IFNAME,
	VHOST_ACCEL_A_BACKEND_KIND,
	VHOST_ACCEL_A_DEV_QUEUES,
	VHOST_ACCEL_A_DEV_QUEUE,
	VHOST_ACCEL_A_PAD,
	VHOST_ACCEL_A_QUEUE_INDEX,
	VHOST_ACCEL_A_QUEUE_LAST_ERROR,
	VHOST_ACCEL_A_QUEUE_BROKEN,

	__VHOST_ACCEL_A_MAX,
	VHOST_ACCEL_A_MAX = __VHOST_ACCEL_A_MAX - 1
};

/**
 * enum vhost_accel_queue_attr - attributes of one queue, inside
 *	%VHOST_ACCEL_A_DEV_QUEUE. Counters are u64 and count since the device
 *	was opened; they never go backwards.
 * @VHOST_ACCEL_Q_UNSPEC: unused
 * @VHOST_ACCEL_Q_INDEX: u32, 0 = RX, 1 = TX
 * @VHOST_ACCEL_Q_SIZE: u32, entries (VHOST_SET_VRING_NUM), 0 = not set
 * @VHOST_ACCEL_Q_LAST_AVAIL: u32, next available entry the device takes
 * @VHOST_ACCEL_Q_USED_IDX: u32, next used entry the device fills
 * @VHOST_ACCEL_Q_KICKS: u64, kicks received from the guest
 * @VHOST_ACCEL_Q_CALLS: u64, interrupts (call eventfd signals) sent
 * @VHOST_ACCEL_Q_PACKETS: u64, packets moved
 * @VHOST_ACCEL_Q_BYTES: u64, bytes moved, virtio-net header included
 * @VHOST_ACCEL_Q_DROPS: u64, packets dropped
 * @VHOST_ACCEL_Q_ERRORS: u64, errors (bad chains, faults); each also
 *	signals the queue's error eventfd
 * @VHOST_ACCEL_Q_LAST_ERROR: u32, enum vhost_accel_error
 * @VHOST_ACCEL_Q_BUSYLOOP_TIMEOUT: u32, microseconds
 * @VHOST_ACCEL_Q_BROKEN: u8, 1 when the queue stopped on an error in
 *	the ring itself; it looks at the ring again at the guest's next kick
 *	or when its backend is set again
 * @VHOST_ACCEL_Q_BACKEND_IFINDEX: u32, ifindex of this queue's backend
 * @VHOST_ACCEL_Q_PAD: padding for 64-bit attributes
 */
enum vhost_accel_queue_attr {
	VHOST_ACCEL_Q_UNSPEC,
	VHOST_ACCEL_Q_INDEX,
	VHOST_ACCEL_Q_SIZE,
	VHOST_ACCEL_Q_LAST_AVAIL,
	VHOST_ACCEL_Q_USED_IDX,
	VHOST_ACCEL_Q_KICKS,
	VHOST_ACCEL_Q_CALLS,
	VHOST_ACCEL_Q_PACKETS,
	VHOST_ACCEL_Q_BYTES,
	VHOST_ACCEL_Q_DROPS,
	VHOST_ACCEL_Q_ERRORS,
	VHOST_ACCEL_Q_LAST_ERROR,
	VHOST_ACCEL_Q_BUSYLOOP_TIMEOUT,
	VHOST_ACCEL_Q_BROKEN,
	VHOST_ACCEL_Q_BACKEND_IFINDEX,
	VHOST_ACCEL_Q_PAD,

	__VHOST_ACCEL_Q_MAX,
	VHOST_ACCEL_Q_MAX = __VHOST_ACCEL_Q_MAX - 1
};

/**
 * enum vhost_accel_backend_kind - what a queue's backend is
 * @VHOST_ACCEL_BACKEND_NONE: no backend
 * @VHOST_ACCEL_BACKEND_TAP: a tun/tap file
 * @VHOST_ACCEL_BACKEND_MACVTAP: a macvtap (or ipvtap) file
 */
enum vhost_accel_backend_kind {
	VHOST_ACCEL_BACKEND_NONE,
	VHOST_ACCEL_BACKEND_TAP,
	VHOST_ACCEL_BACKEND_MACVTAP,
};

/**
 * enum vhost_accel_error - why a queue dropped a packet or stopped
 * @VHOST_ACCEL_ERR_NONE: no error since the queue started
 * @VHOST_ACCEL_ERR_RING: ring indices or ring memory unusable (the queue
 *	stops)
 * @VHOST_ACCEL_ERR_CHAIN: a descriptor chain broke the rules: loop, bad
 *	index, address outside guest memory, wrong direction, bad indirect
 *	table (the packet is dropped, its buffers returned unused)
 * @VHOST_ACCEL_ERR_MEMORY: guest memory could not be written (the queue
 *	stops)
 * @VHOST_ACCEL_ERR_LOG: the dirty log could not be written
 * @VHOST_ACCEL_ERR_BACKEND: the backend refused a packet
 * @VHOST_ACCEL_ERR_TOO_BIG: a packet did not fit the guest's buffers
 */
enum vhost_accel_error {
	VHOST_ACCEL_ERR_NONE,
	VHOST_ACCEL_ERR_RING,
	VHOST_ACCEL_ERR_CHAIN,
	VHOST_ACCEL_ERR_MEMORY,
	VHOST_ACCEL_ERR_LOG,
	VHOST_ACCEL_ERR_BACKEND,
	VHOST_ACCEL_ERR_TOO_BIG,
};

#endif /* _UAPI_LINUX_VHOST_ACCEL_H */
