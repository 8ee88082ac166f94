// SPDX-License-Identifier: GPL-2.0
/*
 * Run the fuzz target over files, without libFuzzer: `make test` replays
 * the committed corpus this way with gcc's sanitizers, and a crash file
 * from `make fuzz` can be replayed under a debugger.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("ring_fuzz_replay: %d inputs, no failure\n", argc - 1);
	return 0;
}
