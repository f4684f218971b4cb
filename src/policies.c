/*
 * policies.c
 *	  What the caller's row-level security policies let it see of one
 *	  organization. When every policy that applies to the caller for SELECT
 *	  depends on the row only through organization_id (session settings,
 *	  stable functions and subqueries over other tables are fine; volatile
 *	  functions are not), each row of the organization is visible exactly
 *	  when the policies hold for that organization, so evaluating them once
 *	  for it (as the caller, in the call's snapshot) says whether the caller
 *	  sees all of its rows or none. Any other policy shape, or a policy
 *	  hook, means rows must be read.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rowsecurity.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "policies.h"
#include "queries.h"

/* Walks a policy qual: does it read the policy's table only through one column? */
typedef struct OnlyColumnContext
{
	AttrNumber	column;
	int			sublevels_up;	/* how deep in sublinks the walk is */
} OnlyColumnContext;

/* OnlyColumnWalker is true when a Var of the table (at the walk's depth) is another column. */
static bool
OnlyColumnWalker(Node *node, OnlyColumnContext *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		return var->varno == 1 && (int) var->varlevelsup == context->sublevels_up &&
			var->varattno != context->column;
	}
	if (IsA(node, Query))
	{
		bool		result;

		context->sublevels_up++;
		result = query_tree_walker((Query *) node, OnlyColumnWalker, context, 0);
		context->sublevels_up--;
		return result;
	}
	return expression_tree_walker(node, OnlyColumnWalker, context);
}

/* AppliesToCaller is true for a policy of SELECT (or ALL) whose roles include the current user. */
static bool
AppliesToCaller(const RowSecurityPolicy *policy)
{
	/* a policy's role array has no NULLs (ARR_DATA_PTR trips -Wsign-compare) */
	Oid		   *roles = (Oid *) ((char *) policy->roles +
								 ARR_OVERHEAD_NONULLS(ARR_NDIM(policy->roles)));
	int			nroles = ARR_DIMS(policy->roles)[0];

	if (policy->polcmd != '*' && policy->polcmd != ACL_SELECT_CHR)
		return false;
	for (int i = 0; i < nroles; i++)
		if (roles[i] == ACL_ID_PUBLIC || has_privs_of_role(GetUserId(), roles[i]))
			return true;
	return false;
}

/*
 * VisibilityQuery writes the query that evaluates the caller's policies for
 * the organization $1, or returns NULL when a policy depends on more of the
 * row than organization_id.
 */
static char *
VisibilityQuery(Relation events)
{
	AttrNumber	org = get_attnum(RelationGetRelid(events), "organization_id");
	List	   *context = deparse_context_for(RelationGetRelationName(events),
											  RelationGetRelid(events));
	StringInfoData permissive;
	StringInfoData restrictive;
	ListCell   *lc;

	if (events->rd_rsdesc == NULL || row_security_policy_hook_permissive != NULL ||
		row_security_policy_hook_restrictive != NULL)
		return NULL;
	initStringInfo(&permissive);
	initStringInfo(&restrictive);
	foreach(lc, events->rd_rsdesc->policies)
	{
		RowSecurityPolicy *policy = lfirst(lc);
		OnlyColumnContext walk = {org, 0};
		Node	   *qual = (Node *) policy->qual;

		if (!AppliesToCaller(policy))
			continue;
		if (qual == NULL || OnlyColumnWalker(qual, &walk) || contain_volatile_functions(qual))
			return NULL;
		appendStringInfo(policy->permissive ? &permissive : &restrictive, " %s COALESCE((%s), false)",
						 policy->permissive ? (permissive.len > 0 ? "OR" : "") : "AND",
						 deparse_expression(qual, context, false, false));
	}
	/* no permissive policy: nothing is visible (the default deny) */
	return psprintf("SELECT (false%s%s)%s FROM (SELECT $1::pg_catalog.text AS organization_id) AS %s",
					permissive.len > 0 ? " OR " : "", permissive.data, restrictive.data,
					quote_identifier(RelationGetRelationName(events)));
}

/*
 * WhPoliciesShape says whether the caller's policies on the table (which
 * row-level security applies to) depend on a row only through
 * organization_id.
 */
bool
WhPoliciesOrganizationOnly(Oid events_relid)
{
	Relation	events = table_open(events_relid, AccessShareLock);
	bool		result = VisibilityQuery(events) != NULL;

	table_close(events, AccessShareLock);
	return result;
}

/*
 * WhPoliciesVisibility evaluates the caller's policies for one organization:
 * all of its rows visible, none, or (policy shape) unknown without reading
 * them. Call inside SPI.
 */
WhVisibility
WhPoliciesVisibility(Oid events_relid, text *organization_id)
{
	Relation	events = table_open(events_relid, AccessShareLock);
	char	   *sql = VisibilityQuery(events);
	Oid			types[1] = {TEXTOID};
	ParamListInfo params = makeParamList(1);
	bool		isnull;
	bool		visible;

	table_close(events, AccessShareLock);
	if (sql == NULL)
		return WH_VISIBLE_PER_ROW;
	params->params[0].value = PointerGetDatum(organization_id);
	params->params[0].isnull = false;
	params->params[0].pflags = PARAM_FLAG_CONST;
	params->params[0].ptype = TEXTOID;
	WhExecuteKept(WhKeptPlan(sql, 1, types, false), params, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "evaluating the row-level security policies failed");
	visible = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return !isnull && visible ? WH_VISIBLE_ALL : WH_VISIBLE_NONE;
}
