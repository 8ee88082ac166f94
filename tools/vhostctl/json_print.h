/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text and JSON from the same calls, in the manner of iproute2: every value
 * is printed once with a key (used for JSON) and a printf format (used for
 * text). PRINT_FP prints only in text mode, PRINT_JSON only in JSON mode.
 */
#ifndef VHOSTCTL_JSON_PRINT_H
#define VHOSTCTL_JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/* Start a document: json = 0 text, 1 compact JSON, 2 pretty JSON. */
void new_json_obj(int json);
/* End the document: in JSON mode closes what is open, adds a newline. */
void delete_json_obj(void);
bool is_json_context(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(enum output_type t, const char *key);
void close_json_array(enum output_type t, const char *text);

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value);
void print_int(enum output_type t, const char *key, const char *fmt,
	       int value);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
void print_hex_u64(enum output_type t, const char *key, const char *fmt,
		   uint64_t value);
void print_float(enum output_type t, const char *key, const char *fmt,
		 double value);
/* JSON: a boolean; text: fmt (printf'd with no argument) when value is true */
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);
void print_null(enum output_type t, const char *key, const char *fmt);
/* Text only: printf(fmt, ...) */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text only: a newline */
void print_nl(void);

#endif
