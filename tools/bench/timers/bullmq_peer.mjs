// bullmq_peer.mjs: the peer of tools/bench/timers/timers.sh. BullMQ's delayed jobs on the same
// Redis, with the schedule the csec-timers phases use, timed the same way. One phase a run:
//
//   node bullmq_peer.mjs --redis 127.0.0.1:6379 --phase spread --n 1000000 --window-ms 100000 \
//                        --lead-ms 60000 [--concurrency 100] [--grace-s 30] [--cap-s 120]
//
// --phase warmup|spread|burst. spread: job i due at start + floor(i * W / N); burst: all due at
// start (W ignored); warmup: like spread, to warm the worker and measure the add rate, from which
// the driver sizes the next phases' --lead-ms. start = the moment adding begins + --lead-ms.
//
// A job is what a csec timer is: the case it belongs to (4 jobs a case, random UUIDs), kind,
// subject, due instant and the id of the event that asked for it, and a jobId derived from
// (case, kind, subject), so adding it twice is one job, as arming a csec timer twice is one timer.
// removeOnComplete/removeOnFail drop a job once processed, as csec-timers deletes a fired timer.
// One Worker in this process (--concurrency jobs at once, 100 by default) runs a processor that
// only notes the time: BullMQ does no Kafka produce here, csec-timers does one per fire.
//
// Lateness = the processor's start - the job's due instant (ms, wall clock). Prints key=value
// lines (the driver reads them); progress and errors go to stderr. Each phase uses a queue of
// its own (prefix csec-bench-peer) and obliterates it at the end.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';

function parseArgs(argv) {
  const args = {
    redis: '127.0.0.1:6379', phase: 'spread', n: 1000000, 'window-ms': 100000, 'lead-ms': 30000,
    concurrency: 100, 'grace-s': 30, 'cap-s': 120, 'batch': 1000, 'in-flight': 4,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined) {
      console.error(`bullmq_peer: unknown or incomplete argument ${argv[i]}`);
      process.exit(2);
    }
    args[key] = typeof args[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!['warmup', 'spread', 'burst'].includes(args.phase)) {
    console.error('bullmq_peer: --phase must be warmup, spread or burst');
    process.exit(2);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const [host, port] = args.redis.split(':');
// BullMQ requires maxRetriesPerRequest: null on a Worker's connection.
const connection = { host, port: Number(port), maxRetriesPerRequest: null };
const prefix = 'csec-bench-peer';
const queueName = `${args.phase}-${Date.now()}`;
const N = args.n;

// Wall-clock ms with a fraction: Date.now() has 1 ms steps, too coarse for a p50 of a few ms.
const nowMs = () => performance.timeOrigin + performance.now();
const out = (key, value) => process.stdout.write(`${key}=${value}\n`);
const log = (text) => process.stderr.write(`bullmq_peer: ${text}\n`);

const admin = new IORedis(connection);
async function usedMemory() {
  // An AOF rewrite in progress holds extra buffers: read the figure once none is running.
  for (let i = 0; i < 600; i++) {
    const persistence = await admin.info('persistence');
    if (!/aof_rewrite_in_progress:1/.test(persistence)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const memory = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(memory)[1]);
}

// What was seen, by job index: first processing time, and how often it was processed.
const firstAt = new Float64Array(N).fill(NaN);
const seenCount = new Uint16Array(N);
let processed = 0;  // distinct jobs
let repeats = 0;    // processings beyond the first of a job
let lastAt = 0;
let resolveAll;
const allProcessed = new Promise((resolve) => { resolveAll = resolve; });

const worker = new Worker(queueName, async (job) => {
  const at = nowMs();
  const i = Number(job.data.subject);
  if (seenCount[i]++ === 0) {
    firstAt[i] = at;
    lastAt = Math.max(lastAt, at);
    if (++processed === N) resolveAll();
  } else {
    repeats++;
  }
}, { connection, prefix, concurrency: args.concurrency });
worker.on('error', (e) => log(`worker error: ${e.message}`));
const queue = new Queue(queueName, { connection, prefix });
await worker.waitUntilReady();
await queue.waitUntilReady();

const memBefore = await usedMemory();
const addStart = nowMs();
const start = Math.ceil(addStart + args['lead-ms']);
const dueOf = (i) => (args.phase === 'burst' ? start : start + Math.floor((i * args['window-ms']) / N));
const lastDue = dueOf(N - 1);

// addBulk in batches, a few in flight: BullMQ's fastest way in. Built per batch so that a
// million jobs' objects never sit in memory at once.
let caseId = randomUUID();
let next = 0;
async function addBatches() {
  while (next < N) {
    const from = next;
    const to = Math.min(N, from + args.batch);
    next = to;
    const jobs = [];
    const addedAt = Date.now();
    for (let i = from; i < to; i++) {
      if (i % 4 === 0) caseId = randomUUID();
      const due = dueOf(i);
      jobs.push({
        name: 'bench',
        data: { caseId, kind: 'bench', subject: String(i), dueAt: due, requestedBy: randomUUID() },
        opts: {
          jobId: `${caseId}.bench.${i}`,
          delay: Math.max(0, due - addedAt),
          removeOnComplete: true,
          removeOnFail: true,
        },
      });
    }
    await queue.addBulk(jobs);
  }
}
await Promise.all(Array.from({ length: args['in-flight'] }, addBatches));
const addEnd = nowMs();
const memAfter = await usedMemory();
const addSeconds = (addEnd - addStart) / 1000;
log(`${args.phase}: added ${N} delayed jobs in ${addSeconds.toFixed(1)} s; first due in ${((start - nowMs()) / 1000).toFixed(1)} s`);

// Until every job was processed, or --cap-s after the last due instant.
const capAt = lastDue + args['cap-s'] * 1000;
await Promise.race([allProcessed, new Promise((r) => setTimeout(r, Math.max(0, capAt - nowMs())))]);
// Repeats (a stalled job run again) would show within a moment: give them one.
await new Promise((r) => setTimeout(r, 1000));
await worker.close();

const late = new Float64Array(N);
let lost = 0;
for (let i = 0; i < N; i++) {
  // Never processed counts as infinitely late, so the percentiles stay honest.
  late[i] = Number.isNaN(firstAt[i]) ? Infinity : firstAt[i] - dueOf(i);
  if (!(late[i] <= args['grace-s'] * 1000)) lost++;
}
late.sort();
const pct = (p) => late[Math.max(0, Math.ceil((p / 100) * N) - 1)];
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(3) : 'inf');

out('peer_phase', args.phase);
out('peer_n', N);
out('peer_window_ms', args.phase === 'burst' ? 0 : args['window-ms']);
out('peer_concurrency', args.concurrency);
out('peer_add_seconds', addSeconds.toFixed(3));
out('peer_add_rate', (N / addSeconds).toFixed(1));
out('peer_armed_before_first_due', addEnd < start ? 1 : 0);
out('peer_first_due_unix', (start / 1000).toFixed(3));
out('peer_last_due_unix', (lastDue / 1000).toFixed(3));
out('peer_mem_before', memBefore);
out('peer_mem_after', memAfter);
out('peer_bytes_per_job', ((memAfter - memBefore) / N).toFixed(1));
out('peer_processed', processed);
out('peer_repeats', repeats);
out('peer_lost', lost);
out('peer_late_p50_ms', fmt(pct(50)));
out('peer_late_p99_ms', fmt(pct(99)));
out('peer_late_max_ms', fmt(late[N - 1]));
if (processed > 0) {
  const span = (lastAt - start) / 1000;
  out('peer_last_processed_unix', (lastAt / 1000).toFixed(3));
  out('peer_span_seconds', span.toFixed(3));
  // From the first due instant to the last processing: the rate the jobs actually came out at.
  out('peer_fire_rate', span > 0 ? (processed / span).toFixed(1) : 'inf');
}

await queue.obliterate({ force: true }).catch((e) => log(`obliterate: ${e.message}`));
await queue.close();
out('peer_mem_after_cleanup', await usedMemory());
await admin.quit();
process.exit(0);
