# WhanalyticsTest.pm: what the TAP tests of test/t share: a server of the
# PostgreSQL on PATH set up as ./run's, the tree's SQL files, fingerprints
# and plain-SQL comparisons of the pinned demo data, and the load fixture,
# pgbench scripts and checks of the crash and concurrency tests.
package WhanalyticsTest;

use strict;
use warnings;
use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(tree_file new_node psql_files fingerprint agreement
  load_fixture load_params pgbench_start pgbench_processed oracle_mismatches
  sample_deliveries $AS_OF @PINNED_ORGS $WINDOW_COMPARISON);

# The as_of of test/pinned_demo.sql, and the organizations it leaves.
our $AS_OF = '2026-01-08 00:00+00';
our @PINNED_ORGS = ('org_0196b0e9-11d8-7f26-b1d2-bd47054e4827', 'org_edge');

# Over many windows of org_a, org_b and org_c (sample_deliveries' data): how
# many calls, how many differ from plain SQL over the same rows, a hash of
# every response, and whether the summaries answer (t) or rows are read.
our $WINDOW_COMPARISON = q{
SELECT count(*) AS calls,
       count(*) FILTER (WHERE got IS DISTINCT FROM want) AS differ,
       md5(string_agg(got::text, '|' ORDER BY o, f, l)) AS fingerprint,
       (SELECT usable FROM webhook_summaries_status()) AS from_summaries
FROM (SELECT o, f, l, webhook_analytics_json_between(o, f, f + l, NULL, 10, 10) AS got,
             plain_analytics_json_between(o, f, f + l, NULL, 10, 10) AS want
      FROM unnest(ARRAY['org_a', 'org_b', 'org_c']) o,
           generate_series('2025-11-01 00:00+00'::timestamptz, '2025-11-06 00:00+00',
                           interval '9 hours 7 minutes') f,
           unnest(ARRAY[interval '2 hours', interval '1 day', interval '4 days']) l) c
};

# The tree's root: this file is test/perl/WhanalyticsTest.pm.
my $root = abs_path(dirname(__FILE__) . '/../..');

# tree_file returns the absolute path of a file of the tree ('test/helpers.sql').
sub tree_file
{
	my ($path) = @_;
	return "$root/$path";
}

# new_node makes and starts a server, UTF8 / C.UTF-8 whatever the caller's
# locale (as ./run's), with any postgresql.conf lines given.
sub new_node
{
	my ($name, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(extra => [ '--locale=C.UTF-8', '--encoding=UTF8' ]);
	$node->append_conf('postgresql.conf', join("\n", @conf)) if @conf;
	$node->start;
	return $node;
}

# psql_files runs files of the tree in order in one psql on a database; bails out on an error.
sub psql_files
{
	my ($node, $db, @files) = @_;
	PostgreSQL::Test::Utils::system_or_bail('psql', '-X', '-q', '-v',
		'ON_ERROR_STOP=1', '-d', $node->connstr($db),
		map { ('-f', tree_file($_)) } @files);
	return;
}

# fingerprint returns every row of both tables, the identity counter and
# the responses of the pinned organizations for every period, hashed.
sub fingerprint
{
	my ($node, $db) = @_;
	my $orgs = join(', ', map { "'$_'" } @PINNED_ORGS);
	return $node->safe_psql(
		$db, qq{
SELECT md5(string_agg(e::text, '|' ORDER BY e.id)) FROM webhook_events e;
SELECT md5(string_agg(w::text, '|' ORDER BY w.id)) FROM webhooks w;
SELECT last_value FROM webhook_events_id_seq;
SELECT md5(webhook_analytics_json(o, p, '$AS_OF', NULL, 20, 50)::text)
FROM unnest(ARRAY[$orgs]) o,
     unnest(ARRAY['last_day', 'last_7_days', 'last_30_days']) p ORDER BY o, p;});
}

# agreement returns 'agree' when, for the pinned organizations over two
# windows (whole days, and partial days at both ends), the response and both
# series read through the summaries, read from the rows only, and the
# plain-SQL oracle are equal (test/helpers.sql's paths_agree, which from
# 1.5 on compares every part of include too), and webhook_metrics_series by
# the hour by webhook and in 90 minutes (series_agree); else what differs.
# Other organizations and the end of the windows may be given (default
# @PINNED_ORGS and $AS_OF).
sub agreement
{
	my ($node, $db, $orgs_given, $as_of) = @_;
	my $orgs = join(', ', map { "'$_'" } @{ $orgs_given // \@PINNED_ORGS });
	$as_of //= $AS_OF;
	my $windows = qq{(VALUES ('$as_of'::timestamptz - interval '7 days', '$as_of'::timestamptz),
             ('$as_of'::timestamptz - interval '30 days 3 hours 5.5 seconds',
              '$as_of'::timestamptz - interval '1 hour')) w(f, t)};
	# from 1.5 on paths_agree compares every part of include too; the series beside it
	my $series = $node->safe_psql($db,
		"SELECT count(*) FROM pg_proc WHERE proname = 'webhook_metrics_series'");
	my $checks = $series
	  ? "(paths_agree(o, f, t)), (series_agree(o, f, t, '1 hour', 'webhook')), (series_agree(o, f, t, '90 minutes'))"
	  : "(paths_agree(o, f, t))";
	return $node->safe_psql(
		$db, qq{
SELECT string_agg(DISTINCT a, ', ')
FROM unnest(ARRAY[$orgs]) o, $windows, LATERAL (VALUES $checks) v(a);});
}

# load_params returns the size of the load tests from the environment:
# the short suite version by default, test/load.sh sets the long one.
sub load_params
{
	return (
		rows => $ENV{WH_LOAD_ROWS} // 20000,            # deliveries before the load
		clients => $ENV{WH_LOAD_CLIENTS} // 4,          # pgbench writers
		seconds => $ENV{WH_LOAD_SECONDS},               # per load; unset: a count of transactions
		transactions => $ENV{WH_LOAD_TRANSACTIONS} // 200,    # per writer when no seconds
		crashes => $ENV{WH_LOAD_CRASHES} // 1,          # SIGKILLs of the server
		crash_after => $ENV{WH_LOAD_CRASH_AFTER} // 300);    # rows pgbench writes before each
}

# load_fixture makes a database for the load tests: the extension, the
# plain-SQL oracle and test helpers, 60 webhooks of 20 organizations, $rows
# deliveries over the week before 2026-01-01, and load_read(org), a reader's
# check that one response agrees with itself. Writes the pgbench scripts
# writers.pgbench (insert a delivery, retry-update one, delete one in ten;
# needs -D rows=$rows) and readers.pgbench into $dir.
sub load_fixture
{
	my ($node, $db, $rows, $dir) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION whanalytics');
	psql_files($node, $db, 'test/plain_sql.sql', 'test/helpers.sql');
	$node->safe_psql(
		$db, qq{
INSERT INTO webhooks (id, organization_id, url, events)
SELECT 'webhook_load_' || i, 'org_load_' || (i % 20), 'https://load.example/' || i, '{a,b}'
FROM generate_series(0, 59) i;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, retries,
                            created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_load_' || (i % 60), 'org_load_' || (i % 60 % 20), 'https://load.example/' || (i % 60),
       'event.' || (i % 7), (ARRAY[200, 201, 500, 404, NULL])[i % 5 + 1], i % 3,
       '2026-01-01 00:00+00'::timestamptz - (i % 600000) * interval '1 second',
       '2026-01-01 00:00+00'::timestamptz - (i % 600000) * interval '1 second' + (i % 997) * interval '1 ms',
       i % 900, (i % 4 <> 0)::int
FROM generate_series(1, $rows) i;
ANALYZE;
CREATE FUNCTION load_read(org text) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
    r jsonb := webhook_analytics_json(org, 'last_7_days', '2026-01-01 00:00+00', NULL, 1000, 5);
    total bigint := (r #>> '{data,day_metrics,total}')::bigint;
BEGIN
    IF total <> (SELECT coalesce(sum((h ->> 'count')::bigint), 0) FROM jsonb_array_elements(r #> '{data,hourly_metrics}') h)
       OR total <> (SELECT coalesce(sum((e ->> 'count')::bigint), 0) FROM jsonb_array_elements(r #> '{data,top_events}') e)
       OR (r #>> '{data,day_metrics,success}')::bigint + (r #>> '{data,day_metrics,failed}')::bigint > total THEN
        RAISE EXCEPTION 'inconsistent response for %: %', org, r -> 'data' -> 'day_metrics';
    END IF;
END \$\$;});
	PostgreSQL::Test::Utils::append_to_file(
		"$dir/writers.pgbench", q{\set o random(0, 19)
\set w random(0, 59)
\set lag random(0, 604799)
\set d random(1, :rows - 1)
BEGIN;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, done, resource_id)
VALUES ('webhook_load_' || :w, 'org_load_' || :o, 'https://load.example/' || :w, 'event.' || (:w % 7), NULL,
        '2026-01-01 00:00+00'::timestamptz - :lag * interval '1 second', 0, 'pgbench');
UPDATE webhook_events SET retries = retries + 1, response_status = 200, done = 1,
       first_sent_at = coalesce(first_sent_at, created_at + interval '20 ms')
 WHERE id = :d;
DELETE FROM webhook_events WHERE id = :d + 1 AND :d % 10 = 0;
END;
});
	PostgreSQL::Test::Utils::append_to_file(
		"$dir/readers.pgbench", q{\set o random(0, 19)
SELECT load_read('org_load_' || :o);
});
	return;
}

# pgbench_start starts pgbench on a database in the background with the
# arguments given; returns the harness and references to its stdout and stderr.
sub pgbench_start
{
	my ($node, $db, @args) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'pgbench', '-n', @args, $node->connstr($db) ],
		'>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# pgbench_processed returns the transactions pgbench reports as processed
# (each one's COMMIT was acknowledged), or undef when it printed no total.
sub pgbench_processed
{
	my ($out) = @_;
	return $out =~ /^number of transactions actually processed: (\d+)/m
	  ? $1
	  : undef;
}

# sample_deliveries inserts $n deliveries of org_a, org_b and org_c over
# 2025-11-01 to 2025-11-06 with every kind of row; $seed shifts their times.
sub sample_deliveries
{
	my ($node, $db, $n, $seed) = @_;
	$node->safe_psql($db, qq{
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, error,
                            retries, created_at, first_sent_at, delay_ms, done)
SELECT 'webhook_' || (i % 5), (ARRAY['org_a', 'org_b', 'org_c'])[i % 3 + 1],
       'https://s.example/' || (i % 7), 'e.' || (i % 4), (ARRAY[200, 500, 404, NULL])[i % 4 + 1],
       CASE WHEN i % 4 = 3 THEN '{"e": 1}'::jsonb END, i % 3,
       '2025-11-01 00:00+00'::timestamptz + ((i + $seed) * 7919 % 518400) * interval '1 second',
       '2025-11-01 00:00+00'::timestamptz + ((i + $seed) * 7919 % 518400) * interval '1 second'
         + (i % 900) * interval '1 ms',
       i % 500, i % 2
FROM generate_series(1, $n) i});
	return;
}

# oracle_mismatches returns the organizations whose last_7_days response
# (through the summaries) differs from the plain-SQL oracle's ('' when none).
sub oracle_mismatches
{
	my ($node, $db) = @_;
	return $node->safe_psql(
		$db, q{
WITH o AS MATERIALIZED (SELECT DISTINCT organization_id FROM webhook_events)
SELECT coalesce(string_agg(organization_id, ' ' ORDER BY organization_id), '') FROM o
WHERE webhook_analytics_json(o.organization_id, 'last_7_days', '2026-01-01 00:00+00', NULL, 20, 20)
      IS DISTINCT FROM plain_analytics_json(o.organization_id, 'last_7_days', '2026-01-01 00:00+00', NULL, 20, 20)});
}

1;
