/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vadriver: a traffic pump with fixed buffer slots, for tests that run
 * traffic for a while (faults, load) rather than check frame by frame.
 *
 * Each turn reaps the used entries of both rings, posts RX buffers and TX
 * frames up to a window, injects frames into the tap for the device to
 * receive and (with capture) counts what the device wrote into the tap.
 * It checks only that every used id was outstanding.
 */
#ifndef VADRIVER_PUMP_H
#define VADRIVER_PUMP_H

#include "vadriver.h"

struct pump_cfg {
	unsigned int slots;	/* buffer slots per direction */
	unsigned int slot;	/* bytes per slot */
	unsigned int max_frame;	/* frames are 60..max_frame bytes */
	unsigned int tx_window;	/* TX frames posted and not used */
	unsigned int rx_window;	/* RX buffers posted and not used */
	unsigned int rx_inflight;	/* frames injected, not received */
	unsigned int inject_per_step;
	/* TX frames written once per slot, then posted again as they are */
	bool tx_prefilled;
	/*
	 * With tx_prefilled: a used TX chain goes straight back into the
	 * avail ring (vq_recycle), so that keeping the ring full costs the
	 * driver almost nothing.
	 */
	bool tx_recycle;
	bool capture;		/* count TX frames on the tap's capture socket */
};

struct pump {
	struct va_dev *d;
	struct pump_cfg cfg;
	__u64 tx_slots, rx_slots;
	unsigned int tx_posted, tx_used, tx_seen;
	unsigned int rx_posted, rx_used, rx_sent;
	unsigned int bad_ids;
	/* turns, and turns that found every TX frame used (the device idle) */
	unsigned int turns, tx_dry;
	unsigned int rx_used_then;	/* rx_used at rx_moved_ms */
	long long rx_moved_ms;
};

extern const struct pump_cfg pump_default;

void pump_init(struct pump *p, struct va_dev *d, const struct pump_cfg *cfg);
void pump_turn(struct pump *p);
void pump_step(struct pump *p);
void pump_for(struct pump *p, int ms);
bool pump_progress(struct pump *p, unsigned int tx, unsigned int rx,
		   const char *what);

#endif
