# 002_update_chain.pl: ALTER EXTENSION whanalytics UPDATE, from every earlier
# version the installed files offer, keeps every row and every answer, and
# ends with exactly the objects a fresh install of the default version has.
# For each older version: install it, fill it (the demo data pinned to a
# fixed as_of, with an edge row), take a fingerprint (rows, identity counter,
# responses) and check the summaries against the rows and the plain-SQL
# oracle; then update one step at a time along PostgreSQL's update path,
# repeating both checks after each step; then write more rows (the triggers
# must still keep the summaries) and compare test/extension_objects.sql's
# listing with a fresh install's.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use WhanalyticsTest;

my $node = new_node('main');
my $objects_sql = PostgreSQL::Test::Utils::slurp_file(tree_file('test/extension_objects.sql'));

$node->safe_psql('postgres', 'CREATE DATABASE wh_fresh');
$node->safe_psql('wh_fresh', 'CREATE EXTENSION whanalytics');
my $default = $node->safe_psql('wh_fresh',
	"SELECT extversion FROM pg_extension WHERE extname = 'whanalytics'");
my $fresh_objects = $node->safe_psql('wh_fresh', $objects_sql);
my @olds = split /\n/, $node->safe_psql('wh_fresh',
	"SELECT source FROM pg_extension_update_paths('whanalytics')
	 WHERE target = '$default' AND path IS NOT NULL ORDER BY source");
ok(@olds > 0, "some earlier version has an update path to $default (@olds)");

for my $old (@olds)
{
	my $db = 'wh_from_' . ($old =~ s/\W/_/gr);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION whanalytics VERSION '$old'");
	psql_files($node, $db, 'demo/sample_data.sql', 'test/pinned_demo.sql',
		'test/plain_sql.sql', 'test/helpers.sql');
	my $before = fingerprint($node, $db);
	is(agreement($node, $db), 'agree', "$old, before updating: summaries, rows and the oracle agree");

	my $path = $node->safe_psql($db,
		"SELECT path FROM pg_extension_update_paths('whanalytics')
		 WHERE source = '$old' AND target = '$default'");
	my @steps = split /--/, $path;
	shift @steps;
	for my $step (@steps)
	{
		$node->safe_psql($db, "ALTER EXTENSION whanalytics UPDATE TO '$step'");
		is(fingerprint($node, $db), $before, "$old -> $step: every row, the identity counter and every response unchanged");
		is(agreement($node, $db), 'agree', "$old -> $step: summaries, rows and the oracle agree");
	}

	# Writes after the update: the triggers still keep the summaries exact.
	$node->safe_psql(
		$db, q{
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at)
SELECT 'webhook_edge', 'org_edge', 'https://edge/' || i % 3, 'after.update', 500,
       '2026-01-05 10:00+00'::timestamptz + i * interval '1 min'
FROM generate_series(1, 500) i;
UPDATE webhook_events SET response_status = 200, done = 1 WHERE organization_id = 'org_edge' AND id % 2 = 0;
DELETE FROM webhook_events WHERE organization_id = 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827' AND id % 5 = 0;});
	is(agreement($node, $db), 'agree', "$path, then inserts, updates and deletes: summaries, rows and the oracle agree");
	is($node->safe_psql($db, $objects_sql), $fresh_objects,
		"$path: the objects equal a fresh install's ("
		  . scalar(split /\n/, $fresh_objects) . ' lines of test/extension_objects.sql)');
}

done_testing();
