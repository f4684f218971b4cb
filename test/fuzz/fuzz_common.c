/*
 * fuzz_common.c
 *	  Runs one input through the linked target: each input gets its own
 *	  memory context, deleted afterwards and checked to have kept nothing
 *	  outside it; an ERROR must carry the target's SQLSTATE; inputs short
 *	  enough are decoded again behind a 1-byte varlena header (as the
 *	  server may pass them, unaligned) and must give the same outcome.
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "utils/memutils.h"

#include "backend_shim.h"
#include "fuzz_common.h"

/* What the deterministic checks are feeding, for failure messages ("" under libFuzzer). */
static char input_description[256];

/* WhFuzzDescribe names the input being checked, for failure messages. */
void
WhFuzzDescribe(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(input_description, sizeof(input_description), fmt, args);
	va_end(args);
}

/* WhFuzzFail reports a broken property with the target's name, and aborts (a crash to libFuzzer). */
void
WhFuzzFail(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "fuzz %s: ", wh_fuzz_target.name);
	if (input_description[0] != '\0')
		fprintf(stderr, "%s: ", input_description);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

/* WhFuzzInit sets up the memory contexts once. */
void
WhFuzzInit(void)
{
	MemoryContextInit();
}

/* WhFuzzBytea copies bytes into a new bytea with a 4-byte header, sized exactly. */
bytea *
WhFuzzBytea(const void *data, size_t size)
{
	bytea	   *result = palloc(VARHDRSZ + size);

	SET_VARSIZE(result, VARHDRSZ + size);
	memcpy(VARDATA(result), data, size);
	return result;
}

/* WhFuzzSameBytes is true when two byteas (or two NULLs) hold the same bytes, whatever their headers. */
bool
WhFuzzSameBytes(const bytea *a, const bytea *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* ShortBytea copies at most 126 bytes into a new bytea with a 1-byte header. */
static bytea *
ShortBytea(const void *data, size_t size)
{
	bytea	   *result = palloc(VARHDRSZ_SHORT + size);

	SET_VARSIZE_SHORT(result, VARHDRSZ_SHORT + size);
	memcpy(VARDATA_SHORT(result), data, size);
	return result;
}

/*
 * WhFuzzGuard runs fn(arg) and returns true, or false when it raised ERROR
 * with the given SQLSTATE; any other SQLSTATE fails the run.
 */
bool
WhFuzzGuard(void (*fn) (void *arg), void *arg, int sqlstate)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool raised = false;

	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char		expected[6];

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		strlcpy(expected, unpack_sql_state(sqlstate), sizeof(expected));
		if (edata->sqlerrcode != sqlstate)
			WhFuzzFail("ERROR with SQLSTATE %s, expected %s: %s (%s:%d)",
					   unpack_sql_state(edata->sqlerrcode), expected, edata->message,
					   edata->filename, edata->lineno);
		FreeErrorData(edata);
		raised = true;
	}
	PG_END_TRY();
	return !raised;
}

/* RunOne checks one input in a context of its own, which must hold all the input allocated. */
static WhOutcome
RunOne(const uint8 *data, size_t size, bool short_header)
{
	int64		live = WhShimLiveChunks();
	MemoryContext context = AllocSetContextCreate(TopMemoryContext, "fuzz input",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(context);
	bool		decoded;

	decoded = wh_fuzz_target.check(short_header ? ShortBytea(data, size)
								   : WhFuzzBytea(data, size));
	MemoryContextSwitchTo(old);
	MemoryContextDelete(context);
	if (WhShimLiveChunks() != live)
		WhFuzzFail("%lld allocations outlived the input's memory context",
				   (long long) (WhShimLiveChunks() - live));
	if (PG_exception_stack != NULL)
		WhFuzzFail("PG_exception_stack was left set");
	return decoded ? WH_DECODED : WH_REJECTED;
}

/* WhFuzzOne checks one input, and again behind a short header when it fits one. */
WhOutcome
WhFuzzOne(const uint8 *data, size_t size)
{
	WhOutcome	outcome;

	WhFuzzInit();
	outcome = RunOne(data, size, false);
	if (size <= VARATT_SHORT_MAX - VARHDRSZ_SHORT && RunOne(data, size, true) != outcome)
		WhFuzzFail("a 1-byte varlena header changed the outcome of %zu bytes", size);
	return outcome;
}
