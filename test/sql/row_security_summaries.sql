-- row_security_summaries: under row-level security the summaries answer a
-- tenant exactly when they show what its rows would: when every policy that
-- applies to it depends on a row only through organization_id (a session
-- setting, a membership subquery), evaluating the policies for the
-- organization says whether it sees all of that organization's rows or
-- none. A restrictive policy on another column reads rows. Every answer is
-- compared with plain SQL run as the same role, and webhook_summaries_status()
-- shows which path answered.
\i test/setup.sql
SET TimeZone = 'UTC';
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_rlss_a;
DROP ROLE IF EXISTS regress_rlss_b;
DROP ROLE IF EXISTS regress_rlss_member;
DROP ROLE IF EXISTS regress_rlss_owner;
RESET client_min_messages;
CREATE ROLE regress_rlss_a NOLOGIN;
CREATE ROLE regress_rlss_b NOLOGIN;
CREATE ROLE regress_rlss_member NOLOGIN;
GRANT SELECT ON webhook_events, webhooks TO regress_rlss_a, regress_rlss_b, regress_rlss_member;

-- Three organizations over four UTC days, rows on and beside the day edges.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_rlss_' || org || '_' || (i % 2), 'org_rlss_' || org, 'https://' || org || '.example/' || (i % 3),
       org || '.event_' || (i % 4), (ARRAY[200, 500, NULL, 404])[i % 4 + 1],
       CASE WHEN i % 4 = 2 THEN '{"e": 1}'::jsonb END, i % 2,
       '2025-07-01 00:00+00'::timestamptz + i * interval '17 minutes' + (i % 3 - 1) * interval '1 microsecond',
       '2025-07-01 00:00+00'::timestamptz + i * interval '17 minutes' + (i % 500) * interval '1 ms',
       i % 300, i % 2
FROM (VALUES ('a'), ('b'), ('c')) AS t(org), generate_series(0, 330) AS i;
INSERT INTO webhooks (id, organization_id, url, events)
SELECT 'webhook_rlss_' || org || '_0', 'org_rlss_' || org, 'https://' || org || '.example', '{x,y}'
FROM (VALUES ('a'), ('b'), ('c')) AS t(org);

-- Membership: which roles see which organizations.
CREATE TABLE rlss_members (role_name text, organization_id text);
INSERT INTO rlss_members VALUES ('regress_rlss_member', 'org_rlss_a'), ('regress_rlss_member', 'org_rlss_c');
GRANT SELECT ON rlss_members TO regress_rlss_member;

ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
-- tenants a and b: a session setting
CREATE POLICY rlss_setting ON webhook_events FOR SELECT TO regress_rlss_a, regress_rlss_b
    USING (organization_id = current_setting('app.org_id'));
-- the member role: a membership subquery (an outer reference inside it)
CREATE POLICY rlss_membership ON webhook_events FOR SELECT TO regress_rlss_member
    USING (EXISTS (SELECT 1 FROM rlss_members m
                   WHERE m.role_name = current_user AND m.organization_id = webhook_events.organization_id));

-- Each call against plain SQL as the caller: windows of whole and partial
-- days, for every organization (the caller sees all of some, none of others).
CREATE TEMP VIEW rlss_checks WITH (security_invoker = true) AS
SELECT o, count(*) AS windows,
       count(*) FILTER (WHERE webhook_analytics_json_between(o, f, t, NULL, 20, 20)
                              = plain_analytics_json_between(o, f, t, NULL, 20, 20)
                          AND (SELECT array_agg(d ORDER BY d.day) FROM webhook_day_metrics(o, f, t) d)
                              IS NOT DISTINCT FROM
                              (SELECT array_agg(d ORDER BY d.day) FROM plain_day_metrics(o, f, t) d)) AS equal,
       (SELECT usable FROM webhook_summaries_status(o)) AS from_summaries,
       (SELECT reason FROM webhook_summaries_status(o)) AS reason
FROM unnest(ARRAY['org_rlss_a', 'org_rlss_b', 'org_rlss_c']) o,
     (VALUES ('2025-07-01 00:00+00'::timestamptz, '2025-07-05 00:00+00'::timestamptz),
             ('2025-07-01 05:30+00', '2025-07-04 00:00:00.000001+00'),
             ('2025-06-30 23:59:59.999999+00', '2025-07-03 12:00+00')) w(f, t)
GROUP BY o ORDER BY o;
GRANT SELECT ON rlss_checks TO regress_rlss_a, regress_rlss_b, regress_rlss_member;

SET ROLE regress_rlss_a;
SET app.org_id = 'org_rlss_a';
SELECT * FROM webhook_summaries_status();
SELECT * FROM rlss_checks;
SET ROLE regress_rlss_b;
SET app.org_id = 'org_rlss_b';
SELECT * FROM rlss_checks;
SET ROLE regress_rlss_member;
SELECT * FROM rlss_checks;
RESET ROLE;

-- The summaries really answer (tampering with them shows through, as the
-- superuser, inside a rolled-back transaction) for a tenant they may serve.
BEGIN;
UPDATE webhook_event_summaries SET (state, hours) = (SELECT state, hours FROM webhook_event_summaries s
                                                       WHERE s.organization_id = 'org_rlss_b' LIMIT 1)
WHERE organization_id = 'org_rlss_a';
SET LOCAL ROLE regress_rlss_a;
SET LOCAL app.org_id = 'org_rlss_a';
SELECT windows, equal < windows AS tampering_shows FROM rlss_checks WHERE o = 'org_rlss_a';
ROLLBACK;

-- Small writes leave deltas without the day's detail (flag 2) beside the
-- merged days, which whole days then read from their hours: each call
-- still equals plain SQL as the tenant and as the member role.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at,
                            first_sent_at, done)
VALUES ('webhook_rlss_a_0', 'org_rlss_a', 'https://a.example/new', 'a.event_9', 503,
        '2025-07-02 03:10+00', '2025-07-02 03:10:00.040+00', 1),
       ('webhook_rlss_a_1', 'org_rlss_a', 'https://a.example/0', 'a.event_0', 200,
        '2025-07-02 15:40+00', '2025-07-02 15:40:00.120+00', 1);
UPDATE webhook_events SET retries = retries + 1, response_status = 200, done = 1
WHERE organization_id = 'org_rlss_a' AND created_at = '2025-07-02 03:10+00';
SELECT count(*) FILTER (WHERE get_byte(state, 1) & 2 = 2) > 0 AS deltas_without_day_detail
FROM webhook_event_summaries WHERE organization_id = 'org_rlss_a';
SET ROLE regress_rlss_a;
SET app.org_id = 'org_rlss_a';
SELECT * FROM rlss_checks;
SET ROLE regress_rlss_member;
SELECT * FROM rlss_checks;
RESET ROLE;

-- A restrictive policy on another column: the policies depend on more of a
-- row than organization_id, so rows are read (and the answers stay exact).
CREATE POLICY rlss_no_secret ON webhook_events AS RESTRICTIVE FOR SELECT TO regress_rlss_a
    USING (event <> 'a.event_1');
SET ROLE regress_rlss_a;
SET app.org_id = 'org_rlss_a';
SELECT * FROM rlss_checks;
SET ROLE regress_rlss_b;
SET app.org_id = 'org_rlss_b';
SELECT o, windows, equal, from_summaries FROM rlss_checks;
RESET ROLE;
DROP POLICY rlss_no_secret ON webhook_events;

-- A restrictive policy on organization_id alone still lets the summaries answer.
CREATE POLICY rlss_not_c ON webhook_events AS RESTRICTIVE FOR SELECT TO regress_rlss_member
    USING (organization_id <> 'org_rlss_c');
SET ROLE regress_rlss_member;
SELECT * FROM rlss_checks;
RESET ROLE;
DROP POLICY rlss_not_c ON webhook_events;

-- A volatile function in a policy: rows are read.
CREATE POLICY rlss_random ON webhook_events FOR SELECT TO regress_rlss_b
    USING (organization_id = 'org_rlss_c' AND random() >= 0);
SET ROLE regress_rlss_b;
SET app.org_id = 'org_rlss_b';
SELECT o, windows, equal, from_summaries, reason FROM rlss_checks;
RESET ROLE;
DROP POLICY rlss_random ON webhook_events;

-- FORCE ROW LEVEL SECURITY on the owner: no policy applies to it, so it
-- sees nothing (default deny), and nothing is read for the whole days.
CREATE ROLE regress_rlss_owner NOLOGIN;
GRANT SELECT ON webhooks, rlss_checks TO regress_rlss_owner;
ALTER TABLE webhook_events OWNER TO regress_rlss_owner;
ALTER TABLE webhook_events FORCE ROW LEVEL SECURITY;
SET ROLE regress_rlss_owner;
SELECT * FROM rlss_checks;
RESET ROLE;
-- ... and with a policy for it on organization_id, the summaries answer it.
CREATE POLICY rlss_owner ON webhook_events FOR SELECT TO regress_rlss_owner
    USING (organization_id IN ('org_rlss_a', 'org_rlss_b'));
SET ROLE regress_rlss_owner;
SELECT * FROM rlss_checks;
RESET ROLE;
ALTER TABLE webhook_events NO FORCE ROW LEVEL SECURITY;
DROP POLICY rlss_owner ON webhook_events;
ALTER TABLE webhook_events OWNER TO CURRENT_USER;

DROP POLICY rlss_setting ON webhook_events;
DROP POLICY rlss_membership ON webhook_events;
ALTER TABLE webhook_events DISABLE ROW LEVEL SECURITY;
DROP VIEW rlss_checks;
DROP TABLE rlss_members;
REVOKE ALL ON webhook_events, webhooks FROM regress_rlss_a, regress_rlss_b, regress_rlss_member, regress_rlss_owner;
DROP ROLE regress_rlss_a;
DROP ROLE regress_rlss_b;
DROP ROLE regress_rlss_member;
DROP ROLE regress_rlss_owner;
\i test/teardown.sql
