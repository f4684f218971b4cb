# 008_plproxy.pl: recipes/plproxy.sql routes every call by organization
# over PL/Proxy to 3 shard databases (4 partitions, as PL/Proxy wants a
# power of two); each organization's responses through the proxy equal
# those of one database holding all the rows: every period with every
# include part, windows, the request function (valid and 400), the day,
# hour and any-bucket series, a NULL and an unknown organization. Each
# shard's answers equal plain SQL over its rows (after the deletes that
# split the rows, and after a write), and the recipe's functions have the
# extension's signatures. Then answers across shards (SPEC section 7):
# over the same shards, and over 3 databases holding the rows split by id
# (4 partitions, one database named twice), every organization's merged
# response, the platform's and the exact latency percentiles through the
# recipe's RUN ON ALL functions equal one database's; the platform's also
# plain SQL's totals, newest rows and percentile_cont. Skipped
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
CREATE EXTENSION whanalytics;
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
       'webhook_day_metrics', 'webhook_hourly_metrics', 'webhook_metrics_series')
  AND p.proargtypes[0] = 'text'::regtype};
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
  FROM unnest($orgs) o, unnest(ARRAY['{"period": "last_7_days", "as_of": "2026-01-01T00:00:00Z", "top_n": "3"}', '{"period": "last_week", "top_n": "ten"}']::jsonb[]) q
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
# the one database gets that row too, for the answers across shards below
my $late_id = $node->safe_psql('shard1', "SELECT id FROM webhook_events WHERE event = 'event.late'");
$node->safe_psql('single', qq{
INSERT INTO webhook_events (id, webhook_id, organization_id, url, event, response_status, created_at, done)
VALUES ($late_id, 'webhook_load_1', '$org', 'https://load.example/1', 'event.late', 503,
        '2025-12-31 23:59:59.999999+00', 1);});

# Answers across shards: the merged states of every shard, one database's
# answers. The windows, the arguments and the calls, hashed.
my $as_of = "'2026-01-01 00:00+00'::timestamptz";
my @windows = ("$as_of - interval '7 days', $as_of",
	"$as_of - interval '36 hours 5.5 seconds', $as_of - interval '1 hour 0.000001 seconds'");
my $all_parts = "'{previous,status_codes,latency_breakdown,retries,webhooks}'";
my $orgs = "(SELECT array_agg('org_load_' || i) || ARRAY[NULL, 'org_unknown'] FROM generate_series(0, 19) i)";

# Each organization's response over the merged states (through $fn), or one database's.
sub organization_calls
{
	my ($fn) = @_;
	my @parts;
	for my $w (@windows)
	{
		push @parts, qq{SELECT $fn(o, $w, wh, tn, ln, inc)::text AS r
  FROM unnest($orgs) o, (VALUES (NULL::text, 3, 5, ($all_parts)::text[]), (NULL, 50, 20, '{}'), (NULL, 0, 0, '{}'),
                                ('webhook_load_21', 5, 10, $all_parts)) v(wh, tn, ln, inc)};
	}
	return "SELECT count(*) || ' ' || md5(string_agg(coalesce(r, 'NULL'), '|' ORDER BY r)) FROM ("
	  . join(' UNION ALL ', @parts) . ') c';
}

# The platform's response (every organization) over one database, by merging its organizations' states.
sub platform_on_one
{
	my ($w, $tn, $ln) = @_;
	return qq{SELECT webhook_analytics_json(webhook_analytics_merge(webhook_analytics_state(o, $w, NULL, $ln)), $tn, $ln, $all_parts)
FROM (SELECT organization_id FROM webhooks UNION SELECT organization_id FROM webhook_events) orgs(o)};
}

# Plain SQL over one database: the window's total, its newest ids and latency percentiles.
sub platform_plain
{
	my ($w, $ln) = @_;
	my ($f, $t) = split /, /, $w, 2;
	return qq{WITH e AS (SELECT id, created_at,
                  CASE WHEN first_sent_at IS NOT NULL THEN
                      greatest(0, round(extract(epoch FROM first_sent_at - created_at) * 1000)) END AS ms
           FROM webhook_events WHERE created_at >= $f AND created_at < $t)
SELECT (SELECT count(*) FROM e) || ' ' ||
       (SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) FROM (SELECT * FROM e ORDER BY created_at DESC, id DESC LIMIT $ln) n) || ' ' ||
       (SELECT min(ms) || '/' || max(ms) || '/' || percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) || '/' ||
               percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) || '/' || percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
        FROM e)};
}

# The same numbers from a platform response and the merged latency.
sub platform_numbers
{
	my ($response, $latency) = @_;
	return qq{SELECT (r #>> '{data,day_metrics,total}') || ' ' ||
       coalesce((SELECT string_agg(x ->> 'id', ',' ORDER BY n) FROM jsonb_array_elements(r #> '{data,last_events}') WITH ORDINALITY l(x, n)), '') || ' ' ||
       (l).min || '/' || (l).max || '/' || (l).p50 || '/' || (l).p95 || '/' || (l).p99
FROM ($response) a(r), ($latency) b(l)};
}

# check_across compares, through proxy database $proxy, the merged answers with database 'single'.
sub check_across
{
	my ($proxy, $what) = @_;
	my $single = $node->safe_psql('single', organization_calls('webhook_analytics_json_between'));
	like($single, qr/^176 /, "$what: 22 organizations, 2 windows, 4 argument sets");
	is($node->safe_psql($proxy, organization_calls('whanalytics_proxy.webhook_analytics_json_between_all')),
		$single, "$what: every organization's merged response equals one database's");
	for my $w (@windows)
	{
		my $one = $node->safe_psql('single', platform_on_one($w, 50, 20));
		is($node->safe_psql($proxy, "SELECT whanalytics_proxy.webhook_platform_json($w, 50, 20, $all_parts)"),
			$one, "$what: the platform's response for [$w) equals one database's");
		my $latency = "SELECT whanalytics_proxy.webhook_latency_all($w)";
		is($node->safe_psql($proxy, platform_numbers("SELECT whanalytics_proxy.webhook_platform_json($w, 50, 20)", $latency)),
			$node->safe_psql('single', platform_plain($w, 20)),
			"$what: the platform's total, newest rows and latency for [$w) equal plain SQL's");
	}
	return;
}

check_across('proxy', 'shards holding whole organizations');

# The rows split by id over 3 databases (webhooks by id's hash), behind a second proxy.
for my $s (0 .. 2)
{
	load_fixture($node, "split$s", $rows, $dir);
	$node->safe_psql("split$s", qq{
DELETE FROM webhook_events WHERE id % 3 <> $s;
DELETE FROM webhooks WHERE abs(hashtext(id)) % 3 <> $s;});
}
# and the row written above, on the database of its id
$node->safe_psql('split' . ($late_id % 3), qq{
INSERT INTO webhook_events (id, webhook_id, organization_id, url, event, response_status, created_at, done)
VALUES ($late_id, 'webhook_load_1', '$org', 'https://load.example/1', 'event.late', 503,
        '2025-12-31 23:59:59.999999+00', 1);});
my @q = map { $node->connstr . " dbname=split$_" } (0, 1, 2, 0);
$node->safe_psql('postgres', 'CREATE DATABASE proxy_split');
$node->safe_psql('proxy_split', qq{
CREATE EXTENSION plproxy;
CREATE EXTENSION whanalytics;
CREATE SERVER whanalytics_shards FOREIGN DATA WRAPPER plproxy
    OPTIONS (p0 '$q[0]', p1 '$q[1]', p2 '$q[2]', p3 '$q[3]');
CREATE USER MAPPING FOR PUBLIC SERVER whanalytics_shards OPTIONS (user '$user');});
psql_files($node, 'proxy_split', 'recipes/plproxy.sql');
is($node->safe_psql('proxy_split', q{SELECT count(*) FROM whanalytics_proxy.webhook_latency_states(
    '2025-01-01', '2027-01-01')}), '3', 'RUN ON ALL runs once per database though 4 partitions name 3');
check_across('proxy_split', 'rows split by id');

done_testing();
