#!/usr/bin/env python3
"""The table and JSON summary of tools/bench/timers/timers.sh, from the key=value files its helpers
wrote into the run's directory (timers_bench phase/kafka-floor, bullmq_peer.mjs, the script's own
Redis readings). Standard library only. Prints; writes --json."""
import argparse
import json
import math
import re
import sys


def read_kv(path):
    values = {}
    try:
        with open(path) as f:
            for line in f:
                if '=' in line:
                    k, v = line.rstrip('\n').split('=', 1)
                    values[k] = v
    except FileNotFoundError:
        pass
    return values


def typed(values):
    """key=value strings as JSON numbers where they are numbers (inf stays a string: JSON has none)."""
    out = {}
    for k, v in values.items():
        try:
            f = float(v)
            out[k] = v if math.isinf(f) or math.isnan(f) else (int(f) if re.fullmatch(r'-?\d+', v) else f)
        except ValueError:
            out[k] = v
    return out


def num(values, key):
    """The value as a float (inf for 'inf'), or None when missing."""
    v = values.get(key)
    if v is None or v == '':
        return None
    try:
        return float(v)
    except ValueError:
        return None


def fmt(v, digits=1, unit=''):
    if v is None:
        return 'n/a'
    if math.isinf(v):
        return 'never'  # that share of the waits was never fired within the phase
    return f'{v:,.{digits}f}{unit}'


def ratio(a, b):
    if a is None or b is None or b == 0 or math.isinf(a) or math.isinf(b):
        return 'n/a'
    return f'{a / b:.3g}x'


def verdict(ok):
    return 'n/a' if ok is None else ('met' if ok else 'NOT met')


def main():
    p = argparse.ArgumentParser()
    for name in ('dir', 'json'):
        p.add_argument('--' + name, required=True)
    for name in ('n', 'window', 'burst', 'recovery', 'recovery-window', 'kill-after', 'grace', 'peer-cap', 'peer'):
        p.add_argument('--' + name, type=int, required=True)
    p.add_argument('--lease', type=float, required=True)
    a = p.parse_args()
    d = a.dir

    spread, burst, recovery = read_kv(f'{d}/spread.out'), read_kv(f'{d}/burst.out'), read_kv(f'{d}/recovery.out')
    spread_mem, burst_mem = read_kv(f'{d}/spread.mem'), read_kv(f'{d}/burst.mem')
    restart, floor, warmup = read_kv(f'{d}/recovery.restart'), read_kv(f'{d}/floor.out'), read_kv(f'{d}/warmup.out')
    peer_spread, peer_burst = read_kv(f'{d}/peer-spread.out'), read_kv(f'{d}/peer-burst.out')
    peer_on = a.peer == 1
    setup = {}
    with open(f'{d}/setup.out') as f:
        for line in f:
            m = re.match(r'^([^:]+):\s+(.*)$', line.rstrip('\n'))
            if m and not line.startswith('=='):
                setup[m.group(1).strip()] = m.group(2).strip()

    def peer(values, key):
        return num(values, key) if peer_on else None

    rows = []  # (figure, csec, bullmq, ratio, target)
    targets = []  # (name, ok)

    demanded = a.n / a.window
    s_p50, s_p99, s_max = num(spread, 'late_p50_ms'), num(spread, 'late_p99_ms'), num(spread, 'late_max_ms')
    b_p50, b_p99, b_max = (peer(peer_spread, 'peer_late_p50_ms'), peer(peer_spread, 'peer_late_p99_ms'),
                           peer(peer_spread, 'peer_late_max_ms'))
    svc = lambda v, k: f" (service {fmt(num(v, k), 1)})"
    rows.append((f'spread {a.n:,} over {a.window} s: lateness p50, ms', fmt(s_p50, 1) + svc(spread, 'svc_late_p50_ms'),
                 fmt(b_p50, 1), ratio(s_p50, b_p50), ''))
    ok_p99 = None if s_p99 is None else s_p99 <= 25
    ok_max = None if s_max is None else s_max <= 100
    rows.append(('spread: lateness p99, ms', fmt(s_p99, 1) + svc(spread, 'svc_late_p99_ms'), fmt(b_p99, 1),
                 ratio(s_p99, b_p99), f'<= 25 ms: {verdict(ok_p99)}'))
    rows.append(('spread: lateness max, ms', fmt(s_max, 1) + svc(spread, 'svc_late_max_ms'), fmt(b_max, 1),
                 ratio(s_max, b_max), f'<= 100 ms: {verdict(ok_max)}'))
    targets += [('spread lateness p99 <= 25 ms (end to end)', ok_p99), ('spread lateness max <= 100 ms (end to end)', ok_max)]
    s_rate, b_rate = num(spread, 'fire_rate'), peer(peer_spread, 'peer_fire_rate')
    rows.append((f'spread: fires/s achieved ({demanded:,.0f}/s demanded)', fmt(s_rate, 0), fmt(b_rate, 0),
                 ratio(s_rate, b_rate), ''))
    s_lost, s_dup = num(spread, 'lost'), num(spread, 'duplicates')
    rows.append((f'spread: lost (not fired by due + {a.grace} s) / duplicates / raw repeats',
                 f"{fmt(s_lost, 0)} / {fmt(s_dup, 0)} / {fmt(num(spread, 'raw_repeats'), 0)}",
                 f"{fmt(peer(peer_spread, 'peer_lost'), 0)} / n/a / {fmt(peer(peer_spread, 'peer_repeats'), 0)}", '',
                 '0 / 0: ' + verdict(None if s_lost is None else s_lost == 0 and s_dup == 0)))
    targets.append(('spread lost = 0 and duplicates = 0', None if s_lost is None else s_lost == 0 and s_dup == 0))

    u_rate, v_rate = num(burst, 'fire_rate'), peer(peer_burst, 'peer_fire_rate')
    ok_rate = None if u_rate is None or v_rate is None else u_rate >= 5 * v_rate
    rows.append((f'burst {a.burst:,} due at one instant: fires/s', fmt(u_rate, 0), fmt(v_rate, 0), ratio(u_rate, v_rate),
                 f'>= 5x BullMQ: {verdict(ok_rate)}'))
    targets.append(('burst fire rate >= 5x BullMQ', ok_rate))
    rows.append(('burst: lateness p50 / p99 / max, ms',
                 ' / '.join(fmt(num(burst, k), 0) for k in ('late_p50_ms', 'late_p99_ms', 'late_max_ms')),
                 ' / '.join(fmt(peer(peer_burst, k), 0) for k in ('peer_late_p50_ms', 'peer_late_p99_ms', 'peer_late_max_ms')),
                 '', ''))
    rows.append(('burst: lost / raw repeats', f"{fmt(num(burst, 'lost'), 0)} / {fmt(num(burst, 'raw_repeats'), 0)}",
                 f"{fmt(peer(peer_burst, 'peer_lost'), 0)} / {fmt(peer(peer_burst, 'peer_repeats'), 0)}", '', ''))

    bytes_timer, bytes_job = num(spread_mem, 'bytes_per_timer'), peer(peer_spread, 'peer_bytes_per_job')
    ok_bytes = None if bytes_timer is None else bytes_timer <= 150
    rows.append((f'Redis bytes per live timer / delayed job ({a.n:,} live)', fmt(bytes_timer, 1), fmt(bytes_job, 1),
                 ratio(bytes_timer, bytes_job), f'<= 150: {verdict(ok_bytes)}'))
    targets.append(('<= 150 Redis bytes per live timer', ok_bytes))

    r_lost, r_dup = num(recovery, 'lost'), num(recovery, 'duplicates')
    rows.append(('recovery: SIGKILL -> firing again (launch -> first WaitFired read), s',
                 fmt(num(recovery, 'resume_seconds'), 2) + f" (ready file {fmt(num(restart, 'ready_seconds'), 2)})",
                 '-', '', ''))
    rows.append(('recovery: lost / duplicates after dedupe / raw repeats',
                 f"{fmt(r_lost, 0)} / {fmt(r_dup, 0)} / {fmt(num(recovery, 'raw_repeats'), 0)}", '-', '',
                 '0 / 0: ' + verdict(None if r_lost is None else r_lost == 0 and r_dup == 0)))
    targets.append(('recovery lost = 0 and duplicates after dedupe = 0', None if r_lost is None else r_lost == 0 and r_dup == 0))
    rows.append(('recovery: lateness p99 / max, ms',
                 f"{fmt(num(recovery, 'late_p99_ms'), 0)} / {fmt(num(recovery, 'late_max_ms'), 0)}", '-', '', ''))
    rows.append((f"reference: Kafka alone at {fmt(num(floor, 'floor_rate'), 0)}/s (bare producer -> reader): p50 / p99 / max, ms",
                 ' / '.join(fmt(num(floor, k), 1) for k in ('floor_late_p50_ms', 'floor_late_p99_ms', 'floor_late_max_ms')),
                 '-', '', ''))

    print('== results (ratio = csec-timers / BullMQ; lateness = the WaitFired read, or the processor started, - due;')
    print('   "never": that percentile of the waits never fired within the phase)')
    widths = [max(len(str(r[i])) for r in rows + [('figure', 'csec-timers', 'BullMQ', 'ratio', 'target')]) for i in range(5)]
    header = ('figure', 'csec-timers', f"BullMQ {setup.get('peer', '').split(' ')[1] if peer_on else '(not run)'}", 'ratio', 'target')
    widths = [max(w, len(h)) for w, h in zip(widths, header)]
    for r in [header] + rows:
        print(' | '.join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    print()
    print('== targets')
    for name, ok in targets:
        print(f'  {verdict(ok):8} {name}')

    notes = []
    if spread_mem.get('measured_before_first_due') == '0':
        notes.append('the spread was not all armed before its first due instant: bytes per live timer were read late '
                     '(some had fired) and the lateness includes arming')
    if peer_on and peer_spread.get('peer_armed_before_first_due') == '0':
        notes.append('BullMQ had not added every job before the first was due')
    if peer_on:
        for name, values, count in (('spread', peer_spread, a.n), ('burst', peer_burst, a.burst)):
            done = num(values, 'peer_processed')
            if done is not None and done < count:
                notes.append(f'BullMQ {name}: {done:,.0f} of {count:,} jobs processed by the cap (last due + {a.peer_cap} s); '
                             f'the rest were still delayed or waiting in Redis')
        notes.append('BullMQ does no Kafka produce per job; csec-timers produces a WaitFired (acks=all) per fire and its '
                     'lateness is read back through Kafka (the reference row is what Kafka alone adds)')
        notes.append(f"BullMQ phases end at the last due instant + {a.peer_cap} s; jobs not processed by then count as "
                     f"never fired (lost = not processed by due + {a.grace} s)")
    for name, values in (('spread', spread), ('burst', burst), ('recovery', recovery)):
        early = num(values, 'fired_early')
        if early:
            notes.append(f"{name}: {early:,.0f} waits fired before their due instant (fired_at < due_at), the earliest "
                         f"by {-num(values, 'svc_late_min_ms'):.1f} ms")
    arm_s = num(spread_mem, 'service_arm_seconds')
    if arm_s:
        notes.append(f"csec-timers armed the spread's {a.n:,} waits in {arm_s:.1f} s ({a.n / arm_s:,.0f}/s, from the first request "
                     f"produced until its csec_kafka_consumed_total counted them all)")
    notes.append(f"Redis bytes = used_memory delta / N (keys {spread_mem.get('keys_before', '?')} -> "
                 f"{spread_mem.get('keys_after', '?')}; the service's csec_timers_live, refreshed every 5 s, "
                 f"{spread_mem.get('live_before') or 'n/a'} -> {spread_mem.get('live_after') or 'n/a'}); burst: {burst_mem.get('bytes_per_timer', 'n/a')} bytes per timer")
    notes.append(f"recovery: SIGKILL {a.kill_after} s after the first of {a.recovery:,} waits over {a.recovery_window} s was due; "
                 f"{recovery.get('due_while_down', '?')} came due while none fired; silence in fires "
                 f"{fmt(num(recovery, 'silence_seconds'), 2)} s; lease {a.lease:g} s")
    print()
    print('== notes')
    for n in notes:
        print('  - ' + n)
    print()
    print('== setup (short)')
    for k in ('date', 'cpu', 'cpus', 'memory', 'kafka', 'librdkafka', 'redis', 'peer', 'service'):
        if k in setup:
            print(f'  {k + ":":12}{setup[k]}')
    print(f'  {"machine:":12}the bench, Kafka, Redis, csec-timers and the BullMQ worker share the cores')

    summary = {
        'setup': setup,
        'parameters': {k: getattr(a, k) for k in
                       ('n', 'window', 'burst', 'recovery', 'recovery_window', 'kill_after', 'grace', 'peer_cap', 'lease')},
        'warmup': typed(warmup),
        'csec_timers': {'spread': typed(spread), 'spread_redis': typed(spread_mem), 'burst': typed(burst),
                        'burst_redis': typed(burst_mem), 'recovery': typed(recovery), 'restart': typed(restart)},
        'kafka_floor': typed(floor),
        'bullmq': {'spread': typed(peer_spread), 'burst': typed(peer_burst),
                   'warmup': typed(read_kv(f'{d}/peer-warmup.out'))} if peer_on else None,
        'targets': {name: verdict(ok) for name, ok in targets},
        'table': [dict(zip(('figure', 'csec_timers', 'bullmq', 'ratio', 'target'), r)) for r in rows],
    }
    with open(a.json, 'w') as f:
        json.dump(summary, f, indent=2)
    print(f'\nsummary: {a.json}')


if __name__ == '__main__':
    sys.exit(main())
