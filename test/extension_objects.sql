-- extension_objects.sql: one line per object of the whanalytics extension,
-- with everything that defines it (definition, columns, options, indexes,
-- triggers, privileges, comments, dump marking), sorted; two databases whose
-- output is equal have the same extension objects. Used by test/t/002_update_chain.pl.
WITH members AS (
    SELECT d.classid, d.objid
    FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND x.extname = 'whanalytics' AND d.deptype = 'e'
)
SELECT line FROM (
    -- functions and the aggregate
    SELECT format('%s | %s | acl %s | comment %s', pg_describe_object(m.classid, m.objid, 0),
                  CASE WHEN p.prokind = 'a'
                       THEN (SELECT format('agg %s %s %s %s %s %s %s', a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
                                           a.aggserialfn, a.aggdeserialfn, a.aggtranstype::regtype, p.proparallel)
                             FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                       ELSE pg_get_functiondef(p.oid) END,
                  p.proacl, obj_description(p.oid, 'pg_proc')) AS line
    FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION ALL
    -- tables and sequences: columns, options, privileges, comments
    SELECT format('%s | %s | options %s | acl %s | comment %s | columns %s', pg_describe_object(m.classid, m.objid, 0),
                  c.relkind, c.reloptions, c.relacl, obj_description(c.oid, 'pg_class'),
                  (SELECT string_agg(format('%s %s%s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                                            CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                                            ' default ' || pg_get_expr(ad.adbin, ad.adrelid),
                                            ' identity ' || nullif(a.attidentity::text, ''),
                                            ' comment ' || col_description(c.oid, a.attnum)), ', ' ORDER BY a.attnum)
                   FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
    FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    UNION ALL
    -- indexes, constraints and triggers of those tables
    SELECT format('index on %s: %s', i.indrelid::regclass, pg_get_indexdef(i.indexrelid))
    FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
    UNION ALL
    SELECT format('constraint on %s: %s %s', co.conrelid::regclass, co.conname, pg_get_constraintdef(co.oid))
    FROM members m JOIN pg_constraint co ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid
    UNION ALL
    SELECT format('trigger on %s: %s enabled %s', t.tgrelid::regclass, pg_get_triggerdef(t.oid), t.tgenabled)
    FROM members m JOIN pg_trigger t ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid
    WHERE NOT t.tgisinternal
    UNION ALL
    -- types (the composite result type; a table's row type is covered by the table)
    SELECT format('%s | %s | comment %s | columns %s', pg_describe_object(m.classid, m.objid, 0), t.typtype,
                  obj_description(t.oid, 'pg_type'),
                  (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0))
    FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    -- any other kind of member, by name only
    SELECT pg_describe_object(m.classid, m.objid, 0)
    FROM members m
    WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass)
    UNION ALL
    -- what pg_dump dumps of the extension's tables
    SELECT format('dumped: %s where %s', cfg::regclass, cond)
    FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS u(cfg, cond)
    WHERE x.extname = 'whanalytics'
) objects
ORDER BY line;
