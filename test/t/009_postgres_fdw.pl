# 009_postgres_fdw.pl: a coordinator over postgres_fdw shards. The
# coordinator's deliveries and webhooks tables are partitioned by hash of
# organization_id into foreign tables on 3 shard databases (postgres_fdw),
# named by whanalytics.events_table and webhooks_table. Every response
# through the coordinator (every period with every include part, windows
# with partial hours at both edges, a webhook filter, last_n up to 50, the
# request function, a state made there) equals one database's holding all
# the rows, and says (DEBUG1) that it came from the one shard's state the
# organization hashes to; with use_summaries off it reads the rows through
# the foreign tables and answers the same; under row-level security on
# the coordinator's table it reads rows, and a tenant sees its own rows
# only; tables partitioned by list (with a default) and partitioned
# twice answer the same; a write on a shard is in the next answer, and
# after updates and deletes on every shard every call agrees again.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::Bin/../perl";
use WhanalyticsTest;

my $node = new_node('fdw');
my $rows = 20000;
my $dir = PostgreSQL::Test::Utils::tempdir;
load_fixture($node, 'single', $rows, $dir);

# The coordinator: both tables partitioned by hash of organization_id into
# foreign tables, one per shard.
$node->safe_psql('postgres', 'CREATE DATABASE coord');
my $port = $node->port;
my $host = $node->host;
my $user = $node->safe_psql('postgres', 'SELECT current_user');
my $events_columns = q{id bigint NOT NULL, webhook_id text NOT NULL, organization_id text NOT NULL,
    url text NOT NULL, event text NOT NULL, resource_id text, payload jsonb, response_status integer,
    response_body text, error jsonb, retries integer NOT NULL, created_at timestamptz NOT NULL,
    updated_at timestamptz, first_sent_at timestamptz, delay_ms integer, done smallint NOT NULL};
my $webhooks_columns = q{id text NOT NULL, organization_id text NOT NULL, label text, url text NOT NULL,
    description text, enabled smallint NOT NULL, events text[] NOT NULL, created_at timestamptz NOT NULL,
    updated_at timestamptz};
my $coordinator = qq{
CREATE EXTENSION postgres_fdw;
CREATE EXTENSION whanalytics;
CREATE TABLE events ($events_columns) PARTITION BY HASH (organization_id);
CREATE TABLE hooks ($webhooks_columns) PARTITION BY HASH (organization_id);};
for my $s (0 .. 2)
{
	$coordinator .= qq{
CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$host', port '$port', dbname 'shard$s');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$s OPTIONS (user '$user');
CREATE FOREIGN TABLE events_$s PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER $s)
    SERVER shard$s OPTIONS (schema_name 'public', table_name 'webhook_events');
CREATE FOREIGN TABLE hooks_$s PARTITION OF hooks FOR VALUES WITH (MODULUS 3, REMAINDER $s)
    SERVER shard$s OPTIONS (schema_name 'public', table_name 'webhooks');};
}
$node->safe_psql('coord', $coordinator);
$node->safe_psql('postgres', q{ALTER DATABASE coord SET whanalytics.events_table = 'public.events';
ALTER DATABASE coord SET whanalytics.webhooks_table = 'public.hooks'});

# Each shard holds the organizations that hash to its partition.
for my $s (0 .. 2)
{
	load_fixture($node, "shard$s", $rows, $dir);
	my $theirs = $node->safe_psql('coord', qq{
SELECT string_agg(quote_literal(o), ', ') FROM (SELECT 'org_load_' || i AS o FROM generate_series(0, 19) i) v
WHERE NOT satisfies_hash_partition('events'::regclass, 3, $s, o)});
	$node->safe_psql("shard$s", qq{
DELETE FROM webhook_events WHERE organization_id IN ($theirs);
DELETE FROM webhooks WHERE organization_id IN ($theirs);});
}
is($node->safe_psql('coord', 'SELECT count(*) FROM events'), $rows, 'the coordinator sees every row');

my $as_of = "'2026-01-01 00:00+00'::timestamptz";
my $orgs = "(SELECT array_agg('org_load_' || i) || ARRAY['org_unknown'] FROM generate_series(0, 19) i)";
my $all_parts = "'{previous,status_codes,latency_breakdown,retries,webhooks}'::text[]";

# Every call, hashed with a count.
my $calls = qq{
SELECT count(*) || ' ' || md5(string_agg(coalesce(r, 'NULL'), '|' ORDER BY n))
FROM (SELECT row_number() OVER () AS n, r FROM (
  SELECT webhook_analytics_json(o, p, $as_of - interval '2 hours 3 minutes', NULL, 10, 5, $all_parts)::text AS r
  FROM unnest($orgs) o, unnest(ARRAY['last_day', 'last_7_days', 'last_30_days']) p
  UNION ALL
  SELECT webhook_analytics_json(o, 'last_7_days', $as_of, 'webhook_load_' || (i + 20), 3, 50)::text
  FROM unnest($orgs) WITH ORDINALITY o(o, i)
  UNION ALL
  SELECT webhook_analytics_json_between(o, $as_of - interval '36 hours 5.5 seconds',
                                        $as_of - interval '1 hour 0.000001 seconds', NULL, 0, 0)::text
  FROM unnest($orgs) o
  UNION ALL
  SELECT webhook_analytics_request(o, '{"period": "last_7_days", "as_of": "2026-01-01T00:00:00Z", "top_n": "3", "include": "previous,webhooks"}')::text
  FROM unnest($orgs) o
  UNION ALL
  SELECT webhook_analytics_json(webhook_analytics_state(o, $as_of - interval '7 days', $as_of, NULL, 20), 50, 20,
                                $all_parts)::text
  FROM unnest($orgs) o
  ORDER BY 1) c) n;};
my $single = $node->safe_psql('single', $calls);
like($single, qr/^147 /, 'the calls: 21 organizations (an unknown one among them), 7 calls each');
is($node->safe_psql('coord', $calls), $single,
	'through the coordinator, every response equals the one database\'s');
is($node->safe_psql('coord', "SET whanalytics.use_summaries = off; $calls"), $single,
	'reading the rows through the foreign tables, every response is the same');

# The same shards behind tables partitioned by LIST of organization_id
# (shard 2 the DEFAULT partition), and behind a table partitioned by hash
# whose partitions are partitioned again by created_at into foreign tables
# over views of each shard's rows of the range (no pruning there: every
# leaf asked, each reading rows): the same answers.
my %listed;
for my $s (0 .. 1)
{
	$listed{$s} = $node->safe_psql('coord', qq{
SELECT string_agg(quote_literal(o), ', ') FROM (SELECT 'org_load_' || i AS o FROM generate_series(0, 19) i) v
WHERE satisfies_hash_partition('events'::regclass, 3, $s, o)});
}
my $layouts = q{
CREATE TABLE events_l (LIKE events) PARTITION BY LIST (organization_id);
CREATE TABLE hooks_l (LIKE hooks) PARTITION BY LIST (organization_id);
CREATE TABLE events_n (LIKE events) PARTITION BY HASH (organization_id);};
for my $s (0 .. 1)
{
	$layouts .= qq{
CREATE FOREIGN TABLE events_l$s PARTITION OF events_l FOR VALUES IN ($listed{$s})
    SERVER shard$s OPTIONS (table_name 'webhook_events');
CREATE FOREIGN TABLE hooks_l$s PARTITION OF hooks_l FOR VALUES IN ($listed{$s})
    SERVER shard$s OPTIONS (table_name 'webhooks');};
}
$layouts .= q{
CREATE FOREIGN TABLE events_l2 PARTITION OF events_l DEFAULT SERVER shard2 OPTIONS (table_name 'webhook_events');
CREATE FOREIGN TABLE hooks_l2 PARTITION OF hooks_l DEFAULT SERVER shard2 OPTIONS (table_name 'webhooks');};
for my $s (0 .. 2)
{
	$layouts .= qq{
CREATE TABLE events_n$s PARTITION OF events_n FOR VALUES WITH (MODULUS 3, REMAINDER $s)
    PARTITION BY RANGE (created_at);
CREATE FOREIGN TABLE events_n${s}_old PARTITION OF events_n$s FOR VALUES FROM (MINVALUE) TO ('2025-12-29')
    SERVER shard$s OPTIONS (table_name 'events_old');
CREATE FOREIGN TABLE events_n${s}_new PARTITION OF events_n$s FOR VALUES FROM ('2025-12-29') TO (MAXVALUE)
    SERVER shard$s OPTIONS (table_name 'events_new');};
	# each time partition a view of the shard's rows of its range (read as rows there)
	$node->safe_psql("shard$s", q{
CREATE VIEW events_old AS SELECT * FROM webhook_events WHERE created_at < '2025-12-29';
CREATE VIEW events_new AS SELECT * FROM webhook_events WHERE created_at >= '2025-12-29';});
}
$node->safe_psql('coord', $layouts);
is($node->safe_psql('coord', "SET whanalytics.events_table = 'events_l'; SET whanalytics.webhooks_table = 'hooks_l'; $calls"),
	$single, 'partitioned by list (with a default partition), every response equals the one database\'s');
my ($lout, $lerr) = ('', '');
$node->psql('coord', "SET client_min_messages = debug1; SET whanalytics.events_table = 'events_l';
SELECT webhook_analytics_json('org_unknown', 'last_day', $as_of) IS NOT NULL", stdout => \$lout, stderr => \$lerr);
like($lerr, qr/answered from the states of 1 postgres_fdw shards/,
	'an organization no list names is asked of the default partition alone');
is($node->safe_psql('coord', "SET whanalytics.events_table = 'events_n'; $calls"), $single,
	'partitioned by hash then by time (both leaves of a shard asked), every response equals the one database\'s');

# The path: one shard's state, not rows.
my $call = "SELECT webhook_analytics_json('org_load_3', 'last_30_days', $as_of) IS NOT NULL";
my ($ok, $out, $err) = (0, '', '');
$node->psql('coord', "SET client_min_messages = debug1; $call", stdout => \$out, stderr => \$err);
like($err, qr/answered from the states of 1 postgres_fdw shards/,
	'the coordinator asked the one shard the organization hashes to for its state');
$node->psql('coord', "SET client_min_messages = debug1; SET whanalytics.use_summaries = off; $call",
	stdout => \$out, stderr => \$err);
unlike($err, qr/answered from the states/, 'with use_summaries off it reads rows');

# Row-level security on the coordinator's table: rows, and each tenant its own.
$node->safe_psql('coord', q{
CREATE ROLE tenant LOGIN;
GRANT SELECT ON events, hooks TO tenant;
CREATE USER MAPPING FOR tenant SERVER shard0 OPTIONS (user 'tenant', password_required 'false');
CREATE USER MAPPING FOR tenant SERVER shard1 OPTIONS (user 'tenant', password_required 'false');
CREATE USER MAPPING FOR tenant SERVER shard2 OPTIONS (user 'tenant', password_required 'false');
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON events TO tenant USING (organization_id = current_setting('app.org_id'));});
for my $s (0 .. 2)
{
	$node->safe_psql("shard$s", 'GRANT SELECT ON webhook_events, webhooks TO tenant');
}
$node->psql('coord', qq{SET client_min_messages = debug1; SET ROLE tenant; SET app.org_id = 'org_load_3';
SELECT (webhook_analytics_json('org_load_3', 'last_7_days', $as_of) -> 'data' -> 'day_metrics' ->> 'total')::int > 0},
	stdout => \$out, stderr => \$err);
is($out, 't', 'the tenant sees its organization\'s rows');
unlike($err, qr/answered from the states/, 'under row-level security the coordinator reads rows');
is($node->safe_psql('coord', qq{SET ROLE tenant; SET app.org_id = 'org_load_3';
SELECT webhook_analytics_json('org_load_4', 'last_7_days', $as_of) -> 'data' -> 'day_metrics' ->> 'total'}),
	'0', 'and none of another organization');

# A write on a shard is in the next answer through the coordinator.
my $shard = $node->safe_psql('coord', q{SELECT s FROM generate_series(0, 2) s
WHERE satisfies_hash_partition('events'::regclass, 3, s, 'org_load_3'::text)});
my $insert = q{INSERT INTO webhook_events (id, webhook_id, organization_id, url, event, response_status, created_at, done)
VALUES (900001, 'webhook_load_3', 'org_load_3', 'https://load.example/3', 'event.late', 503,
        '2025-12-31 23:59:59.999999+00', 1)};
$node->safe_psql("shard$shard", $insert);
$node->safe_psql('single', $insert);
my $late = "SELECT webhook_analytics_json('org_load_3', 'last_day', $as_of, NULL, 50, 50, $all_parts)::text";
is($node->safe_psql('coord', $late), $node->safe_psql('single', $late),
	'a new row on a shard is in the coordinator\'s next answer');
like($node->safe_psql('coord', $late), qr/event\.late/, 'the answer holds the new row');

# Updates and deletes on every shard, made alike on the one database: every call agrees again.
my @writes = (q{UPDATE webhook_events SET response_status = 200, done = 1, retries = retries + 1,
                   first_sent_at = coalesce(first_sent_at, created_at + interval '40 ms')
                WHERE id % 13 = 4},
	q{UPDATE webhook_events SET webhook_id = 'webhook_load_0', created_at = created_at - interval '1 hour'
      WHERE id % 31 = 7},
	q{DELETE FROM webhook_events WHERE id % 11 = 2});
for my $db ('single', 'shard0', 'shard1', 'shard2')
{
	$node->safe_psql($db, $_) for @writes;
}
is($node->safe_psql('coord', $calls), $node->safe_psql('single', $calls),
	'after updates and deletes on the shards, every response through the coordinator equals the one database\'s');

done_testing();
