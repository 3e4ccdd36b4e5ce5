#!/usr/bin/env python3
"""The figures of tools/bench/paging/paging.sh, from the key=value files its helpers wrote into the
run's directory (paging_bench run and kafka-floor, the script's log counts) and the setup block:
a detailed table, then rows to paste into the README's Figures table. Standard library only.
Prints; writes --json."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from bench_report import fmt, num, read_kv, stats, typed  # noqa: E402

TARGET_MS = 1000.0  # issue 8: p99 <= 1 s from the deadline


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--json', required=True)
    a = ap.parse_args()
    run = read_kv(f'{a.dir}/run.out')
    floor = read_kv(f'{a.dir}/floor.out')
    logs = read_kv(f'{a.dir}/logs.out')
    setup = read_kv(f'{a.dir}/setup.out', ':')
    if not run:
        print('paging report: no run.out', file=sys.stderr)
        return 1

    n, rate, arrival = run.get('n'), run.get('rate'), run.get('arrival_s')
    esc_p99 = num(run, 'esc_page_p99_ms')
    met = esc_p99 is not None and esc_p99 <= TARGET_MS
    verdict = f"p99 <= 1 s from the deadline: **{'met' if met else 'not met'}**"
    problems = []
    for key in ('missing', 'late_beyond_grace', 'duplicates', 'raw_repeats', 'unexpected', 'repages',
                'stream_errors', 'missed_repeats', 'missed_fired_early'):
        if num(run, key):
            problems.append(f'{key} {run[key]}')
    missed_expected = 2 * int(n or 0)
    if run.get('missed_read') and int(run['missed_read']) != missed_expected:
        problems.append(f"DeadlineMissed read {run['missed_read']} of {missed_expected}")
    for s in ('timers', 'paging'):
        w, e = logs.get(f'{s}_warnings', '0'), logs.get(f'{s}_errors', '0')
        if w != '0' or e != '0':
            problems.append(f"csec-{s} log during the run: {w} warnings, {e} errors "
                            f"({logs.get(f'{s}_problem_events', '')})")

    floor_load = stats(run, 'load_floor')
    floor_idle = stats(floor, 'floor')
    rows = [
        ('CaseRouted produced -> first case_routed page received on WatchPages',
         stats(run, 'routed_first'), f"Kafka alone at {rate}/s: {floor_load} under load, {floor_idle} idle"),
        ('  ... each routed page (team and advocacy on-call, 2N)', stats(run, 'routed_page'), ''),
        ('  ... produced -> PageSent.sent_at (Kafka in, paging decides and produces)', stats(run, 'routed_svc'), ''),
        ('  ... sent_at -> received (Kafka out, WatchPages, gRPC)', stats(run, 'routed_stream'), ''),
        ('deadline due_at -> escalation page received, every page (both deadlines, 4N)',
         stats(run, 'esc_page'), verdict),
        ('  ... responder_arrival, first page per case (N)', stats(run, 'esc_first'), ''),
        ('  ... responder_arrival pages (mart-supervisor, cph-supervisor, 2N)', stats(run, 'esc_resp_page'), ''),
        ('  ... advocate_arrival pages (advocacy-supervisor, cph-supervisor, 2N)', stats(run, 'esc_adv_page'), ''),
        ("  ... timers' part: DeadlineMissed.fired_at - due_at (responder_arrival, N)", stats(run, 'esc_timers'),
         f"advocate_arrival: {stats(run, 'esc_adv_timers')}"),
        ("  ... paging's part: fired_at -> first page received", stats(run, 'esc_paging'), ''),
        ('  ...   of it fired_at -> sent_at (Kafka in, paging decides and produces)', stats(run, 'esc_svc'), ''),
        ('  ...   of it sent_at -> received (Kafka out, WatchPages, gRPC)', stats(run, 'esc_stream'), ''),
    ]
    print('== results (ms: p50 / p99 / max)')
    w = max(len(r[0]) for r in rows)
    for what, figure, ref in rows:
        print(f'{what:<{w}}  {figure:>26}  {ref}')
    print()
    print(f"pages: {run.get('pages_received')} of {run.get('pages_expected')} received over {run.get('streams')} "
          f"streams ({run.get('watched')}); missing {run.get('missing')}, duplicates {run.get('duplicates')}, "
          f"raw repeats {run.get('raw_repeats')}, re-pages {run.get('repages')}, unexpected {run.get('unexpected')}"
          + (f" ({run['unexpected_kinds']})" if run.get('unexpected_kinds') else '')
          + f"; DeadlineMissed read {run.get('missed_read')} of {missed_expected}; feed {fmt(num(run, 'feed_rate'))}/s achieved")
    for s in ('timers', 'paging'):
        print(f"csec-{s} log, during the run and shutdown: {logs.get(f'{s}_warnings', 'n/a')} warnings, "
              f"{logs.get(f'{s}_errors', 'n/a')} errors"
              + (f" ({logs[f'{s}_problem_events']})" if logs.get(f'{s}_problem_events') else '')
              + f"; at start-up: {logs.get(f'{s}_startup_warnings', 'n/a')} warnings, "
              f"{logs.get(f'{s}_startup_errors', 'n/a')} errors"
              + (f" ({logs[f'{s}_startup_problem_events']})" if logs.get(f'{s}_startup_problem_events') else ''))
    print(f"load average (1/5/15 min): at start {setup.get('load average', 'n/a').split(' (')[0]}, "
          f"at end {logs.get('loadavg_end', 'n/a')}")
    print('problems: ' + ('; '.join(problems) if problems else 'none'))

    # Rows for README.md's Figures table (| what | figure | how |).
    when = setup.get('date', 'n/a')
    machine = (f"{setup.get('cpus', '?')} cpus, {setup.get('build type', '?')}, "
               f"load {setup.get('load average', 'n/a').split(' (')[0]}")
    how = (f'`tools/bench/paging/paging.sh --n {n} --rate {rate} --arrival {arrival}` '
           f'({when}, {machine})')
    print()
    print('== README rows')
    print(f"| paging: CaseRouted → first page on a WatchPages stream, {int(n or 0):,} cases at {rate}/s, "
          f"p50 / p99 / max | {stats(run, 'routed_first')} ms (Kafka alone at {rate}/s, same broker, same run: "
          f"{floor_load} ms under the load, {floor_idle} ms idle) | {how} |")
    print(f"| paging: deadline → escalation page on a WatchPages stream, every page of {int(n or 0):,} cases' "
          f"two {arrival}-s arrival deadlines, p50 / p99 / max | **{stats(run, 'esc_page')} ms** (target p99 ≤ 1 s: "
          f"**{'met' if met else 'not met'}**); of it timers `fired_at` − due {stats(run, 'esc_timers')} ms, "
          f"paging (fired → received) {stats(run, 'esc_paging')} ms; missing {run.get('missing')}, "
          f"duplicates {run.get('duplicates')} | same |")

    summary = {'setup': setup, 'run': typed(run), 'floor': typed(floor), 'logs': typed(logs),
               'target_p99_ms': TARGET_MS, 'target_met': met, 'problems': problems}
    with open(a.json, 'w') as f:
        json.dump(summary, f, indent=2, sort_keys=True)
    print(f'\nsummary: {a.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
