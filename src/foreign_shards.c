/*
 * foreign_shards.c
 *	  A coordinator over postgres_fdw shards. When the deliveries relation is
 *	  a postgres_fdw foreign table, or a table partitioned into such foreign
 *	  tables, a result is gathered from the shards' webhook_analytics_state
 *	  values (SPEC section 7) instead of their rows: each shard makes its
 *	  state from its own summaries, only its last_n newest rows travel, and
 *	  the states are merged here. The queries go over postgres_fdw's own
 *	  connections (its user mappings, inside the remote transactions its
 *	  scans use, so they see the same rows), to every shard at once; the
 *	  partitions an organization cannot be in (hash or list partitions by
 *	  organization_id) are left out, as the planner would. The webhook
 *	  totals come from the same shard when the webhooks relation is
 *	  partitioned alike, else from the webhooks relation here.
 *	  Anything else (a local partition, another wrapper, row-level security
 *	  on the coordinator's table, a shard without whanalytics 1.7) reads
 *	  rows, as before.
 */
#include "postgres.h"

#include "libpq-fe.h"

#include "access/table.h"
#include "catalog/partition.h"
#include "catalog/pg_type_d.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "columns.h"
#include "foreign_shards.h"
#include "relations.h"
#include "settings.h"
#include "state_result.h"
#include "state_text.h"

/* postgres_fdw's connection functions (connection.c), found in its library. */
typedef PGconn *(*WhGetConnection) (UserMapping *user, bool will_prep_stmt, void **state);
typedef void (*WhReleaseConnection) (PGconn *conn);
typedef PGresult *(*WhGetResult) (PGconn *conn, const char *query);
typedef void (*WhReportError) (int elevel, PGresult *res, PGconn *conn, bool clear, const char *sql);

static WhGetConnection wh_get_connection = NULL;
static WhReleaseConnection wh_release_connection = NULL;
static WhGetResult wh_get_result = NULL;
static WhReportError wh_report_error = NULL;

/* One shard: a postgres_fdw foreign table, and what its server holds. */
typedef struct WhShard
{
	Oid			relid;
	UserMapping *user;
	char	   *remote;			/* the remote table, quoted and qualified */
	char	   *schema;			/* the remote whanalytics' schema, quoted */
	PGconn	   *conn;			/* postgres_fdw's; several shards may share one */
	char	   *sql;			/* the state query */
	bool		sent;
} WhShard;

/* The remote whanalytics' schema of a server and user, as found once per backend. */
typedef struct WhRemoteExtension
{
	Oid			serverid;
	Oid			userid;
	char	   *schema;			/* quoted; NULL: no whanalytics 1.7 there */
} WhRemoteExtension;

static List *wh_remote_extensions = NIL;

/* LoadPostgresFdw finds postgres_fdw's connection functions (loading its library). */
static void
LoadPostgresFdw(void)
{
	if (wh_get_connection != NULL)
		return;
	wh_release_connection = (WhReleaseConnection)
		load_external_function("$libdir/postgres_fdw", "ReleaseConnection", true, NULL);
	wh_get_result = (WhGetResult)
		load_external_function("$libdir/postgres_fdw", "pgfdw_get_result", true, NULL);
	wh_report_error = (WhReportError)
		load_external_function("$libdir/postgres_fdw", "pgfdw_report_error", true, NULL);
	wh_get_connection = (WhGetConnection)
		load_external_function("$libdir/postgres_fdw", "GetConnection", true, NULL);
}

/* IsPostgresFdwTable is true for a foreign table of a postgres_fdw server. */
static bool
IsPostgresFdwTable(Oid relid)
{
	ForeignTable *table;
	ForeignServer *server;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	table = GetForeignTable(relid);
	server = GetForeignServer(table->serverid);
	return strcmp(GetForeignDataWrapper(server->fdwid)->fdwname, "postgres_fdw") == 0;
}

/*
 * PartitionFor is the index in desc of the partition of a table
 * partitioned by organization_id alone (hash or list, text) that holds the
 * organization, -1 when none does, or -2 when the table is partitioned
 * otherwise (every partition may then hold it).
 */
static int
PartitionFor(Relation rel, PartitionDesc desc, const text *organization_id)
{
	PartitionKey key = RelationGetPartitionKey(rel);
	Datum		value = PointerGetDatum(organization_id);
	bool		isnull = false;
	bool		equal = false;
	int			bound;

	if (key->partnatts != 1 || key->parttypid[0] != TEXTOID ||
		key->partattrs[0] != get_attnum(RelationGetRelid(rel),
										wh_event_columns[WH_COL_ORGANIZATION_ID].name) ||
		(key->strategy != PARTITION_STRATEGY_HASH && key->strategy != PARTITION_STRATEGY_LIST))
		return -2;
	if (desc->nparts == 0)
		return -1;
	if (key->strategy == PARTITION_STRATEGY_HASH)
		return desc->boundinfo->indexes[compute_partition_hash_value(1, key->partsupfunc,
																	 key->partcollation,
																	 &value, &isnull) %
										get_hash_partition_greatest_modulus(desc->boundinfo)];
	bound = partition_list_bsearch(key->partsupfunc, key->partcollation, desc->boundinfo,
								   value, &equal);
	if (bound >= 0 && equal && desc->boundinfo->indexes[bound] >= 0)
		return desc->boundinfo->indexes[bound];
	return desc->boundinfo->default_index;
}

/*
 * AddLeaves adds to *leaves the foreign tables relid's rows of the
 * organization may be in (the partition it belongs to, or every one);
 * false when one of them is not a postgres_fdw foreign table (a local
 * partition, another wrapper).
 */
static bool
AddLeaves(Oid relid, const text *organization_id, List **leaves)
{
	Relation	rel;
	PartitionDesc desc;
	int			holder;
	bool		usable = true;

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
	{
		if (!IsPostgresFdwTable(relid))
			return false;
		*leaves = lappend_oid(*leaves, relid);
		return true;
	}
	rel = table_open(relid, AccessShareLock);
	desc = RelationGetPartitionDesc(rel, true);
	holder = PartitionFor(rel, desc, organization_id);
	for (int i = 0; i < desc->nparts && usable; i++)
		if (holder == -2 || holder == i)
			usable = AddLeaves(desc->oids[i], organization_id, leaves);
	table_close(rel, NoLock);
	return usable;
}

/* RemoteName is a foreign table's remote table, quoted and schema-qualified (postgres_fdw's options). */
static char *
RemoteName(Oid relid)
{
	ForeignTable *table = GetForeignTable(relid);
	const char *schema = get_namespace_name(get_rel_namespace(relid));
	const char *name = get_rel_name(relid);
	ListCell   *lc;

	foreach(lc, table->options)
	{
		DefElem    *option = lfirst(lc);

		if (strcmp(option->defname, "schema_name") == 0)
			schema = defGetString(option);
		else if (strcmp(option->defname, "table_name") == 0)
			name = defGetString(option);
	}
	return quote_qualified_identifier(schema, name);
}

/* RemoteSchema is the quoted schema of whanalytics 1.7 or later on a shard's server, or NULL. */
static char *
RemoteSchema(WhShard *shard)
{
	const char *sql = "SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e"
		" JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
		" WHERE e.extname = 'whanalytics'"
		" AND pg_catalog.string_to_array(e.extversion, '.')::pg_catalog.int4[] >= '{1,7}'";
	WhRemoteExtension *found;
	PGresult   *res;
	ListCell   *lc;
	MemoryContext old;

	foreach(lc, wh_remote_extensions)
	{
		found = lfirst(lc);
		if (found->serverid == shard->user->serverid && found->userid == shard->user->userid)
			return found->schema;
	}
	if (!PQsendQuery(shard->conn, sql))
		wh_report_error(ERROR, NULL, shard->conn, false, sql);
	res = wh_get_result(shard->conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		wh_report_error(ERROR, res, shard->conn, true, sql);
	found = MemoryContextAlloc(TopMemoryContext, sizeof(WhRemoteExtension));
	found->serverid = shard->user->serverid;
	found->userid = shard->user->userid;
	found->schema = PQntuples(res) == 1 ? MemoryContextStrdup(TopMemoryContext, PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	old = MemoryContextSwitchTo(TopMemoryContext);
	wh_remote_extensions = lappend(wh_remote_extensions, found);
	MemoryContextSwitchTo(old);
	return found->schema;
}

/* UtcText writes a finite timestamp as ISO 8601 in UTC, as the remote session reads it. */
static char *
UtcText(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		buf[MAXDATELEN + 1];

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "timestamp out of range");
	EncodeDateTime(&tm, fsec, true, 0, NULL, USE_ISO_DATES, buf);
	return pstrdup(buf);
}

/* Shards lists the shards of filter's relation; false when its rows must be read instead. */
static bool
Shards(const WhFilter *filter, List **shards)
{
	List	   *leaves = NIL;
	ListCell   *lc;
	char		kind = get_rel_relkind(filter->events_relid);
	bool		usable = true;

	*shards = NIL;
	if (!wh_use_summaries || (kind != RELKIND_FOREIGN_TABLE && kind != RELKIND_PARTITIONED_TABLE) ||
		pg_class_aclcheck(filter->events_relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		check_enable_rls(filter->events_relid, InvalidOid, true) != RLS_NONE ||
		!AddLeaves(filter->events_relid, filter->organization_id, &leaves))
		return false;
	LoadPostgresFdw();
	foreach(lc, leaves)
	{
		WhShard    *shard = palloc0(sizeof(WhShard));

		shard->relid = lfirst_oid(lc);
		shard->user = GetUserMapping(GetUserId(), GetForeignTable(shard->relid)->serverid);
		shard->remote = RemoteName(shard->relid);
		shard->conn = wh_get_connection(shard->user, false, NULL);
		shard->schema = RemoteSchema(shard);
		*shards = lappend(*shards, shard);
		if (shard->schema == NULL)
		{
			usable = false;
			break;
		}
	}
	if (!usable)
	{
		foreach(lc, *shards)
			wh_release_connection(((WhShard *) lfirst(lc))->conn);
		*shards = NIL;
	}
	return usable;
}

/* ConnectionBusy is true when a shard before this one in the list has its connection. */
static bool
ConnectionBusy(List *shards, const WhShard *shard)
{
	ListCell   *lc;

	foreach(lc, shards)
	{
		WhShard    *other = lfirst(lc);

		if (other == shard)
			return false;
		if (other->conn == shard->conn)
			return true;
	}
	return false;
}

/*
 * RemoteWebhooks is the remote table of the webhooks the organization may
 * have, when they are all in one postgres_fdw foreign table on the server
 * of the one shard that holds its deliveries (both tables partitioned
 * alike): the shard's state then counts them, as the coordinator would.
 * NULL otherwise: the coordinator counts them itself.
 */
static char *
RemoteWebhooks(const WhFilter *filter, List *shards)
{
	Oid			relid;
	List	   *leaves = NIL;
	Oid			leaf;

	(void) WhWebhooksRelation(&relid);
	if (list_length(shards) != 1 ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		check_enable_rls(relid, InvalidOid, true) != RLS_NONE ||
		!AddLeaves(relid, filter->organization_id, &leaves) || list_length(leaves) != 1)
		return NULL;
	leaf = linitial_oid(leaves);
	if (GetForeignTable(leaf)->serverid != ((WhShard *) linitial(shards))->user->serverid)
		return NULL;
	return RemoteName(leaf);
}

/* Send sends a shard its state query: $6 its remote table, the other values the call's. */
static void
Send(WhShard *shard, const char **values)
{
	values[5] = shard->remote;
	if (!PQsendQueryParams(shard->conn, shard->sql, 8, NULL, values, NULL, NULL, 0))
		wh_report_error(ERROR, NULL, shard->conn, false, shard->sql);
	shard->sent = true;
}

/*
 * WhGatherFromShards fills result for filter from the states of its
 * relation's postgres_fdw shards, merged (every part, and the window before
 * when include asks); false when the relation's rows must be read instead.
 * Call inside SPI, after the window before was checked.
 */
bool
WhGatherFromShards(const WhFilter *filter, int last_n, int include, WhResult *result)
{
	List	   *shards;
	ListCell   *lc;
	const char *values[8];
	char	   *webhooks;
	char		last_n_text[16];
	WhAnalyticsState merged;
	bool		first = true;

	if (!Shards(filter, &shards))
		return false;
	webhooks = RemoteWebhooks(filter, shards);
	snprintf(last_n_text, sizeof(last_n_text), "%d", last_n);
	values[0] = text_to_cstring(filter->organization_id);
	values[1] = UtcText(filter->from);
	values[2] = UtcText(filter->to);
	values[3] = filter->webhook_id != NULL ? text_to_cstring(filter->webhook_id) : NULL;
	values[4] = last_n_text;
	values[6] = (include & WH_INCLUDE_PREVIOUS) != 0 ? "on" : "off";
	values[7] = webhooks != NULL ? webhooks : "";
	foreach(lc, shards)
	{
		WhShard    *shard = lfirst(lc);

		shard->sql = psprintf("SELECT %s.webhook_analytics_state($1, $2::pg_catalog.timestamptz,"
							  " $3::pg_catalog.timestamptz, $4, $5::pg_catalog.int4)::pg_catalog.text"
							  " FROM (SELECT pg_catalog.set_config('whanalytics.events_table', $6, true),"
							  " pg_catalog.set_config('whanalytics.state_with_previous', $7, true),"
							  " pg_catalog.set_config('whanalytics.webhooks_table', $8, true)"
							  " OFFSET 0) settings", shard->schema);
		if (!ConnectionBusy(shards, shard))
			Send(shard, values);
	}
	WhAnalyticsStateInit(&merged, CurrentMemoryContext);
	foreach(lc, shards)
	{
		WhShard    *shard = lfirst(lc);
		PGresult   *res;
		WhAnalyticsState state;

		if (!shard->sent)
			Send(shard, values);	/* its connection was another shard's; free now */
		res = wh_get_result(shard->conn, shard->sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
			wh_report_error(ERROR, res, shard->conn, true, shard->sql);
		WhAnalyticsStateDecode(WhStateFromHex(PQgetvalue(res, 0, 0), "webhook_analytics_state",
											  "a shard's webhook_analytics_state", NULL),
							   CurrentMemoryContext, &state);
		PQclear(res);
		wh_release_connection(shard->conn);
		if (first)
			merged = state;
		else
			WhAnalyticsStateMerge(&merged, &state, CurrentMemoryContext);
		first = false;
	}
	if (first)
	{
		/* no partition holds the organization: the state of no rows */
		merged.from = filter->from;
		merged.to = filter->to;
		merged.last_n = last_n;
		merged.has_previous = (include & WH_INCLUDE_PREVIOUS) != 0;
	}
	WhResultOfState(&merged, result);
	if (webhooks == NULL)
		WhQueryWebhookTotals(filter, &result->newest);	/* else the shard's state holds them */
	ereport(DEBUG1,
			(errmsg_internal("whanalytics: answered from the states of %d postgres_fdw shards",
							 list_length(shards))));
	return true;
}
