#!/usr/bin/env python3
"""The figures of tools/bench/medical/medical.sh, from the key=value files its helpers wrote into the
run's directory (medical_bench book, redis-book and kafka-echo; the script's per-process counts and
log counts) and the setup block: a table, the invariants, rows to paste into the README's Figures
table, and a JSON summary (--json). Standard library only. Exits 3 when an invariant failed."""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from bench_report import fmt, num, read_kv, stats, typed  # noqa: E402

RUNS = ('contended', 'uncontended', 'ref_contended', 'ref_uncontended', 'ref_case')


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return 'n/a'
    return f'{a / b:.{digits}f}×'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--json', required=True)
    a = ap.parse_args()
    runs = {r: read_kv(f'{a.dir}/{r}.out') for r in RUNS}
    echo = read_kv(f'{a.dir}/echo.out')
    meta = read_kv(f'{a.dir}/meta.out')
    logs = read_kv(f'{a.dir}/logs.out')
    setup = read_kv(f'{a.dir}/setup.out', ':')
    missing = [r for r in RUNS if not runs[r]] + ([] if echo else ['echo'])
    if missing:
        print(f"medical report: no output of {', '.join(missing)}", file=sys.stderr)
        return 1
    con, unc = runs['contended'], runs['uncontended']
    rcon, runc, rcase = runs['ref_contended'], runs['ref_uncontended'], runs['ref_case']
    n, slots, offered_unc = con.get('n'), con.get('offered'), unc.get('offered')
    rate = int(con.get('rate') or 0)
    feed = 'at once' if rate == 0 else f'at {rate}/s'
    threads = rcon.get('threads')
    dps = {r: num(runs[r], 'decisions_per_s') for r in RUNS}
    echo_per_s = num(echo, 'echo_per_s')
    workers_total = (num(meta, 'processes') or 0) * (num(meta, 'workers') or 0)

    def per_worker(rate_per_s):
        return workers_total * 1000.0 / rate_per_s if rate_per_s and workers_total else None

    rows = [
        (f'contended: decisions/s ({n} cases, {slots} slots)', fmt(dps['contended']),
         f"Redis alone, Book: {fmt(dps['ref_contended'])}/s", ratio(dps['contended'], dps['ref_contended'], 3)),
        ('  ... against every Redis call per case (lock, load, book, save, unlock)', '',
         f"Redis alone, per case: {fmt(dps['ref_case'])}/s", ratio(dps['contended'], dps['ref_case'], 3)),
        (f'uncontended: decisions/s ({n} cases, {offered_unc} exam times)', fmt(dps['uncontended']),
         f"Redis alone, Book: {fmt(dps['ref_uncontended'])}/s", ratio(dps['uncontended'], dps['ref_uncontended'], 3)),
        ('contended: CaseRouted produced -> decision read, ms p50 / p99 / max', stats(con, 'latency'),
         f"Kafka alone, 2 hops: {stats(echo, 'echo_rt')}", ratio(num(con, 'latency_p99_ms'), num(echo, 'echo_rt_p99_ms'), 1) + ' (p99)'),
        ('uncontended: CaseRouted produced -> decision read, ms p50 / p99 / max', stats(unc, 'latency'),
         f"Kafka alone, 2 hops: {stats(echo, 'echo_rt')}", ratio(num(unc, 'latency_p99_ms'), num(echo, 'echo_rt_p99_ms'), 1) + ' (p99)'),
        ('Redis alone: one Book, ms p50 / p99 / max (contended | uncontended)',
         f"{stats(rcon, 'latency', 2)} | {stats(runc, 'latency', 2)}", f"per case: {stats(rcase, 'latency', 2)}", ''),
        ('each booking worker: ms per decision (processes x workers / decisions/s), contended | uncontended',
         f"{fmt(per_worker(dps['contended']), 2)} | {fmt(per_worker(dps['uncontended']), 2)}",
         f"Redis alone per case p50 {fmt(num(rcase, 'latency_p50_ms'), 2)}, Kafka alone first hop p50 {fmt(num(echo, 'echo_hop_p50_ms'), 1)}", ''),
        ('Kafka alone: messages/s through both hops', fmt(echo_per_s), f"first hop {stats(echo, 'echo_hop')} ms", ''),
    ]
    if rate:  # the feed sets the pace: the service's decisions/s is at most --rate, no capacity figure
        rows = [r for r in rows if not r[0].startswith('each booking worker')]
        rows = [(r[0], r[1], r[2], r[3] + (' (paced by --rate)' if ('decisions/s' in r[0] or 'Redis call' in r[0]) else '')) for r in rows]
    print(f"== results ({n} CaseRouted {feed}; {setup.get('service', '').split(', ', 1)[-1]})")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    print(f"{'figure':<{w0}}  {'service':>{w1}}  {'reference, same run':<{w2}}  ratio")
    for what, figure, ref, rt in rows:
        print(f'{what:<{w0}}  {figure:>{w1}}  {ref:<{w2}}  {rt}')

    print()
    print('invariants (counts from the decisions read and from the hub days in Redis):')
    failed_runs = []
    for r in RUNS:
        v = runs[r]
        line = (f"  {r:<16} scheduled {v.get('scheduled')} of {v.get('expected_scheduled')} expected, "
                f"failed {v.get('failed')} (no_capacity {v.get('failed_no_capacity')}, other {v.get('failed_other_causes')}), "
                f"missing {v.get('missing')}, distinct slots {v.get('distinct_slots')}, slot conflicts {v.get('slot_conflicts')}, "
                f"outside the calendar {v.get('outside_plan')}")
        if not r.startswith('ref_'):
            line += f", event ids read twice {v.get('raw_repeats')}, second decisions {v.get('second_decisions')}"
        else:
            line += f", Redis errors {v.get('errors')}"
        line += (f"; Redis: {v.get('redis_held')} slots held, booked counters {v.get('redis_booked_counter')}, "
                 f"disagreeing {v.get('redis_mismatched')}, over capacity {v.get('redis_over_capacity')}, "
                 f"foreign {v.get('redis_foreign')} -> {'ok' if v.get('ok') == '1' else 'FAILED: ' + v.get('violations', '?')}")
        print(line)
        if v.get('ok') != '1':
            failed_runs.append(r)
    print(f"  calendar, contended: {con.get('calendar')} (the other {int(num(con, 'hub_days') or 0) - int(num(con, 'open_hub_days') or 0)} "
          f"hub days of the window closed)")
    print(f"decisions by process (csec_medical_bookings_total): contended {meta.get('contended_by_process', 'n/a')}, "
          f"uncontended {meta.get('uncontended_by_process', 'n/a')}; consumer group settled after "
          f"{meta.get('group_settled_s', 'n/a')} s ({meta.get('partitions_assigned', 'n/a')} partitions), "
          f"warm-up rounds {meta.get('warmup_rounds', 'n/a')}")
    print(f"feed achieved: contended {fmt(num(con, 'feed_rate'), 0)}/s, uncontended {fmt(num(unc, 'feed_rate'), 0)}/s, "
          f"Kafka alone {fmt(num(echo, 'echo_feed_rate'), 0)}/s; Kafka alone read back {echo.get('echo_read')} of {echo.get('echo_n')}")
    for k in sorted(logs):
        m = re.fullmatch(r'medical(\d+)_warnings', k)
        if m:
            i = m.group(1)
            print(f"csec-medical {i} log during the runs: {logs[k]} warnings, {logs.get(f'medical{i}_errors')} errors"
                  + (f" ({logs[f'medical{i}_problem_events']})" if logs.get(f'medical{i}_problem_events') else ''))
    print(f"load average (1/5/15 min): at start {setup.get('load average', 'n/a').split(' (')[0]}, "
          f"at end {logs.get('loadavg_end', 'n/a')}")
    print('invariants: ' + ('all held' if not failed_runs else 'FAILED in ' + ', '.join(failed_runs)))

    when = setup.get('date', 'n/a')
    machine = (f"{setup.get('cpus', '?')} cpus, {setup.get('build type', '?')}, "
               f"load {setup.get('load average', 'n/a').split(' (')[0]}")
    procs = meta.get('processes', '?')
    how = (f'`tools/bench/medical/medical.sh --n {n} --slots {slots} --spread {con.get("open_hub_days")} --processes {procs} --workers {meta.get("workers", "?")}'
           + (f' --rate {rate}' if rate else '') + f'` ({when}, {machine})')
    print()
    print('== README rows')
    print(f"| medical: bookings decided/s, {int(n or 0):,} SPA 4 cases routed {feed} for {slots} slots, {procs} processes "
          f"| **{fmt(dps['contended'])}/s = {ratio(dps['contended'], dps['ref_contended'], 3)} Redis alone** "
          f"(the booking script from {threads} threads, same run: {fmt(dps['ref_contended'])}/s; every Redis call "
          f"per case: {fmt(dps['ref_case'])}/s); {con.get('scheduled')} scheduled, {con.get('failed_no_capacity')} "
          f"no_capacity, slot conflicts {con.get('slot_conflicts')}, second decisions {con.get('second_decisions')} | {how} |")
    print(f"| medical: CaseRouted → decision read, same run, p50 / p99 / max | contended {stats(con, 'latency')} ms, "
          f"uncontended {stats(unc, 'latency')} ms (Kafka alone, two hops, fed the same way: {stats(echo, 'echo_rt')} ms) | same |")
    print(f"| medical: bookings decided/s, uncontended (every case gets a slot) | {fmt(dps['uncontended'])}/s = "
          f"{ratio(dps['uncontended'], dps['ref_uncontended'], 3)} Redis alone ({fmt(dps['ref_uncontended'])}/s) | same |")

    summary = {'setup': setup, 'runs': {r: typed(runs[r]) for r in RUNS}, 'echo': typed(echo),
               'meta': typed(meta), 'logs': typed(logs),
               'ratios': {'contended_vs_redis_book': dps['contended'] / dps['ref_contended'] if dps['ref_contended'] else None,
                          'contended_vs_redis_case': dps['contended'] / dps['ref_case'] if dps['ref_case'] else None,
                          'uncontended_vs_redis_book': dps['uncontended'] / dps['ref_uncontended'] if dps['ref_uncontended'] else None},
               'invariants_held': not failed_runs, 'failed_runs': failed_runs}
    with open(a.json, 'w') as f:
        json.dump(summary, f, indent=2, sort_keys=True)
    print(f'\nsummary: {a.json}')
    return 3 if failed_runs else 0


if __name__ == '__main__':
    sys.exit(main())
