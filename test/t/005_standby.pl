# 005_standby.pl: a physical streaming standby answers every reading
# function exactly as its primary does (and as plain SQL over its own
# rows), from the summaries; maintenance there is a clean 25006; and the
# recovery conflicts that summary churn (compaction deletes, then VACUUM)
# causes a long standby transaction are measured with hot_standby_feedback
# off and on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::Bin/../perl";
use WhanalyticsTest;

my $oracle = slurp_file(tree_file('test/plain_sql.sql'));



my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "wal_receiver_status_interval = 1\n");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION whanalytics');
$primary->safe_psql('postgres', $oracle);
sample_deliveries($primary, 'postgres', 20000, 0);

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', qq{
hot_standby_feedback = off
max_standby_streaming_delay = 1s
wal_receiver_status_interval = 1
});
$standby->start;

# Writes after the base backup reach the standby by WAL, summaries included.
sample_deliveries($primary, 'postgres', 5000, 1);
$primary->safe_psql('postgres', q{
UPDATE webhook_events SET response_status = 200 WHERE id % 11 = 0;
DELETE FROM webhook_events WHERE id % 17 = 0;
SELECT webhook_summaries_compact();});
$primary->wait_for_catchup($standby, 'replay');

my ($calls, $differ, $on_primary, $fast) = split /\|/, $primary->safe_psql('postgres', $WINDOW_COMPARISON);
my ($s_calls, $s_differ, $on_standby, $s_fast) = split /\|/, $standby->safe_psql('postgres', $WINDOW_COMPARISON);
is($differ, 0, "primary: $calls calls equal plain SQL");
is($s_differ, 0, "standby: $s_calls calls equal plain SQL over its rows");
is($on_standby, $on_primary, 'standby: every response equals the primary\'s');
is($s_fast, 't', 'standby: the summaries answer');
is($standby->safe_psql('postgres', q{
SELECT (SELECT array_agg(d ORDER BY d.day) FROM webhook_day_metrics('org_a', '2025-11-01 05:00+00', '2025-11-06 03:00+00') d)
       IS NOT DISTINCT FROM
       (SELECT array_agg(d ORDER BY d.day) FROM plain_day_metrics('org_a', '2025-11-01 05:00+00', '2025-11-06 03:00+00') d)
   AND (SELECT array_agg(h ORDER BY h.hour) FROM webhook_hourly_metrics('org_b', '2025-11-02 05:00+00', '2025-11-04 03:00+00') h)
       IS NOT DISTINCT FROM
       (SELECT array_agg(h ORDER BY h.hour) FROM plain_hourly_metrics('org_b', '2025-11-02 05:00+00', '2025-11-04 03:00+00') h)}),
	't', 'standby: day and hour series equal plain SQL');

# Maintenance cannot write on a standby: 25006 with a hint, never XX000.
for my $function ('webhook_summaries_compact()', 'webhook_summaries_rebuild()')
{
	my ($rc, $out, $err) = $standby->psql('postgres', "\\set VERBOSITY verbose\nSELECT $function");
	like($err, qr/ERROR:  25006: cannot run \Q$function\E on a standby/, "standby: $function is 25006");
	like($err, qr/HINT:  Run it on the primary/, "standby: $function has a hint");
}

# churn makes summary rows die on the primary and vacuums them away.
sub churn
{
	for my $i (1 .. 20)
	{
		$primary->safe_psql('postgres', qq{
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
VALUES ('webhook_1', 'org_a', 'https://s.example/c', 'churn', '2025-11-03 12:00+00'::timestamptz + $i * interval '1 minute')});
	}
	$primary->safe_psql('postgres', 'SELECT webhook_summaries_compact()');
	$primary->safe_psql('postgres', 'VACUUM webhook_event_summaries');
	$primary->wait_for_catchup($standby, 'replay');
}

# conflicts reads the standby's count of snapshot conflicts.
sub conflicts
{
	return $standby->safe_psql('postgres',
		"SELECT confl_snapshot FROM pg_stat_database_conflicts WHERE datname = 'postgres'");
}

# A long REPEATABLE READ transaction on the standby holds a snapshot while
# the primary compacts and vacuums: without feedback, replay waits
# max_standby_streaming_delay and then cancels the standby transaction.
my $before = conflicts();
my $reader = $standby->background_psql('postgres', on_error_stop => 0);
$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$reader->query_safe(q{SELECT webhook_analytics_json_between('org_a', '2025-11-01', '2025-11-06')});
churn();
$standby->poll_query_until('postgres',
	"SELECT confl_snapshot > $before FROM pg_stat_database_conflicts WHERE datname = 'postgres'")
  or die 'no recovery conflict was counted';
my $without_feedback = conflicts() - $before;
$reader->quit;
cmp_ok($without_feedback, '>=', 1,
	"hot_standby_feedback off: summary churn canceled the standby transaction ($without_feedback snapshot conflicts)");

# With hot_standby_feedback the primary keeps the rows the standby's snapshot needs.
$standby->append_conf('postgresql.conf', "hot_standby_feedback = on\n");
$standby->reload;
$before = conflicts();
$reader = $standby->background_psql('postgres', on_error_stop => 0);
$reader->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $first = $reader->query_safe(q{SELECT md5(webhook_analytics_json_between('org_a', '2025-11-01', '2025-11-06')::text)});
$primary->poll_query_until('postgres',
	'SELECT count(*) = 1 FROM pg_stat_replication WHERE backend_xmin IS NOT NULL')
  or die 'the standby sent no feedback';
churn();
my $again = $reader->query_safe(q{SELECT md5(webhook_analytics_json_between('org_a', '2025-11-01', '2025-11-06')::text)});
$reader->query_safe('COMMIT');
$reader->quit;
my $with_feedback = conflicts() - $before;
is($with_feedback, 0, 'hot_standby_feedback on: no snapshot conflict from summary churn');
is($again, $first, 'hot_standby_feedback on: the long transaction kept its exact answer');
diag("recovery conflicts from summary churn (20 inserts, compaction, VACUUM): "
	  . "feedback off $without_feedback, feedback on $with_feedback");

$standby->stop;
$primary->stop;
done_testing();
