/*
 * deterministic.c
 *	  The deterministic checks of a fuzz target, run before fuzzing: the
 *	  valid encodings made by the real encoders (written out as libFuzzer's
 *	  seed corpus) must decode; every truncation of them and them with bytes
 *	  appended must be rejected; every single-bit and whole-byte flip and
 *	  seeded random byte strings must decode or be rejected with the
 *	  target's SQLSTATE. Prints the count of each outcome.
 *
 *	  Usage: check_TARGET [--corpus DIR] [--random N] [--seed S]
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "utils/memutils.h"

#include "fuzz_common.h"

#define MAX_SEEDS 16

/* How many inputs of one kind decoded and how many were rejected. */
typedef struct Tally
{
	int64		outcomes[2];	/* by WhOutcome */
} Tally;

static uint64 rng_state;

/* NextRandom is splitmix64: small, seeded, the same on every machine. */
static uint64
NextRandom(void)
{
	uint64		z = (rng_state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Check runs one input, counts its outcome and, when must is set, requires that outcome. */
static void
Check(Tally *tally, const uint8 *data, size_t size, const WhOutcome *must)
{
	WhOutcome	outcome = WhFuzzOne(data, size);

	if (must != NULL && outcome != *must)
		WhFuzzFail("%s when it must be %s", outcome == WH_DECODED ? "decoded" : "rejected",
				   *must == WH_DECODED ? "decoded" : "rejected");
	tally->outcomes[outcome]++;
}

/* Report prints one line of counts and returns how many inputs it covers. */
static int64
Report(const char *kind, const Tally *tally)
{
	int64		total = tally->outcomes[WH_DECODED] + tally->outcomes[WH_REJECTED];

	printf("%s: %-12s %8lld inputs: %8lld decoded, %8lld rejected\n", wh_fuzz_target.name,
		   kind, (long long) total, (long long) tally->outcomes[WH_DECODED],
		   (long long) tally->outcomes[WH_REJECTED]);
	return total;
}

/* WriteSeed writes a seed's bytes (without the varlena header) into the corpus directory. */
static void
WriteSeed(const char *corpus, int i, const uint8 *data, size_t size)
{
	char		path[1024];
	FILE	   *file;

	snprintf(path, sizeof(path), "%s/seed-%s-%d", corpus, wh_fuzz_target.name, i);
	file = fopen(path, "wb");
	if (file == NULL || fwrite(data, 1, size, file) != size || fclose(file) != 0)
		WhFuzzFail("cannot write %s", path);
}

/* CheckTruncations feeds every proper prefix of a valid encoding: each must be rejected. */
static void
CheckTruncations(Tally *tally, int seed, const uint8 *data, size_t size)
{
	const WhOutcome must = WH_REJECTED;

	for (size_t cut = 0; cut < size; cut++)
	{
		WhFuzzDescribe("seed %d cut to %zu of %zu bytes", seed, cut, size);
		Check(tally, data, cut, &must);
	}
}

/* CheckOversized appends 1, 7, 16 and 4096 bytes of zeros, ones or noise: each must be rejected. */
static void
CheckOversized(Tally *tally, int seed, const uint8 *data, size_t size)
{
	static const size_t extras[] = {1, 7, 16, 4096};
	const WhOutcome must = WH_REJECTED;
	uint8	   *buffer = palloc(size + 4096);

	memcpy(buffer, data, size);
	for (size_t e = 0; e < lengthof(extras); e++)
		for (int fill = 0; fill < 3; fill++)
		{
			for (size_t i = size; i < size + extras[e]; i++)
				buffer[i] = fill == 0 ? 0 : fill == 1 ? 0xFF : (uint8) NextRandom();
			WhFuzzDescribe("seed %d with %zu bytes appended (fill %d)", seed, extras[e], fill);
			Check(tally, buffer, size + extras[e], &must);
		}
	pfree(buffer);
}

/* CheckFlips flips each single bit, then each whole byte, at every position. */
static void
CheckFlips(Tally *tally, int seed, const uint8 *data, size_t size)
{
	uint8	   *buffer = palloc(Max(size, 1));

	memcpy(buffer, data, size);
	for (size_t i = 0; i < size; i++)
		for (int bit = 0; bit <= 8; bit++)
		{
			uint8		mask = bit == 8 ? 0xFF : (uint8) (1 << bit);

			buffer[i] ^= mask;
			WhFuzzDescribe("seed %d with byte %zu xor 0x%02x", seed, i, mask);
			Check(tally, buffer, size, NULL);
			buffer[i] ^= mask;
		}
	pfree(buffer);
}

/* CheckRandom feeds n random strings: half pure noise, half a seed's prefix then noise. */
static void
CheckRandom(Tally *tally, int64 n, bytea **seeds, int nseeds)
{
	uint8	   *buffer = palloc(1024);

	for (int64 k = 0; k < n; k++)
	{
		size_t		size = 0;

		if (k % 2 == 1)
		{
			const bytea *seed = seeds[NextRandom() % nseeds];

			size = NextRandom() % (Min(VARSIZE_ANY_EXHDR(seed), 512) + 1);
			memcpy(buffer, VARDATA_ANY(seed), size);
		}
		for (size_t end = size + NextRandom() % 300; size < end; size++)
			buffer[size] = (uint8) NextRandom();
		WhFuzzDescribe("random string %lld", (long long) k);
		Check(tally, buffer, size, NULL);
	}
	pfree(buffer);
}

/* main runs every deterministic check of the linked target. */
int
main(int argc, char **argv)
{
	const char *corpus = NULL;
	int64		nrandom = 4000;
	bytea	   *seeds[MAX_SEEDS];
	int			nseeds;
	const WhOutcome must = WH_DECODED;
	Tally		valid = {{0}};
	Tally		truncated = {{0}};
	Tally		oversized = {{0}};
	Tally		flipped = {{0}};
	Tally		random = {{0}};
	int64		total = 0;
	MemoryContext context;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* each line out at once, even if a check hangs */
	rng_state = 20241127;
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			corpus = argv[++i];
		else if (strcmp(argv[i], "--random") == 0 && i + 1 < argc)
			nrandom = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng_state = strtoull(argv[++i], NULL, 10);
		else
		{
			fprintf(stderr, "usage: %s [--corpus DIR] [--random N] [--seed S]\n", argv[0]);
			return 2;
		}
	}

	WhFuzzInit();
	context = AllocSetContextCreate(TopMemoryContext, "seeds", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(context);
	nseeds = wh_fuzz_target.make_seeds(seeds, MAX_SEEDS);
	for (int s = 0; s < nseeds; s++)
	{
		const uint8 *data = (const uint8 *) VARDATA_ANY(seeds[s]);
		size_t		size = VARSIZE_ANY_EXHDR(seeds[s]);

		if (corpus != NULL)
			WriteSeed(corpus, s, data, size);
		WhFuzzDescribe("seed %d (%zu bytes)", s, size);
		Check(&valid, data, size, &must);
		CheckTruncations(&truncated, s, data, size);
		CheckOversized(&oversized, s, data, size);
		CheckFlips(&flipped, s, data, size);
	}
	CheckRandom(&random, nrandom, seeds, nseeds);

	total += Report("valid seeds", &valid);
	total += Report("truncations", &truncated);
	total += Report("oversized", &oversized);
	total += Report("byte flips", &flipped);
	total += Report("random", &random);
	WhFuzzDescribe("the large encoding");
	total += wh_fuzz_target.check_large();
	printf("%s: deterministic checks OK: %lld inputs%s%s\n", wh_fuzz_target.name,
		   (long long) total, corpus != NULL ? ", seeds written to " : "",
		   corpus != NULL ? corpus : "");

	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextDelete(context);
	return 0;
}
