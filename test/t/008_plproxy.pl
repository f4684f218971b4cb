# 008_plproxy.pl: recipes/plproxy.sql routes every call by organization
# over PL/Proxy to 3 shard databases (4 partitions, as PL/Proxy wants a
# power of two); each organization's responses through the proxy equal
# those of one database holding all the rows: every period with every
# include part, windows, the request function (valid and 400), the day,
# hour and any-bucket series, a NULL and an unknown organization. Each
# shard's answers equal plain SQL over its rows (after the deletes that
# split the rows, and after a write), and the recipe's functions have the
# extension's signatures. Skipped
# when PL/Proxy is not installed (./run test installs it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::Bin/../perl";
use WhanalyticsTest;

my $node = new_node('plproxy');
if ($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_available_extensions WHERE name = 'plproxy'") eq '0')
{
	plan skip_all => 'PL/Proxy is not installed (Debian: postgresql-15-plproxy)';
}

my $rows = 20000;
my $dir = PostgreSQL::Test::Utils::tempdir;
load_fixture($node, 'single', $rows, $dir);

# The shard of a partition: partitions 0, 1, 2 on shards 0, 1, 2, partition 3 on shard 0.
my $shard_of = "CASE WHEN hashtext(organization_id) & 3 = 3 THEN 0 ELSE hashtext(organization_id) & 3 END";
for my $s (0 .. 2)
{
	load_fixture($node, "shard$s", $rows, $dir);
	$node->safe_psql("shard$s", qq{
DELETE FROM webhook_events WHERE $shard_of <> $s;
DELETE FROM webhooks WHERE $shard_of <> $s;});
	my @orgs = split /\n/, $node->safe_psql("shard$s",
		'SELECT DISTINCT organization_id FROM webhook_events ORDER BY 1');
	cmp_ok(scalar @orgs, '>', 0, "shard $s holds " . scalar @orgs . " of the 20 organizations");
	# the shard's summaries after the deletes, against plain SQL over its rows
	is(agreement($node, "shard$s", \@orgs, '2026-01-01 00:00+00'), 'agree',
		"shard $s answers as plain SQL over its rows");
}
my $user = $node->safe_psql('postgres', 'SELECT current_user');
my @p = map { $node->connstr . " dbname=shard$_" } (0, 1, 2, 0);
$node->safe_psql('postgres', 'CREATE DATABASE proxy');
$node->safe_psql('proxy', qq{
CREATE EXTENSION plproxy;
CREATE SERVER whanalytics_shards FOREIGN DATA WRAPPER plproxy
    OPTIONS (p0 '$p[0]', p1 '$p[1]', p2 '$p[2]', p3 '$p[3]');
CREATE USER MAPPING FOR PUBLIC SERVER whanalytics_shards OPTIONS (user '$user');});
psql_files($node, 'proxy', 'recipes/plproxy.sql');

# the recipe's functions have the extension's arguments, defaults and results
my $signatures = q{
SELECT string_agg(p.proname || '(' || pg_get_function_arguments(p.oid) || ') ' ||
                  pg_get_function_result(p.oid), E'\n' ORDER BY p.proname)
FROM pg_proc p
WHERE p.pronamespace = '%s'::regnamespace AND p.proname IN
      ('webhook_analytics_json', 'webhook_analytics_json_between', 'webhook_analytics_request',
       'webhook_day_metrics', 'webhook_hourly_metrics', 'webhook_metrics_series')};
is($node->safe_psql('proxy', sprintf($signatures, 'whanalytics_proxy')),
	$node->safe_psql('single', sprintf($signatures, 'public')),
	'the proxy functions have the extension\'s signatures');

# Every call, through schema $s's functions, hashed with a count of calls.
sub calls
{
	my ($s) = @_;
	my $orgs = "(SELECT array_agg('org_load_' || i) || ARRAY[NULL, 'org_unknown'] FROM generate_series(0, 19) i)";
	my $as_of = "'2026-01-01 00:00+00'::timestamptz";
	return qq{
SELECT count(*) || ' ' || md5(string_agg(coalesce(r, 'NULL'), '|' ORDER BY n))
FROM (SELECT row_number() OVER () AS n, r FROM (
  SELECT $s.webhook_analytics_json(o, p, $as_of - interval '2 hours 3 minutes', NULL, 10, 5,
                                   '{previous,status_codes,latency_breakdown,retries,webhooks}')::text AS r
  FROM unnest($orgs) WITH ORDINALITY o(o, i), unnest(ARRAY['last_day', 'last_7_days', 'last_30_days']) p
  UNION ALL
  SELECT $s.webhook_analytics_json(o, 'last_7_days', $as_of, 'webhook_load_' || (i + 20))::text
  FROM unnest($orgs) WITH ORDINALITY o(o, i)
  UNION ALL
  SELECT $s.webhook_analytics_json_between(o, $as_of - interval '36 hours 5 seconds', $as_of - interval '1 hour', NULL, 3, 20)::text
  FROM unnest($orgs) o
  UNION ALL
  SELECT $s.webhook_analytics_request(o, q)::text
  FROM unnest($orgs) o, unnest(ARRAY['{"period": "last_7_days", "top_n": "3"}', '{"period": "last_week", "top_n": "ten"}']::jsonb[]) q
  UNION ALL
  SELECT (SELECT string_agg(d::text, ';' ORDER BY d.day) FROM $s.webhook_day_metrics(o, $as_of - interval '7 days 5 hours', $as_of) d)
  FROM unnest($orgs) o
  UNION ALL
  SELECT (SELECT string_agg(h::text, ';' ORDER BY h.hour) FROM $s.webhook_hourly_metrics(o, $as_of - interval '30 hours', $as_of) h)
  FROM unnest($orgs) o
  UNION ALL
  SELECT (SELECT string_agg(m::text, ';' ORDER BY m.bucket, m.key) FROM $s.webhook_metrics_series(o, $as_of - interval '3 days', $as_of, b, g) m)
  FROM unnest($orgs) o, (VALUES ('1 hour'::interval, NULL), ('90 minutes', NULL), ('1 day', 'webhook'), ('5 minutes', 'status_class')) v(b, g)
  ORDER BY 1) c) n;};
}

my $single = $node->safe_psql('single', calls('public'));
my $proxied = $node->safe_psql('proxy', calls('whanalytics_proxy'));
like($single, qr/^286 /, 'the calls: 22 organizations (NULL and an unknown one among them), 13 calls each');
is($proxied, $single, 'through PL/Proxy, every response equals the one database\'s');

# a write on a shard shows through the proxy at once
$node->safe_psql('shard1', q{
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, done)
SELECT 'webhook_load_1', min(organization_id), 'https://load.example/1', 'event.late', 503,
       '2025-12-31 23:59:59.999999+00', 1
FROM webhook_events;});
my $org = $node->safe_psql('shard1', 'SELECT min(organization_id) FROM webhook_events');
my $call = "webhook_analytics_json('$org', 'last_day', '2026-01-01', NULL, 50, 50)::text";
my $through = $node->safe_psql('proxy', "SELECT whanalytics_proxy.$call");
is($through, $node->safe_psql('shard1', "SELECT $call"),
	'a new row on a shard is in the proxied response at once');
like($through, qr/event\.late/, 'the response holds the new row');
is(agreement($node, 'shard1', [$org], '2026-01-01 00:00+00'), 'agree',
	'after the write the shard still answers as plain SQL over its rows');

done_testing();
