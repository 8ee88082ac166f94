// SPDX-License-Identifier: GPL-2.0
/*
 * Write the seed corpus for ring_fuzz: a handful of small inputs that each
 * reach one corner (indirect tables, event index, the dirty log, several
 * regions, faults, legacy byte order) so the fuzzer starts there rather
 * than at the header. `make corpus` runs it; the output is committed.
 *
 * The encoding, as ring_fuzz.c reads it (little-endian; a missing byte
 * reads as 0):
 *
 * header   u8 log2(num) (mod 16); u8 features: 01 legacy big-endian,
 *          02 EVENT_IDX, 04 INDIRECT_DESC, 08 NOTIFY_ON_EMPTY, 10 LOG_ALL,
 *          20 log used ring, 40 small iov/log arrays (then u8 iov_max-1,
 *          and u8 log_max-1 if logging), 80 no log array;
 *          u32 desc, u32 avail, u32 used (offsets in the 1 MiB guest
 *          arena); u16 log base (offset in the 8 KiB bitmap); u16 used
 *          ring guest address / 16; u16 avail base; u16 used->idx
 * table    u8 k: k % 10 regions, 80 padding (then u32), 40 fail an
 *          allocation (10: the second); per region u8 kind then
 *          gpa (kind & 1 ? u64 : u32 * 16), size (kind & 2 ? u64 :
 *          u32 % 2 MiB), uaddr (kind & 4 ? u64 : arena + u32 % 1 MiB)
 * ops      u8 op % 21, then its arguments (see ring_fuzz.c):
 *          0,1 descriptor  2,3 push avail  4 avail idx  5 indirect table
 *          6 raw bytes  7 avail flags / used_event  8,9 fetch  10 add used
 *          (ff: a ring's worth, u8 + 1 times)
 *          11 notify?  12 disable  13 enable  14 empty? + unfetch
 *          15 reset  16 translate  17 uaddr covered  18 log write
 *          19 memory hole  20 log access_ok
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct w {
	uint8_t b[4096];
	size_t n;
};

static void p8(struct w *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void p16(struct w *w, uint16_t v)
{
	p8(w, v);
	p8(w, v >> 8);
}

static void p32(struct w *w, uint32_t v)
{
	p16(w, v);
	p16(w, v >> 16);
}

static void p64(struct w *w, uint64_t v)
{
	p32(w, v);
	p32(w, v >> 32);
}

enum {
	F_BE = 0x01, F_EVENT_IDX = 0x02, F_INDIRECT = 0x04, F_NOE = 0x08,
	F_LOG = 0x10, F_LOG_USED = 0x20, F_SMALL = 0x40, F_NOLOGARR = 0x80,
};

#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000

static void header(struct w *w, unsigned int log2num, uint8_t feat,
		   uint16_t base)
{
	p8(w, log2num);
	p8(w, feat);
	if (feat & F_SMALL) {
		p8(w, 2);			/* iov_max 3 */
		if (!(feat & F_NOLOGARR))
			p8(w, 1);		/* log_max 2 */
	}
	p32(w, DESC);
	p32(w, AVAIL);
	p32(w, USED);
	p16(w, 0x10);			/* log base: bitmap + 16 */
	p16(w, USED >> 4);		/* the used ring's guest address */
	p16(w, base);
	p16(w, base);
}

/* One region: guest [0, 1 MiB) is the whole arena. */
static void one_region(struct w *w)
{
	p8(w, 1);
	p8(w, 0);
	p32(w, 0);
	p32(w, 1u << 20);
	p32(w, 0);
}

enum {
	OP_DESC = 0, OP_PUSH = 2, OP_IDX = 4, OP_INDIRECT = 5, OP_RAW = 6,
	OP_FLAGS = 7, OP_FETCH = 8, OP_USED = 10, OP_NOTIFY = 11,
	OP_DISABLE = 12, OP_ENABLE = 13, OP_EMPTY = 14, OP_RESET = 15,
	OP_TRANSLATE = 16, OP_COVERED = 17, OP_LOGW = 18, OP_HOLE = 19,
	OP_LOGOK = 20,
};

enum { R = 0, W = 2, NEXT = 1, IND = 4 };

/* A descriptor body: offset @off in region @reg, @len, @flags, @next. */
static void desc_body(struct w *w, uint8_t reg, uint16_t off, uint32_t len,
		      uint16_t flags, uint16_t next)
{
	p8(w, reg & 0x1f);
	p16(w, off);
	if (len < 0xc0) {
		p8(w, len);
	} else if (len <= 0xffff) {
		p8(w, 0xc0);
		p16(w, len);
	} else {
		p8(w, 0xe0);
		p32(w, len);
	}
	if (flags < 8 && next < 8) {
		p8(w, flags | next << 3);
	} else {
		p8(w, 0xc0);
		p16(w, flags);
		p16(w, next);
	}
}

static void desc(struct w *w, uint16_t i, uint16_t off, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	p8(w, OP_DESC);
	p16(w, i);
	desc_body(w, 0, off, len, flags, next);
}

static void push(struct w *w, uint8_t head)
{
	p8(w, OP_PUSH);
	p8(w, 0);		/* one entry, head as u8 % num */
	p8(w, head);
}

static void fetch(struct w *w, unsigned int n)
{
	p8(w, OP_FETCH);
	p8(w, n - 1);
}

static void used(struct w *w, unsigned int n)
{
	p8(w, OP_USED);
	p8(w, n & ~1u);		/* lens 0, 1, 2...: no u32 lens follow */
}

static void write_seed(const char *dir, const char *name, const struct w *w)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(w->b, 1, w->n, f) != w->n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus";
	struct w w;
	int i;

	/* A direct chain, used, notified; notifications off and on. */
	memset(&w, 0, sizeof(w));
	header(&w, 3, 0, 0);
	one_region(&w);
	desc(&w, 0, 0x8000, 100, R | NEXT, 1);
	desc(&w, 1, 0x9000, 200, W, 0);
	push(&w, 0);
	fetch(&w, 2);
	used(&w, 1);
	p8(&w, OP_NOTIFY);
	p8(&w, OP_DISABLE);
	push(&w, 0);
	p8(&w, OP_ENABLE);
	fetch(&w, 2);
	used(&w, 1);
	p8(&w, OP_NOTIFY);
	write_seed(dir, "direct", &w);

	/* EVENT_IDX and the dirty log: used ring and written buffers. */
	memset(&w, 0, sizeof(w));
	header(&w, 2, F_EVENT_IDX | F_LOG | F_LOG_USED, 0xfffe);
	one_region(&w);
	desc(&w, 2, 0x8000, 0x2000, W | NEXT, 3);
	desc(&w, 3, 0xc000, 0x1800, W, 0);
	for (i = 0; i < 4; i++) {
		push(&w, 2);
		fetch(&w, 1);
		p8(&w, 1);		/* log what was written... */
		p32(&w, 0x2800);	/* ...this much */
		used(&w, 1);
		p8(&w, OP_FLAGS);	/* used_event */
		p8(&w, 1);
		p16(&w, 0xfffe + i * 2);
		p8(&w, OP_NOTIFY);
		p8(&w, OP_DISABLE);
		p8(&w, OP_ENABLE);
	}
	write_seed(dir, "event-idx-log", &w);

	/* An indirect table, a nested one, one of bad length, a loop. */
	memset(&w, 0, sizeof(w));
	header(&w, 4, F_INDIRECT, 0);
	one_region(&w);
	p8(&w, OP_INDIRECT);
	p8(&w, 0);
	p16(&w, 0x6000);		/* table at guest 0x6000 */
	p8(&w, 3);
	desc_body(&w, 0, 0x8000, 10, R | NEXT, 2);
	desc_body(&w, 0, 0x9000, 30, W, 0);
	desc_body(&w, 0, 0xa000, 20, W | NEXT, 1);
	desc(&w, 0, 0x6000, 48, IND, 0);
	push(&w, 0);
	fetch(&w, 1);
	desc(&w, 1, 0x6000, 40, IND, 0);		/* not a multiple of 16 */
	desc(&w, 2, 0x6000, 48, IND | NEXT, 0);		/* indirect + next */
	p8(&w, OP_INDIRECT);
	p8(&w, 0);
	p16(&w, 0x7000);
	p8(&w, 2);
	desc_body(&w, 0, 0x6000, 48, IND | NEXT, 1);	/* nested */
	desc_body(&w, 0, 0x7000, 32, NEXT, 0);		/* and a loop */
	desc(&w, 3, 0x7000, 32, IND, 0);
	p8(&w, OP_INDIRECT);
	p8(&w, 0);
	p16(&w, 0x7800);
	p8(&w, 2);
	desc_body(&w, 0, 0x8000, 4, R | NEXT, 1);	/* 0 -> 1 -> 0 */
	desc_body(&w, 0, 0x8000, 4, R | NEXT, 0);
	desc(&w, 4, 0x7800, 32, IND, 0);
	p8(&w, OP_INDIRECT);
	p8(&w, 0);
	p16(&w, 0x7c00);
	p8(&w, 3);
	desc_body(&w, 0, 0x8000, 4, R | NEXT, 2);	/* next == count */
	desc_body(&w, 0, 0x8000, 4, R, 0);
	desc_body(&w, 0, 0x8000, 4, R, 0);		/* just past it */
	desc(&w, 5, 0x7c00, 32, IND, 0);
	push(&w, 1);
	push(&w, 2);
	push(&w, 3);
	push(&w, 4);
	push(&w, 5);
	fetch(&w, 6);
	used(&w, 6);
	p8(&w, OP_NOTIFY);
	write_seed(dir, "indirect", &w);

	/* Direct chains that break the rules; a head and an index too far. */
	memset(&w, 0, sizeof(w));
	header(&w, 3, F_NOE, 0);
	one_region(&w);
	desc(&w, 0, 0x8000, 8, R | NEXT, 1);	/* 0 -> 1 -> 0 */
	desc(&w, 1, 0x8000, 8, R | NEXT, 0);
	desc(&w, 2, 0x8000, 8, W | NEXT, 3);	/* readable after writable */
	desc(&w, 3, 0x8000, 8, R, 0);
	p8(&w, OP_DESC);			/* next beyond the ring */
	p16(&w, 4);
	desc_body(&w, 0, 0x8000, 8, NEXT, 100);
	push(&w, 0);
	push(&w, 2);
	push(&w, 4);
	fetch(&w, 3);
	used(&w, 3);
	p8(&w, OP_NOTIFY);
	p8(&w, OP_PUSH);			/* head beyond the ring */
	p8(&w, 0x80);
	p16(&w, 9);
	fetch(&w, 1);
	p8(&w, OP_RESET);
	p16(&w, 0);
	p8(&w, OP_IDX);				/* 9 ahead of 8 */
	p8(&w, 0x80);
	p16(&w, 9);
	fetch(&w, 1);
	write_seed(dir, "bad-chains", &w);

	/* Three regions with gaps; buffers across them; table queries. */
	memset(&w, 0, sizeof(w));
	header(&w, 3, F_SMALL | F_LOG, 0);
	p8(&w, 3);
	p8(&w, 0);				/* guest [0, 64K) */
	p32(&w, 0);
	p32(&w, 0x10000);
	p32(&w, 0);
	p8(&w, 0);				/* guest [64K, 128K), apart */
	p32(&w, 0x10000 >> 4);
	p32(&w, 0x10000);
	p32(&w, 0x40000);
	p8(&w, 0);				/* guest [1M, 1M + 4K) */
	p32(&w, 0x100000 >> 4);
	p32(&w, 0x1000);
	p32(&w, 0x20000);
	desc(&w, 0, 0xfff0, 0x20, W | NEXT, 1);	/* across regions 0-1 */
	p8(&w, OP_DESC);
	p16(&w, 1);
	desc_body(&w, 2, 0xf00, 0x20, W, 0);	/* and region 2 */
	p8(&w, OP_DESC);
	p16(&w, 2);
	desc_body(&w, 2, 0xff0, 0x20, W, 0);	/* past its end */
	push(&w, 0);
	push(&w, 2);
	fetch(&w, 1);
	p8(&w, 0);				/* no log write */
	fetch(&w, 1);
	p8(&w, OP_TRANSLATE);
	p8(&w, 0);
	p32(&w, 0xfff0);
	p8(&w, 0);
	p32(&w, 0x20);
	p8(&w, 4);
	p8(&w, OP_COVERED);
	p8(&w, 1);
	p32(&w, 0xff00);
	p32(&w, 0x200);
	p8(&w, OP_LOGW);
	p16(&w, 0xffc);
	p32(&w, 0x3ff000);
	p8(&w, 1);
	p32(&w, 0x100000);
	p8(&w, OP_LOGOK);
	p8(&w, 0);
	p16(&w, 0);
	p32(&w, 0);
	p32(&w, 0x10000000);
	desc(&w, 3, 0x8000, 16, W | NEXT, 4);	/* 3 log segments, room 2 */
	desc(&w, 4, 0x8100, 16, W | NEXT, 5);
	desc(&w, 5, 0x8200, 16, W, 0);
	push(&w, 3);
	fetch(&w, 1);
	write_seed(dir, "regions", &w);

	/* Legacy big-endian ring; holes under the rings; reset. */
	memset(&w, 0, sizeof(w));
	header(&w, 5, F_BE | F_EVENT_IDX, 100);
	one_region(&w);
	desc(&w, 7, 0x8000, 64, W, 0);
	push(&w, 7);
	fetch(&w, 1);
	p8(&w, OP_HOLE);			/* used ring read-only */
	p8(&w, 1);
	p16(&w, USED >> 12);
	used(&w, 1);
	p8(&w, OP_HOLE);			/* all back */
	p8(&w, 0x80);
	p8(&w, OP_RESET);
	p16(&w, 100);
	p8(&w, OP_HOLE);			/* desc table unmapped */
	p8(&w, 0);
	p16(&w, DESC >> 12);
	push(&w, 7);
	fetch(&w, 1);
	used(&w, 1);
	p8(&w, OP_NOTIFY);
	write_seed(dir, "legacy-holes", &w);

	/*
	 * A guest refilling faster than the device publishes: a batch of
	 * more used entries than the ring holds.
	 */
	memset(&w, 0, sizeof(w));
	header(&w, 2, 0, 0);
	one_region(&w);
	desc(&w, 0, 0x8000, 8, R, 0);
	for (i = 0; i < 3; i++) {
		p8(&w, OP_PUSH);
		p8(&w, 3);			/* four entries */
		p8(&w, 0);
		p8(&w, 0);
		p8(&w, 0);
		p8(&w, 0);
		fetch(&w, 4);
	}
	p8(&w, OP_USED);
	p8(&w, 0xf0);
	p16(&w, 12);
	write_seed(dir, "overfull-batch", &w);

	/* EVENT_IDX: 2^16 entries used between two decisions. */
	memset(&w, 0, sizeof(w));
	header(&w, 8, F_EVENT_IDX, 0);
	one_region(&w);
	used(&w, 0);
	p8(&w, OP_NOTIFY);			/* the first: always */
	p8(&w, OP_FLAGS);			/* used_event 0 */
	p8(&w, 1);
	p16(&w, 0);
	p8(&w, OP_USED);			/* 256 x 256 entries */
	p8(&w, 0xff);
	p8(&w, 255);
	p8(&w, OP_NOTIFY);
	used(&w, 0);
	p8(&w, OP_NOTIFY);
	write_seed(dir, "event-idx-wrap", &w);

	/*
	 * Memory at both ends of the guest address space: a buffer that
	 * would wrap from one to the other.
	 */
	memset(&w, 0, sizeof(w));
	header(&w, 3, 0, 0);
	p8(&w, 2);
	p8(&w, 0);				/* [0, 64K): the rings */
	p32(&w, 0);
	p32(&w, 0x10000);
	p32(&w, 0);
	p8(&w, 1);				/* the last 4K */
	p64(&w, 0xfffffffffffff000ULL);
	p32(&w, 0x1000);
	p32(&w, 0x10000);
	p8(&w, OP_DESC);
	p16(&w, 0);
	p8(&w, 0xe0);				/* a raw u64 address */
	p64(&w, 0xffffffffffffff00ULL);
	p8(&w, 0xc0);
	p16(&w, 0x200);
	p8(&w, 0);
	push(&w, 0);
	fetch(&w, 1);
	p8(&w, OP_TRANSLATE);
	p8(&w, 0xff);
	p64(&w, 0xffffffffffffff00ULL);
	p8(&w, 0);
	p32(&w, 0x200);
	p8(&w, 4);
	write_seed(dir, "wrap", &w);

	/* A table that overlaps by one byte: refused; then queries. */
	memset(&w, 0, sizeof(w));
	header(&w, 0, 0, 0);
	p8(&w, 2);
	p8(&w, 0);
	p32(&w, 0x100);
	p32(&w, 0x1001);			/* its last byte is the next's first */
	p32(&w, 0);
	p8(&w, 0);
	p32(&w, 0x200);
	p32(&w, 0x1000);
	p32(&w, 0x4000);
	p8(&w, OP_TRANSLATE);
	p8(&w, 0xff);
	p64(&w, 0x1000);
	p8(&w, 0);
	p32(&w, 1);
	p8(&w, 1);
	write_seed(dir, "bad-table", &w);
	return 0;
}
