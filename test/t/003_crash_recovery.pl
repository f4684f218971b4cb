# 003_crash_recovery.pl: the whole server (postmaster and every backend at
# once) is killed with SIGKILL during writes and started again: it recovers
# from WAL, every delivery whose COMMIT was acknowledged is there, and every
# organization's response through the summaries equals the plain-SQL
# oracle's. The writers: pgbench clients (insert, retry update, delete;
# pgbench counts a transaction once its COMMIT is acknowledged, and each
# inserts one row) and psql sessions inserting one row per statement, which
# print the id of each row whose INSERT the server acknowledged. The kill
# comes once pgbench has written a number of rows, not after a time.
# Short by default; test/load.sh runs it long (see load_params).
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use WhanalyticsTest;

my %p = load_params();
my $recorders = 2;
my $node = new_node('crash', 'log_statement = none');    # not every write in the log
my $dir = PostgreSQL::Test::Utils::tempdir();
load_fixture($node, 'wh_load', $p{rows}, $dir);

# recorder_script writes a psql script of single-row INSERTs with ids of
# its own ($name-1, $name-2, ...), each printing its id once acknowledged.
sub recorder_script
{
	my ($name, $count) = @_;
	my $file = "$dir/$name.sql";
	open my $fh, '>', $file or die "cannot write $file: $!";
	print $fh "PREPARE record(text) AS INSERT INTO webhook_events "
	  . "(webhook_id, organization_id, url, event, created_at, resource_id) "
	  . "VALUES ('webhook_load_1', 'org_load_1', 'u', 'crash', '2025-12-31 12:00+00', \$1) RETURNING resource_id;\n";
	print $fh "EXECUTE record('$name-$_');\n" for 1 .. $count;
	close $fh;
	return $file;
}

# server_pids returns the postmaster's pid and those of its children, from /proc.
sub server_pids
{
	my $postmaster = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
	my @children;
	for my $stat (glob '/proc/[0-9]*/stat')
	{
		open my $fh, '<', $stat or next;    # the process may be gone
		my $line = <$fh> // next;
		push @children, $1 if $line =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $postmaster;
	}
	return ($postmaster, @children);
}

# gone says whether a process has ended and been reaped: until then the
# server refuses to start again (its postmaster.pid names a live pid).
sub gone
{
	my ($pid) = @_;
	return !kill(0, $pid);
}

my $pgbench_rows = "SELECT count(*) FROM webhook_events WHERE resource_id = 'pgbench'";
my $recorded_rows = "SELECT count(*) FROM webhook_events WHERE resource_id LIKE 'crash-%'";
my @acked;    # every id a recorder printed, over all rounds
my ($acked_tx, $lost_tx) = (0, 0);
for my $round (1 .. $p{crashes})
{
	my $before = $node->safe_psql('wh_load', $pgbench_rows);
	my $recorded_before = $node->safe_psql('wh_load', $recorded_rows);
	my ($bench, $bench_out) = pgbench_start($node, 'wh_load', '-f', "$dir/writers.pgbench",
		'-D', "rows=$p{rows}", '-c', $p{clients}, '-j', 2, '-t', 10_000_000);
	my @writers;
	for my $w (1 .. $recorders)
	{
		my $name = "crash-$round-$w";
		my $script = recorder_script($name, 100_000);
		push @writers, [ IPC::Run::start([ 'psql', '-X', '-q', '-At', '-d', $node->connstr('wh_load'), '-f', $script ],
				'>', "$dir/$name.out", '2>', "$dir/$name.err"), "$dir/$name.out" ];
	}
	ok( $node->poll_query_until('wh_load',
			"SELECT ($pgbench_rows) - $before >= $p{crash_after} AND ($recorded_rows) > $recorded_before"),
		"round $round: the writers wrote $p{crash_after} pgbench rows and some recorded ones");

	my @pids = server_pids();
	kill 'KILL', @pids;    # the server dies at once, no backend survives it
	$node->kill9;          # (the node now knows it is down)
	my $gone = 0;
	for (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		last if $gone = !grep { !gone($_) } @pids;
		select undef, undef, undef, 0.1;
	}
	ok($gone, "round $round: SIGKILL ended the postmaster and its " . (@pids - 1) . ' children');
	$bench->finish;    # its clients lost the server
	$_->[0]->finish for @writers;

	my $log_offset = -s $node->logfile;
	$node->start;
	ok($node->log_contains(qr/database system was not properly shut down; automatic recovery in progress/, $log_offset),
		"round $round: the server recovered from WAL");
	my $processed = pgbench_processed($$bench_out);
	ok(defined $processed && $processed > 0, "round $round: pgbench had acknowledged commits (" . ($processed // 'none') . ')');
	my $after = $node->safe_psql('wh_load', $pgbench_rows);
	cmp_ok($after - $before, '>=', $processed // 0,
		"round $round: a row for every one of the $processed acknowledged pgbench transactions");
	$acked_tx += $processed // 0;
	$lost_tx += ($processed // 0) - ($after - $before) if ($processed // 0) > $after - $before;
	push @acked, map { split /\n/, slurp_file($_->[1]) } @writers;
}

my $ids = join(',', map { "'$_'" } @acked);
is( $node->safe_psql('wh_load',
		"SELECT count(*) FROM unnest(ARRAY[$ids]::text[]) a(id)
		 WHERE NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.resource_id = a.id)"),
	0, scalar(@acked) . ' recorded acknowledged commits: none lost');
is(oracle_mismatches($node, 'wh_load'), '', "every organization's response equals the plain-SQL oracle's");
is( $node->safe_psql('wh_load',
		"SELECT string_agg(DISTINCT paths_agree(organization_id, '2025-12-25 07:00+00', '2026-01-01 00:00+00'), ', ')
		 FROM (SELECT DISTINCT organization_id FROM webhook_events) o"),
	'agree', 'summaries, rows and the oracle agree for every organization (a window with a partial day)');
note("the server killed with SIGKILL $p{crashes} time(s) during $p{clients} pgbench writers "
	  . "($acked_tx acknowledged transactions, $lost_tx lost) and $recorders recording writers ("
	  . scalar(@acked) . ' acknowledged commits)');

done_testing();
