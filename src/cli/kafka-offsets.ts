import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { readStackEnv } from '../config/stack-env';
import { kafkaClientConfig, overflowTopic } from '../ingestion/kafka/kafka-connection';
import {
  applyPlan,
  currentOffsets,
  type GroupTopic,
  plannedOffsets,
  readBrokerState,
  recordOffsets,
} from './kafka-offsets/broker-offsets';
import {
  MAX_DOCUMENT_BYTES,
  type OffsetsDocument,
  parseOffsetsDocument,
} from './kafka-offsets/offsets-document';
import { planReset } from './kafka-offsets/reset-plan';

/**
 * `npm run kafka-offsets -- record --out FILE` / `reset --from FILE [--accept-gap] [--report FILE]
 * [--dry-run]`: Kafka as the gap filler of a restore (issue 17). `record` writes what the
 * ingestion groups (KAFKA_CONSUMER_GROUP on KAFKA_EVENTS_TOPIC, and its `.overflow` group on the
 * overflow topic) have committed; after a restore, `reset` sets the groups the file names back
 * to those offsets so the consumers replay what the restored stores lack (dedup makes the
 * replay safe). Connects to
 * KAFKA_BROKERS as KAFKA_ADMIN_USERNAME (the app's KAFKA_SASL_USERNAME when no admin is named),
 * with KAFKA_SASL_MECHANISM; the local stack's stack.env fills in what the environment does not
 * say. Prints one JSON line on stdout; exits 2 when it refuses (the message says why), 1 on an
 * error.
 */
const env: Record<string, string | undefined> = { ...readStackEnv(), ...process.env };

const USAGE =
  'usage: kafka-offsets record --out FILE\n' +
  '       kafka-offsets reset --from FILE [--accept-gap] [--report FILE] [--dry-run]';
const NAME = /^[a-zA-Z0-9._-]{1,200}$/;
const MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;

/** A refusal: the operator gets the reasons and exit code 2, and nothing was changed. */
class Refused extends Error {}

function setting(name: string, fallback?: string): string {
  const value = env[name]?.trim() || fallback;
  if (!value) throw new Refused(`${name} is missing (kafka-offsets needs it)`);
  return value;
}

function named(name: string, fallback: string): string {
  const value = setting(name, fallback);
  if (!NAME.test(value)) throw new Refused(`${name} must be a plain name (letters, digits, . _ -)`);
  return value;
}

/** The ingestion groups and their topics, named as the app names them. */
function ingestionGroups(): GroupTopic[] {
  const topic = named('KAFKA_EVENTS_TOPIC', 'tenant_events');
  const group = named('KAFKA_CONSUMER_GROUP', 'tenantry-ingestion');
  return [
    { group, topic },
    { group: `${group}.overflow`, topic: overflowTopic(topic) },
  ];
}

/** A client on the app's brokers as the admin principal; kafkajs logs go to stderr. */
function adminClient(): Kafka {
  const mechanism = setting('KAFKA_SASL_MECHANISM', 'scram-sha-512') as (typeof MECHANISMS)[number];
  if (!MECHANISMS.includes(mechanism)) {
    throw new Refused(`KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}`);
  }
  const admin = env.KAFKA_ADMIN_USERNAME?.trim();
  return new Kafka({
    clientId: 'tenantry-kafka-offsets',
    ...kafkaClientConfig({
      KAFKA_BROKERS: setting('KAFKA_BROKERS'),
      KAFKA_SASL_USERNAME: admin || env.KAFKA_SASL_USERNAME?.trim() || undefined,
      KAFKA_SASL_PASSWORD: admin ? env.KAFKA_ADMIN_PASSWORD : env.KAFKA_SASL_PASSWORD,
      KAFKA_SASL_MECHANISM: mechanism,
    }),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) =>
        process.stderr.write(`${JSON.stringify({ level: logLevel[level], ...log })}\n`),
  });
}

/** Writes beside the target, flushes, then renames: a reader never sees half a file. */
function writeAtomically(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function readDocument(path: string): OffsetsDocument {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new Refused(`--from ${path}: no such file`);
  }
  if (size > MAX_DOCUMENT_BYTES) {
    throw new Refused(
      `--from ${path}: larger than ${MAX_DOCUMENT_BYTES} bytes, not an offsets.json`,
    );
  }
  try {
    return parseOffsetsDocument(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Refused(`--from ${path}: ${(error as Error).message}`);
  }
}

/** Events each group has yet to consume, summed over its partitions (from the low end if none). */
function lagOf(
  document: OffsetsDocument,
): Record<string, { topic: string; partitions: number; lag: string }> {
  const out: Record<string, { topic: string; partitions: number; lag: string }> = {};
  for (const [group, { topic, partitions }] of Object.entries(document.groups)) {
    let lag = 0n;
    for (const { committed, low, high } of Object.values(partitions)) {
      lag += BigInt(high) - BigInt(committed === '-1' ? low : committed);
    }
    out[group] = { topic, partitions: Object.keys(partitions).length, lag: String(lag) };
  }
  return out;
}

async function withAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = adminClient().admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

async function record(out: string): Promise<object> {
  const groups = ingestionGroups();
  const document = await withAdmin((admin) => recordOffsets(admin, groups));
  writeAtomically(out, document);
  return { command: 'record', out, cluster_id: document.cluster_id, groups: lagOf(document) };
}

/**
 * A report of a reset that ran holds the offsets from before it: a second run (after a reset
 * that failed half way, say) would record the half-reset offsets as "before" and lose the
 * reconciliation's replay marks. Only a dry run's report may be replaced.
 */
function refuseOverwritingReset(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  let dryRun = false;
  try {
    dryRun = (JSON.parse(text) as { dry_run?: unknown }).dry_run === true;
  } catch {
    // Not a report: not ours to replace either.
  }
  if (!dryRun) {
    throw new Refused(
      `--report ${path} already holds a reset: its "before" offsets are the replay marks; ` +
        'keep it and name another --report file',
    );
  }
}

async function reset(
  from: string,
  options: { acceptGap: boolean; report?: string; dryRun: boolean },
): Promise<object> {
  const recorded = readDocument(from);
  if (options.report) refuseOverwritingReset(options.report);
  return withAdmin(async (admin) => {
    const state = await readBrokerState(admin, recorded);
    const plan = planReset(recorded, state, options);
    if (!plan.ok) throw new Refused(plan.refusals.join('\n'));
    // The group's offsets before the reset: the reconciliation's replay marks (what the
    // consumers had already processed once). Written before anything is changed.
    const report = {
      cluster_id: state.clusterId,
      from,
      at: new Date().toISOString(),
      dry_run: options.dryRun,
      before: currentOffsets(recorded, state),
      after: plannedOffsets(recorded, state, plan.groups),
      gaps: plan.gaps,
    };
    if (options.report) writeAtomically(options.report, report);
    if (!options.dryRun) await applyPlan(admin, plan.groups);
    return {
      command: 'reset',
      dry_run: options.dryRun,
      cluster_id: state.clusterId,
      groups: Object.fromEntries(
        plan.groups.map((g) => [g.group, { topic: g.topic, partitions: g.partitions.length }]),
      ),
      lost: String(plan.gaps.reduce((sum, gap) => sum + BigInt(gap.lost), 0n)),
      report: options.report ?? null,
    };
  });
}

async function main(argv: string[]): Promise<object> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        from: { type: 'string' },
        report: { type: 'string' },
        'accept-gap': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new Refused(`${(error as Error).message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  const [command, ...extra] = positionals;
  if (extra.length > 0) throw new Refused(`unexpected argument ${extra[0]}\n${USAGE}`);
  if (command === 'record') {
    if (!values.out || values.from || values.report || values['accept-gap'] || values['dry-run']) {
      throw new Refused(`record takes --out FILE only\n${USAGE}`);
    }
    return record(values.out);
  }
  if (command === 'reset') {
    if (!values.from || values.out) throw new Refused(`reset takes --from FILE\n${USAGE}`);
    return reset(values.from, {
      acceptGap: values['accept-gap'] ?? false,
      report: values.report,
      dryRun: values['dry-run'] ?? false,
    });
  }
  throw new Refused(USAGE);
}

main(process.argv.slice(2)).then(
  (summary) => {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    const refused = error instanceof Refused;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kafka-offsets: ${refused ? 'refused' : 'failed'}: ${message}\n`);
    process.exit(refused ? 2 : 1);
  },
);
