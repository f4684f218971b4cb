/*
 * backend_shim.c
 *	  Just enough of the PostgreSQL backend to run src/latency_state.c,
 *	  src/summary_format.c and src/analytics_state.c (with wire.c,
 *	  key_counter.c, latency_hist.c, delivery.c, webhook_totals.c and
 *	  columns.c) outside a server: memory contexts that track every chunk,
 *	  so deleting a context frees all it holds; ereport and elog, where an
 *	  ERROR longjmps to the innermost PG_TRY (and aborts when there is
 *	  none); StringInfo and the pqformat routines with the server's bounds
 *	  checks and errors; a UTF8 database with the C collation. hash_bytes,
 *	  pg_qsort, pg_encoding_verifymbstr and the JSON parser (jsonapi's
 *	  frontend build, which has no check_stack_depth) come from
 *	  PostgreSQL's own static libraries (libpgcommon_shlib, libpgport_shlib).
 *	  Every StringInfo routine any linked object calls is here, so the
 *	  linker never pulls libpgcommon's own stringinfo.o in beside them.
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/memnodes.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "backend_shim.h"

/* A chunk's header, just before its bytes, ending with its context as GetMemoryChunkContext expects. */
typedef struct ShimChunk
{
	struct ShimChunk *prev;
	struct ShimChunk *next;
	Size		size;
	MemoryContext context;
} ShimChunk;

/* A memory context: the standard header and its live chunks. */
typedef struct ShimContext
{
	MemoryContextData header;
	ShimChunk  *chunks;
} ShimContext;

StaticAssertDecl(sizeof(ShimChunk) % MAXIMUM_ALIGNOF == 0,
				 "chunk headers keep the bytes after them aligned");

#define ChunkOf(pointer) ((ShimChunk *) ((char *) (pointer) - sizeof(ShimChunk)))
#define BytesOf(chunk) ((void *) ((char *) (chunk) + sizeof(ShimChunk)))

MemoryContext CurrentMemoryContext = NULL;
MemoryContext TopMemoryContext = NULL;
MemoryContext ErrorContext = NULL;
volatile sig_atomic_t InterruptPending = false;
sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

/* Live chunks and contexts, so a harness can tell that an input freed all it made. */
static int64 live_objects = 0;

/* The error being raised or handled: one at a time, as the harnesses need. */
static struct
{
	bool		active;
	int			elevel;
	int			sqlerrcode;
	const char *filename;
	int			lineno;
	const char *funcname;
	char		message[1024];
	char		detail[1024];
	char		hint[1024];
} shim_error;

static void ShimAbort(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/* ShimAbort reports a broken assumption of the shim or the harness, and aborts. */
static void
ShimAbort(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "backend shim: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

/* WhShimLiveChunks is the number of chunks and contexts not yet freed. */
int64
WhShimLiveChunks(void)
{
	return live_objects;
}

/* ShimContextCreate makes an empty context under parent (NULL for the top). */
static MemoryContext
ShimContextCreate(MemoryContext parent, const char *name)
{
	ShimContext *context = calloc(1, sizeof(ShimContext));

	if (context == NULL)
		ShimAbort("out of memory creating context \"%s\"", name);
	context->header.type = T_AllocSetContext;
	context->header.isReset = true;
	context->header.parent = parent;
	context->header.name = name;
	if (parent != NULL)
	{
		context->header.nextchild = parent->firstchild;
		if (parent->firstchild != NULL)
			parent->firstchild->prevchild = &context->header;
		parent->firstchild = &context->header;
	}
	live_objects++;
	return &context->header;
}

/* MemoryContextInit makes TopMemoryContext and ErrorContext and selects the top. */
void
MemoryContextInit(void)
{
	if (TopMemoryContext != NULL)
		return;
	TopMemoryContext = ShimContextCreate(NULL, "TopMemoryContext");
	ErrorContext = ShimContextCreate(TopMemoryContext, "ErrorContext");
	CurrentMemoryContext = TopMemoryContext;
}

/* AllocSetContextCreateInternal makes a context; the sizes only tune the real allocator. */
MemoryContext
AllocSetContextCreateInternal(MemoryContext parent, const char *name, Size minContextSize,
							  Size initBlockSize, Size maxBlockSize)
{
	return ShimContextCreate(parent, name);
}

/* ShimAlloc allocates size bytes in context, with the checks and errors of mcxt.c. */
static void *
ShimAlloc(MemoryContext context, Size size, int flags)
{
	ShimContext *owner = (ShimContext *) context;
	ShimChunk  *chunk;

	if ((flags & MCXT_ALLOC_HUGE) ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	chunk = malloc(sizeof(ShimChunk) + size);
	if (chunk == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu in memory context \"%s\".",
						   size, context->name)));
	}
	chunk->size = size;
	chunk->context = context;
	chunk->prev = NULL;
	chunk->next = owner->chunks;
	if (owner->chunks != NULL)
		owner->chunks->prev = chunk;
	owner->chunks = chunk;
	context->mem_allocated += size;
	context->isReset = false;
	live_objects++;
	if (flags & MCXT_ALLOC_ZERO)
		memset(BytesOf(chunk), 0, size);
	return BytesOf(chunk);
}

/* ShimFree unlinks a chunk from its context and frees it. */
static void
ShimFree(ShimChunk *chunk)
{
	ShimContext *owner = (ShimContext *) chunk->context;

	if (chunk->prev != NULL)
		chunk->prev->next = chunk->next;
	else
		owner->chunks = chunk->next;
	if (chunk->next != NULL)
		chunk->next->prev = chunk->prev;
	owner->header.mem_allocated -= chunk->size;
	live_objects--;
	free(chunk);
}

/* ShimRealloc moves a chunk's bytes into a new chunk of size bytes in the same context. */
static void *
ShimRealloc(void *pointer, Size size, int flags)
{
	ShimChunk  *old = ChunkOf(pointer);
	void	   *copy = ShimAlloc(old->context, size, flags);

	memcpy(copy, pointer, Min(size, old->size));
	ShimFree(old);
	return copy;
}

/* MemoryContextReset frees every chunk of a context and deletes its children. */
void
MemoryContextReset(MemoryContext context)
{
	ShimContext *owner = (ShimContext *) context;

	while (context->firstchild != NULL)
		MemoryContextDelete(context->firstchild);
	while (owner->chunks != NULL)
		ShimFree(owner->chunks);
	context->isReset = true;
}

/* MemoryContextDelete frees a context with everything in it and below it. */
void
MemoryContextDelete(MemoryContext context)
{
	if (context == CurrentMemoryContext)
		ShimAbort("deleting the current memory context \"%s\"", context->name);
	MemoryContextReset(context);
	if (context->prevchild != NULL)
		context->prevchild->nextchild = context->nextchild;
	else if (context->parent != NULL)
		context->parent->firstchild = context->nextchild;
	if (context->nextchild != NULL)
		context->nextchild->prevchild = context->prevchild;
	live_objects--;
	free(context);
}

/* MemoryContextAlloc allocates in context. */
void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, 0);
}

/* MemoryContextAllocZero allocates zeroed bytes in context. */
void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, MCXT_ALLOC_ZERO);
}

/* MemoryContextAllocExtended allocates in context with MCXT_ALLOC_* flags. */
void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return ShimAlloc(context, size, flags);
}

/* MemoryContextAllocHuge allocates in context, allowing more than 1 GB. */
void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return ShimAlloc(context, size, MCXT_ALLOC_HUGE);
}

/* palloc allocates in the current context. */
void *
palloc(Size size)
{
	return ShimAlloc(CurrentMemoryContext, size, 0);
}

/* palloc0 allocates zeroed bytes in the current context. */
void *
palloc0(Size size)
{
	return ShimAlloc(CurrentMemoryContext, size, MCXT_ALLOC_ZERO);
}

/* palloc_extended allocates in the current context with MCXT_ALLOC_* flags. */
void *
palloc_extended(Size size, int flags)
{
	return ShimAlloc(CurrentMemoryContext, size, flags);
}

/* repalloc resizes a chunk, up to 1 GB. */
void *
repalloc(void *pointer, Size size)
{
	return ShimRealloc(pointer, size, 0);
}

/* repalloc_huge resizes a chunk, allowing more than 1 GB. */
void *
repalloc_huge(void *pointer, Size size)
{
	return ShimRealloc(pointer, size, MCXT_ALLOC_HUGE);
}

/* pfree frees a chunk. */
void
pfree(void *pointer)
{
	ShimFree(ChunkOf(pointer));
}

/* pstrdup copies a string into the current context. */
char *
pstrdup(const char *in)
{
	Size		len = strlen(in) + 1;

	return memcpy(palloc(len), in, len);
}

/* initStringInfo makes an empty buffer in the current context. */
void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	resetStringInfo(str);
}

/* makeStringInfo makes an empty buffer in the current context (jsonapi's lexer makes one). */
StringInfo
makeStringInfo(void)
{
	StringInfo	str = palloc(sizeof(StringInfoData));

	initStringInfo(str);
	return str;
}

/* resetStringInfo empties a buffer. */
void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

/* enlargeStringInfo makes room for needed more bytes, as stringinfo.c does. */
void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0)
		elog(ERROR, "invalid string enlargement request size: %d", needed);
	if (((Size) needed) >= (MaxAllocSize - (Size) str->len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory"),
				 errdetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.",
						   str->len, needed)));
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	if (newlen > (int) MaxAllocSize)
		newlen = (int) MaxAllocSize;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

/* appendBinaryStringInfo appends datalen bytes, keeping a trailing NUL. */
void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

/* appendStringInfoChar appends one byte. */
void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len] = ch;
	str->len++;
	str->data[str->len] = '\0';
}

/* appendStringInfoSpaces appends count spaces. */
void
appendStringInfoSpaces(StringInfo str, int count)
{
	if (count <= 0)
		return;
	enlargeStringInfo(str, count);
	memset(str->data + str->len, ' ', count);
	str->len += count;
	str->data[str->len] = '\0';
}

/* pq_begintypsend starts a bytea in buf, room left for its header. */
void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	appendStringInfoSpaces(buf, VARHDRSZ);
}

/* pq_endtypsend sets the header of the bytea started by pq_begintypsend and returns it. */
bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

/* pq_sendfloat8 appends a float8 in network byte order. */
void
pq_sendfloat8(StringInfo buf, float8 f)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.f = f;
	pq_sendint64(buf, swap.i);
}

/* pq_copymsgbytes copies the next datalen bytes of a message, or raises ERROR. */
void
pq_copymsgbytes(StringInfo msg, char *buf, int datalen)
{
	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(buf, &msg->data[msg->cursor], datalen);
	msg->cursor += datalen;
}

/* pq_getmsgbyte reads one byte of a message. */
int
pq_getmsgbyte(StringInfo msg)
{
	if (msg->cursor >= msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("no data left in message")));
	return (unsigned char) msg->data[msg->cursor++];
}

/* pq_getmsgint reads a 1, 2 or 4 byte integer in network byte order. */
unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	uint8		n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			pq_copymsgbytes(msg, (char *) &n8, 1);
			return n8;
		case 2:
			pq_copymsgbytes(msg, (char *) &n16, 2);
			return pg_ntoh16(n16);
		case 4:
			pq_copymsgbytes(msg, (char *) &n32, 4);
			return pg_ntoh32(n32);
	}
	elog(ERROR, "unsupported integer size %d", b);
	return 0;
}

/* pq_getmsgint64 reads an int64 in network byte order. */
int64
pq_getmsgint64(StringInfo msg)
{
	uint64		n64;

	pq_copymsgbytes(msg, (char *) &n64, sizeof(n64));
	return pg_ntoh64(n64);
}

/* pq_getmsgfloat8 reads a float8 in network byte order. */
float8
pq_getmsgfloat8(StringInfo msg)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.i = pq_getmsgint64(msg);
	return swap.f;
}

/* pg_detoast_datum gives a 4-byte-header copy of a short value; it cannot fetch or decompress. */
struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	struct varlena *copy;
	Size		len;

	if (!VARATT_IS_EXTENDED(datum))
		return datum;
	if (VARATT_IS_EXTERNAL(datum) || VARATT_IS_COMPRESSED(datum))
		elog(ERROR, "the fuzz shim cannot detoast external or compressed values");
	len = VARSIZE_SHORT(datum) - VARHDRSZ_SHORT;
	copy = palloc(len + VARHDRSZ);
	SET_VARSIZE(copy, len + VARHDRSZ);
	memcpy(VARDATA(copy), VARDATA_SHORT(datum), len);
	return copy;
}

/* pg_detoast_datum_packed returns an in-line value as it is; it cannot fetch or decompress. */
struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	if (VARATT_IS_EXTERNAL(datum) || VARATT_IS_COMPRESSED(datum))
		elog(ERROR, "the fuzz shim cannot detoast external or compressed values");
	return datum;
}

/* JsonbExtractScalar is linked in by delivery.c but never called by the harnesses. */
bool
JsonbExtractScalar(JsonbContainer *jbc, JsonbValue *res)
{
	elog(ERROR, "JsonbExtractScalar is not part of the fuzz shim");
	return false;
}

/* appendStringInfo is linked in by columns.c (its SELECT lists) but never called by the harnesses. */
void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	elog(ERROR, "appendStringInfo is not part of the fuzz shim");
}

/* OidOutputFunctionCall is linked in by columns.c (rows read without a query) but never called by the harnesses. */
char *
OidOutputFunctionCall(Oid functionId, Datum val)
{
	elog(ERROR, "OidOutputFunctionCall is not part of the fuzz shim");
	return NULL;
}

/* cstring_to_text is linked in by columns.c (rows read without a query) but never called by the harnesses. */
text *
cstring_to_text(const char *s)
{
	elog(ERROR, "cstring_to_text is not part of the fuzz shim");
	return NULL;
}

/* format_type_be is linked in by columns.c (its column checks) but never called by the harnesses. */
char *
format_type_be(Oid type_oid)
{
	elog(ERROR, "format_type_be is not part of the fuzz shim");
	return NULL;
}

/* getBaseType is linked in by columns.c (its column checks) but never called by the harnesses. */
Oid
getBaseType(Oid typid)
{
	elog(ERROR, "getBaseType is not part of the fuzz shim");
	return InvalidOid;
}

/* getTypeOutputInfo is linked in by columns.c (rows read without a query) but never called by the harnesses. */
void
getTypeOutputInfo(Oid type, Oid *typOutput, bool *typIsVarlena)
{
	elog(ERROR, "getTypeOutputInfo is not part of the fuzz shim");
}

/* quote_identifier is linked in by columns.c (its SELECT lists) but never called by the harnesses. */
const char *
quote_identifier(const char *ident)
{
	elog(ERROR, "quote_identifier is not part of the fuzz shim");
	return NULL;
}

/* slot_getsomeattrs_int is linked in by columns.c (rows read without a query) but never called by the harnesses. */
void
slot_getsomeattrs_int(TupleTableSlot *slot, int attnum)
{
	elog(ERROR, "slot_getsomeattrs_int is not part of the fuzz shim");
}

/* GetDatabaseEncoding is UTF8, the encoding of the servers the states come from. */
int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

/*
 * varstr_cmp compares as the C collation does (bytes, then length): the
 * shim has no locales, so WH_ID_COLLATED ids order here as WH_ID_BYTES do.
 */
int
varstr_cmp(const char *arg1, int len1, const char *arg2, int len2, Oid collid)
{
	int			cmp = memcmp(arg1, arg2, Min(len1, len2));

	if (cmp != 0)
		return cmp;
	return (len1 > len2) - (len1 < len2);
}

/* ProcessInterrupts has nothing to do: no signal sets InterruptPending here. */
void
ProcessInterrupts(void)
{
	InterruptPending = false;
}

/* errstart begins an ERROR or worse; lower levels are dropped (nothing logs here). */
bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;
	if (shim_error.active)
		ShimAbort("an error was raised while handling another: %s", shim_error.message);
	memset(&shim_error, 0, sizeof(shim_error));
	shim_error.active = true;
	shim_error.elevel = elevel;
	shim_error.sqlerrcode = ERRCODE_INTERNAL_ERROR;
	return true;
}

/* errstart_cold is errstart for the paths the compiler knows to be unlikely. */
bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

/* errcode sets the SQLSTATE of the error being raised. */
int
errcode(int sqlerrcode)
{
	shim_error.sqlerrcode = sqlerrcode;
	return 0;
}

/*
 * SHIM_FORMATTER defines an elog.h formatter that prints its arguments into
 * one field of the error being raised.
 */
#define SHIM_FORMATTER(name, field) \
int \
name(const char *fmt,...) \
{ \
	va_list		args; \
 \
	va_start(args, fmt); \
	vsnprintf(shim_error.field, sizeof(shim_error.field), fmt, args); \
	va_end(args); \
	return 0; \
}

/* errmsg formats the primary message. */
SHIM_FORMATTER(errmsg, message)
/* errmsg_internal formats the primary message of elog. */
SHIM_FORMATTER(errmsg_internal, message)
/* errdetail formats the detail message. */
SHIM_FORMATTER(errdetail, detail)
/* errhint formats the hint. */
SHIM_FORMATTER(errhint, hint)

/* errfinish raises the error: longjmp to the innermost PG_TRY, or abort when there is none. */
void
errfinish(const char *filename, int lineno, const char *funcname)
{
	shim_error.filename = filename;
	shim_error.lineno = lineno;
	shim_error.funcname = funcname;
	if (shim_error.elevel >= FATAL || PG_exception_stack == NULL)
		ShimAbort("%s outside PG_TRY: %s (SQLSTATE %s) at %s:%d",
				  shim_error.elevel >= FATAL ? "FATAL" : "ERROR", shim_error.message,
				  unpack_sql_state(shim_error.sqlerrcode), filename, lineno);
	siglongjmp(*PG_exception_stack, 1);
}

/* pg_re_throw passes a caught error on to the next PG_TRY out. */
void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		ShimAbort("ERROR rethrown outside PG_TRY: %s", shim_error.message);
	siglongjmp(*PG_exception_stack, 1);
}

/* geterrcode is the SQLSTATE of the error being handled. */
int
geterrcode(void)
{
	return shim_error.sqlerrcode;
}

/* CopyErrorData copies the error being handled into the current context. */
ErrorData *
CopyErrorData(void)
{
	ErrorData  *edata = palloc0(sizeof(ErrorData));

	if (!shim_error.active)
		ShimAbort("CopyErrorData with no error");
	edata->elevel = shim_error.elevel;
	edata->sqlerrcode = shim_error.sqlerrcode;
	edata->filename = shim_error.filename;
	edata->lineno = shim_error.lineno;
	edata->funcname = shim_error.funcname;
	edata->message = pstrdup(shim_error.message);
	edata->detail = pstrdup(shim_error.detail);
	edata->hint = pstrdup(shim_error.hint);
	edata->assoc_context = CurrentMemoryContext;
	return edata;
}

/* FreeErrorData frees a copy made by CopyErrorData. */
void
FreeErrorData(ErrorData *edata)
{
	pfree(edata->message);
	pfree(edata->detail);
	pfree(edata->hint);
	pfree(edata);
}

/* FlushErrorState forgets the error being handled. */
void
FlushErrorState(void)
{
	shim_error.active = false;
}

/* unpack_sql_state spells a SQLSTATE code as its five characters. */
char *
unpack_sql_state(int sql_state)
{
	static char buf[12];

	for (int i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(sql_state);
		sql_state >>= 6;
	}
	buf[5] = '\0';
	return buf;
}
