/*
 * fuzz_common.h
 *	  The contract between a fuzz target (a decoder of untrusted bytes with
 *	  its property checks) and the two drivers that run it: libFuzzer
 *	  (fuzz_main.c) and the deterministic checks (deterministic.c).
 */
#ifndef WH_FUZZ_COMMON_H
#define WH_FUZZ_COMMON_H

#include "postgres.h"

/* What one input gave. */
typedef enum WhOutcome
{
	WH_DECODED,					/* decoded, and every property held */
	WH_REJECTED					/* ERROR with the target's SQLSTATE */
} WhOutcome;

/* A decoder under test. */
typedef struct WhFuzzTarget
{
	const char *name;
	/* the one SQLSTATE decoding may raise */
	int			sqlstate;
	/* valid encodings made with the real encoders; returns how many (at most max) */
	int			(*make_seeds) (bytea **seeds, int max);
	/* decodes input (through WhFuzzGuard) and checks properties; false when rejected */
	bool		(*check) (const bytea *input);
	/* checks one large real encoding, too large to mutate; returns inputs checked */
	int64		(*check_large) (void);
} WhFuzzTarget;

/* The target linked into this binary (target_values.c or target_summary.c). */
extern const WhFuzzTarget wh_fuzz_target;

extern void WhFuzzInit(void);
extern WhOutcome WhFuzzOne(const uint8 *data, size_t size);
extern bool WhFuzzGuard(void (*fn) (void *arg), void *arg, int sqlstate);
extern bytea *WhFuzzBytea(const void *data, size_t size);
extern bool WhFuzzSameBytes(const bytea *a, const bytea *b);
extern void WhFuzzDescribe(const char *fmt,...) pg_attribute_printf(1, 2);
extern void WhFuzzFail(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

#endif							/* WH_FUZZ_COMMON_H */
