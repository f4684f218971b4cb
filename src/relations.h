/*
 * relations.h
 *	  Finds the relations the functions read, as set by
 *	  whanalytics.events_table and whanalytics.webhooks_table.
 */
#ifndef WH_RELATIONS_H
#define WH_RELATIONS_H

extern uint64 WhCatalogGeneration(void);
extern Oid	WhExtensionSchema(void);
extern Oid	WhOwnTable(const char *relname);
extern Oid	WhExtensionOwner(void);
extern Oid	WhRelationOwner(Oid relid);
extern char *WhQualifiedName(Oid relid);
extern char *WhEventsRelation(Oid *relid);
extern char *WhWebhooksRelation(Oid *relid);

#endif							/* WH_RELATIONS_H */
