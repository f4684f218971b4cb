# 006_subscriber.pl: a logical-replication subscriber answers exactly as
# its publisher at every step, from its own summaries (the apply worker
# fires only row triggers; the replica-mode row trigger keeps them): after
# the initial table copy, replicated INSERT, UPDATE, DELETE, COPY, a
# transaction with a rolled-back savepoint, TRUNCATE, and a failover-style
# re-sync (subscription dropped, tables emptied, copied again). A second
# subscriber database takes a FOR ALL TABLES publication, which carries the
# internal summary tables too: their changes are dropped there and it keeps
# its own summaries.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::Bin/../perl";
use WhanalyticsTest;

my $oracle = slurp_file(tree_file('test/plain_sql.sql'));


my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->start;
my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
$subscriber->append_conf('postgresql.conf', "max_logical_replication_workers = 8\n");
$subscriber->start;


$publisher->safe_psql('postgres', 'CREATE EXTENSION whanalytics');
$publisher->safe_psql('postgres', $oracle);
$publisher->safe_psql('postgres', q{
INSERT INTO webhooks (id, organization_id, url, events)
SELECT 'webhook_' || i, (ARRAY['org_a', 'org_b', 'org_c'])[i % 3 + 1], 'https://l.example', '{a,b}'
FROM generate_series(0, 4) i;
CREATE PUBLICATION deliveries FOR TABLE webhook_events, webhooks;
CREATE PUBLICATION everything FOR ALL TABLES;});
sample_deliveries($publisher, 'postgres', 20000, 0);

my $connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres', 'CREATE DATABASE alltables');
for my $db ('postgres', 'alltables')
{
	$subscriber->safe_psql($db, 'CREATE EXTENSION whanalytics');
	$subscriber->safe_psql($db, $oracle);
}
$subscriber->safe_psql('postgres',
	"CREATE SUBSCRIPTION deliveries CONNECTION '$connstr' PUBLICATION deliveries");
$subscriber->safe_psql('alltables',
	"CREATE SUBSCRIPTION everything CONNECTION '$connstr' PUBLICATION everything");
$subscriber->wait_for_subscription_sync($publisher, 'deliveries', 'postgres');
$subscriber->wait_for_subscription_sync($publisher, 'everything', 'alltables');

# check compares both subscriber databases with the publisher and with plain SQL.
sub check
{
	my ($step) = @_;
	$publisher->wait_for_catchup('deliveries');
	$publisher->wait_for_catchup('everything');
	my ($calls, $differ, $want) = split /\|/, $publisher->safe_psql('postgres', $WINDOW_COMPARISON);
	is($differ, 0, "$step: publisher equals plain SQL ($calls calls)");
	for my $db ('postgres', 'alltables')
	{
		my ($c, $d, $got, $fast) = split /\|/, $subscriber->safe_psql($db, $WINDOW_COMPARISON);
		is($d, 0, "$step: subscriber $db equals plain SQL over its rows");
		is($got, $want, "$step: subscriber $db answers as the publisher");
		is($fast, 't', "$step: subscriber $db answers from its summaries");
	}
}

check('initial copy');

sample_deliveries($publisher, 'postgres', 3000, 1);
check('replicated INSERT');

$publisher->safe_psql('postgres', q{
UPDATE webhook_events SET response_status = 200, retries = retries + 1 WHERE id % 7 = 0;
UPDATE webhook_events SET created_at = created_at + interval '1 day' WHERE id % 13 = 0;
UPDATE webhook_events SET organization_id = 'org_b' WHERE id % 29 = 0 AND organization_id = 'org_a';});
check('replicated UPDATE');

$publisher->safe_psql('postgres', 'DELETE FROM webhook_events WHERE id % 5 = 0');
check('replicated DELETE');

$publisher->safe_psql('postgres', q{
COPY webhook_events (webhook_id, organization_id, url, event, response_status, created_at, delay_ms)
FROM PROGRAM 'seq 1 500 | awk ''{ printf "webhook_1,org_c,https://l.example/copy,copy,%d,2025-11-03 %02d:%02d:00+00,%d\n", 200 + $1 % 3 * 150, $1 % 24, $1 % 60, $1 }''' WITH (FORMAT csv);});
check('replicated COPY');

$publisher->safe_psql('postgres', q{
BEGIN;
INSERT INTO webhook_events (webhook_id, organization_id, url, event, created_at)
SELECT 'webhook_2', 'org_a', 'https://l.example/tx', 'tx', '2025-11-02 00:00+00'::timestamptz + i * interval '1 hour'
FROM generate_series(0, 47) i;
SAVEPOINT undo;
DELETE FROM webhook_events WHERE organization_id = 'org_a';
ROLLBACK TO undo;
UPDATE webhook_events SET done = 1 WHERE event = 'tx';
COMMIT;
BEGIN;
DELETE FROM webhook_events WHERE organization_id = 'org_b';
ROLLBACK;});
check('transaction with a rolled-back savepoint');

$publisher->safe_psql('postgres', 'TRUNCATE webhook_events');
check('replicated TRUNCATE');
is($subscriber->safe_psql('postgres', 'SELECT count(*) FROM webhook_event_summaries'),
	'0', 'replicated TRUNCATE: the subscriber\'s summaries are empty');

sample_deliveries($publisher, 'postgres', 8000, 2);
check('reload after TRUNCATE');

# Failover-style re-sync: the subscription is dropped, the tables emptied
# and copied again while the publisher keeps writing.
$subscriber->safe_psql('postgres', q{
ALTER SUBSCRIPTION deliveries DISABLE;
ALTER SUBSCRIPTION deliveries SET (slot_name = NONE);
DROP SUBSCRIPTION deliveries;
TRUNCATE webhook_events, webhooks;});
$publisher->safe_psql('postgres', q{SELECT pg_drop_replication_slot('deliveries')});
sample_deliveries($publisher, 'postgres', 2000, 3);
$subscriber->safe_psql('postgres',
	"CREATE SUBSCRIPTION deliveries CONNECTION '$connstr' PUBLICATION deliveries");
$subscriber->wait_for_subscription_sync($publisher, 'deliveries', 'postgres');
sample_deliveries($publisher, 'postgres', 1000, 4);
check('re-sync');

# The FOR ALL TABLES subscriber kept its own internal rows.
is($subscriber->safe_psql('alltables', 'SELECT count(*) FROM webhook_summary_status'),
	'1', 'FOR ALL TABLES: the subscriber keeps its own status row');

$subscriber->stop;
$publisher->stop;
done_testing();
