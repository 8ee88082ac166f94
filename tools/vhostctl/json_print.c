// SPDX-License-Identifier: GPL-2.0
/*
 * A small JSON writer behind iproute2-style print_* calls: in text mode each
 * call printf's its format, in JSON mode it writes "key": value with the
 * commas, nesting and (pretty) indentation that the open containers need.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_print.h"

#define JSON_MAX_DEPTH 16

struct json_level {
	bool array;
	unsigned int count;
};

static int json_mode;		/* 0 text, 1 JSON, 2 pretty JSON */
static int depth;
static struct json_level stack[JSON_MAX_DEPTH];

void new_json_obj(int json)
{
	json_mode = json;
	depth = 0;
}

bool is_json_context(void)
{
	return json_mode != 0;
}

static bool want(enum output_type t)
{
	return json_mode ? (t & PRINT_JSON) : (t & PRINT_FP);
}

static void indent(void)
{
	int i;

	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("    ", stdout);
}

/* Bytes that are not valid UTF-8 become U+FFFD, so the output always parses. */
static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	while (*p) {
		unsigned int n = 0, i;

		if (*p == '"' || *p == '\\') {
			printf("\\%c", *p++);
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			if (*p == '\n')
				fputs("\\n", stdout);
			else if (*p == '\t')
				fputs("\\t", stdout);
			else if (*p == '\r')
				fputs("\\r", stdout);
			else
				printf("\\u%04x", *p);
			p++;
			continue;
		}
		if (*p < 0x80) {
			putchar(*p++);
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3;
		for (i = 1; n && i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (!n) {
			fputs("\\ufffd", stdout);
			p++;
			continue;
		}
		fwrite(p, 1, n + 1, stdout);
		p += n + 1;
	}
	putchar('"');
}

/* Separator, indentation and key before a value. */
static void json_key(const char *key)
{
	struct json_level *l;

	if (!depth)
		return;
	l = &stack[depth - 1];
	if (l->count++)
		putchar(',');
	if (json_mode == 2)
		indent();
	if (!l->array) {
		json_string(key ? key : "");
		fputs(json_mode == 2 ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, bool array)
{
	json_key(key);
	putchar(array ? '[' : '{');
	if (depth < JSON_MAX_DEPTH) {
		stack[depth].array = array;
		stack[depth].count = 0;
	}
	depth++;
}

static void json_close(void)
{
	bool array;
	unsigned int count;

	if (!depth)
		return;
	depth--;
	array = depth < JSON_MAX_DEPTH ? stack[depth].array : false;
	count = depth < JSON_MAX_DEPTH ? stack[depth].count : 0;
	if (json_mode == 2 && count)
		indent();
	putchar(array ? ']' : '}');
}

void delete_json_obj(void)
{
	if (!json_mode)
		return;
	while (depth)
		json_close();
	putchar('\n');
	fflush(stdout);
}

void open_json_object(const char *key)
{
	if (json_mode)
		json_open(key, false);
}

void close_json_object(void)
{
	if (json_mode)
		json_close();
}

void open_json_array(enum output_type t, const char *key)
{
	if (json_mode) {
		if (t & PRINT_JSON)
			json_open(key, true);
	} else if ((t & PRINT_FP) && key) {
		fputs(key, stdout);
	}
}

void close_json_array(enum output_type t, const char *text)
{
	if (json_mode) {
		if (t & PRINT_JSON)
			json_close();
	} else if ((t & PRINT_FP) && text) {
		fputs(text, stdout);
	}
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		json_string(value ? value : "");
	} else if (fmt) {
		printf(fmt, value ? value : "");
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int value)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		printf("%u", value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_int(enum output_type t, const char *key, const char *fmt,
	       int value)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		printf("%d", value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		printf("%" PRIu64, value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_hex_u64(enum output_type t, const char *key, const char *fmt,
		   uint64_t value)
{
	char buf[24];

	if (!want(t))
		return;
	if (json_mode) {
		snprintf(buf, sizeof(buf), "0x%016" PRIx64, value);
		json_key(key);
		json_string(buf);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_float(enum output_type t, const char *key, const char *fmt,
		 double value)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		if (value != value || value > 1e300 || value < -1e300)
			fputs("null", stdout);
		else
			printf("%.3f", value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		fputs(value ? "true" : "false", stdout);
	} else if (fmt && value) {
		fputs(fmt, stdout);
	}
}

void print_null(enum output_type t, const char *key, const char *fmt)
{
	if (!want(t))
		return;
	if (json_mode) {
		json_key(key);
		fputs("null", stdout);
	} else if (fmt) {
		fputs(fmt, stdout);
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json_mode)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!json_mode)
		putchar('\n');
}
