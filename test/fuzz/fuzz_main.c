/*
 * fuzz_main.c
 *	  The libFuzzer entry point: every input goes through WhFuzzOne of the
 *	  linked target, which aborts (a crash to libFuzzer) on any broken
 *	  property.
 */
#include "postgres.h"

#include "fuzz_common.h"

extern int	LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

/* LLVMFuzzerTestOneInput checks one input from libFuzzer. */
int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	WhFuzzOne(data, size);
	return 0;
}
