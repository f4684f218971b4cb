#!/usr/bin/env python3
"""compaction_model.py - a model of how writers merge one day's summary rows.

    python3 bench/compaction_model.py

Replays single-row writes into one (organization, day) under compaction
policies like ChooseRows in src/summary_write.c, and prints per write the
bytes inserted (the WAL the summary rows cost), an estimate of the
instructions, and the read cost of the day's rows against one compacted
row (average and worst over the writes). Its assumptions, not measured
here: a summary of k rows is about 100 + 40 k^0.8 bytes (120-200 for one
row, ~67 kB for the largest bench organization's day); a merge costs
50,000 instructions of fixed work, 8,000 per row it deletes and 15 per byte
it decodes or encodes; a scan or an insert 25,000; a read pays 300 bytes'
worth per row. It agrees with what bench/callgrind_writers.sh measured on
2026-12-03: comparing sizes by power of two with 4 deltas costs more
instructions than the library's rule (while writing fewer bytes), and
folding at a quarter costs fewer over the first writes after a bulk load;
it predicts that the quarter costs more over a day of writes. Use it to
shortlist a policy, then measure it with callgrind_writers.sh and
./run bench.
"""
import math
import random
import statistics


def size(k, noise):
    """Bytes of a summary of k rows of one (organization, day)."""
    return int((100 + 40 * k ** 0.8) * (1 + noise))


def size_class(s):
    """The power of two a size is in."""
    return int(math.log2(s))


def choose(sizes, share, max_deltas, rule):
    """Indexes of the rows to merge, or None: ChooseRows with a variant rule.

    rule 'all' is the library's (like sizes compared in bytes, every delta
    beyond max_deltas); 'need' merges only enough of the smallest beyond it;
    'class' compares sizes by power of two, and merges as 'need' does.
    """
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    if len(order) < 2:
        return None
    base, deltas = order[-1], order[:-1]
    if sum(sizes[i] for i in deltas) * share >= sizes[base]:
        return order
    if len(deltas) > max_deltas and rule == 'all':
        return deltas
    if rule == 'class':
        alike = lambda s, group: size_class(s) <= size_class(group)
    else:
        alike = lambda s, group: s <= group
    group, n = sizes[deltas[0]], 1
    while n < len(deltas) and alike(sizes[deltas[n]], group):
        group += sizes[deltas[n]]
        n += 1
    need = len(deltas) - max_deltas + 1 if len(deltas) > max_deltas else 2
    if n < need and len(deltas) <= max_deltas:
        return None
    return deltas[:max(n, need)]


def replay(rows_before, writes, share, max_deltas, rule, seed):
    """WAL bytes, instructions per write, average and worst read cost."""
    rnd = random.Random(seed)
    rows, sizes = [rows_before], [size(rows_before, 0)]
    wal = instructions = 0
    reads = []
    for _ in range(writes):
        rows.append(1)
        sizes.append(120 + rnd.randint(0, 80))
        instructions += 25000 + 15 * sizes[-1]  # the day's scan, encoding the delta
        pick = choose(sizes, share, max_deltas, rule)
        if pick is None:
            wal += sizes[-1]
            instructions += 25000
        else:
            k = sum(rows[i] for i in pick)
            merged = size(k, rnd.uniform(-0.03, 0.03))
            instructions += (50000 + 15 * (sum(sizes[i] for i in pick) + merged)
                             + 8000 * (len(pick) - 1) + 25000)
            keep = [i for i in range(len(rows)) if i not in pick]
            rows = [rows[i] for i in keep] + [k]
            sizes = [sizes[i] for i in keep] + [merged]
            wal += merged
        reads.append((sum(sizes) + 300 * len(rows)) / (size(sum(rows), 0) + 300))
    return wal / writes, instructions / writes, statistics.mean(reads), max(reads)


def main():
    policies = [(8, 3, 'all'), (8, 3, 'need'), (8, 3, 'class'), (8, 4, 'class'), (4, 3, 'all')]
    print("rows before  writes  policy         WAL/write  instr/write  read avg  read max")
    # a bulk-loaded day and a few writes (callgrind_writers.sh), then a day of writes
    for rows_before, writes in ((500, 20), (2000, 80), (7000, 400), (50, 300),
                                (500, 3000), (2000, 10000), (7000, 20000)):
        seeds = range(20 if writes < 1000 else 3)
        for share, max_deltas, rule in policies:
            runs = [replay(rows_before, writes, share, max_deltas, rule, s) for s in seeds]
            mean = [statistics.mean(r[i] for r in runs) for i in range(3)]
            worst = max(r[3] for r in runs)
            print(f"{rows_before:11d} {writes:7d}  1/{share} {max_deltas} {rule:5s} "
                  f"{mean[0]:10.0f} {mean[1]:12.0f} {mean[2]:9.3f} {worst:9.3f}")


if __name__ == '__main__':
    main()
