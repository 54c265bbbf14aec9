import type { Admin, Consumer } from 'kafkajs';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testKafka } from '../support/ingestion';

const REPO_ROOT = join(__dirname, '..', '..');
const PARTITIONS = 2;
/** Messages per partition, and how far the group had committed when the backup ran. */
const PER_PARTITION = 10;
const RECORDED = 4;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Issue 17 item 3, Kafka as the gap filler: `kafka-offsets record` and `reset` run as an operator
 * runs them (a child process reading the environment), against the real broker, on a topic and
 * group of this test's own. After a reset the group's committed offsets are the recorded ones
 * and a fresh consumer re-reads what came after them; the reset is refused while the group has a
 * member, on another cluster, and over events retention deleted unless the gap is accepted.
 */
describe('kafka-offsets record and reset (real Kafka)', () => {
  const suffix = `${process.pid}.${Date.now().toString(36)}`;
  const topic = `test.offsets.${suffix}`;
  const group = `test-offsets-${randomUUID()}`;
  const dir = mkdtempSync(join(tmpdir(), 'kafka-offsets-'));
  const offsetsFile = join(dir, 'kafka', 'offsets.json');
  let admin: Admin;

  function cli(...args: string[]): Promise<CliResult> {
    return cliWith({}, ...args);
  }

  function cliWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        'node',
        ['-r', './scripts/swc-register.js', 'src/cli/kafka-offsets.ts', ...args],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, KAFKA_EVENTS_TOPIC: topic, KAFKA_CONSUMER_GROUP: group, ...env },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  async function committed(): Promise<string[]> {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  }

  /**
   * A member of the group that reads from the group's committed offsets (the earliest when
   * none) and commits nothing itself; `seen` gets each message's value, `last` each partition's
   * last offset read.
   */
  async function startConsumer(
    seen: string[],
    last = new Map<number, number>(),
  ): Promise<Consumer> {
    const consumer = testKafka('test-offsets-consumer').consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        seen.push(message.value!.toString());
        last.set(partition, Number(message.offset));
      },
    });
    return consumer;
  }

  /** Consumes as a group member up to the end of every partition, then commits `offset` on each. */
  async function consumeAndCommit(offset: number): Promise<void> {
    const last = new Map<number, number>();
    const consumer = await startConsumer([], last);
    try {
      await until(() =>
        Array.from({ length: PARTITIONS }, (_, p) => p).every(
          (p) => last.get(p) === PER_PARTITION - 1,
        ),
      );
      await consumer.commitOffsets(
        Array.from({ length: PARTITIONS }, (_, partition) => ({
          topic,
          partition,
          offset: String(offset),
        })),
      );
    } finally {
      await consumer.disconnect();
    }
  }

  beforeAll(async () => {
    admin = testKafka('test-offsets-admin', 'admin').admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: PARTITIONS }],
    });
    const producer = testKafka('test-offsets-producer').producer();
    await producer.connect();
    try {
      for (let partition = 0; partition < PARTITIONS; partition += 1) {
        await producer.send({
          topic,
          messages: Array.from({ length: PER_PARTITION }, (_, i) => ({
            partition,
            value: `p${partition}-m${i}`,
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the committed offsets, then sets them back after the group moved on', async () => {
    await consumeAndCommit(RECORDED);

    const recorded = await cli('record', '--out', offsetsFile);
    expect(recorded).toMatchObject({ code: 0 });
    const { clusterId } = await admin.describeCluster();
    expect(JSON.parse(recorded.stdout)).toEqual({
      command: 'record',
      out: offsetsFile,
      cluster_id: clusterId,
      groups: {
        [group]: {
          topic,
          partitions: PARTITIONS,
          lag: String(PARTITIONS * (PER_PARTITION - RECORDED)),
        },
        // The overflow topic was never created: nothing to record, nothing to replay.
        [`${group}.overflow`]: { topic: `${topic}.overflow`, partitions: 0, lag: '0' },
      },
    });
    const document = JSON.parse(readFileSync(offsetsFile, 'utf8'));
    expect(document.cluster_id).toBe(clusterId);
    expect(document.groups[group].partitions).toEqual({
      '0': { committed: String(RECORDED), low: '0', high: String(PER_PARTITION) },
      '1': { committed: String(RECORDED), low: '0', high: String(PER_PARTITION) },
    });

    // After the backup the consumer went on to the end.
    await consumeAndCommit(PER_PARTITION);
    expect(await committed()).toEqual([String(PER_PARTITION), String(PER_PARTITION)]);

    // A dry run reports and changes nothing.
    const reportFile = join(dir, 'restores', 'reset.json');
    const dry = await cli('reset', '--from', offsetsFile, '--dry-run', '--report', reportFile);
    expect(dry).toMatchObject({ code: 0 });
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, lost: '0' });
    expect(await committed()).toEqual([String(PER_PARTITION), String(PER_PARTITION)]);

    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toMatchObject({ dry_run: true });
    // The real reset replaces a dry run's report.
    const reset = await cli('reset', '--from', offsetsFile, '--report', reportFile);
    expect(reset).toMatchObject({ code: 0 });
    expect(JSON.parse(reset.stdout)).toMatchObject({
      command: 'reset',
      dry_run: false,
      groups: { [group]: { topic, partitions: PARTITIONS } },
      lost: '0',
      report: reportFile,
    });
    expect(await committed()).toEqual([String(RECORDED), String(RECORDED)]);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    // "before" is what the group had processed already: the reconciliation's replay marks.
    expect(report.before[group].partitions['0'].committed).toBe(String(PER_PARTITION));
    expect(report.before[group].partitions['1'].committed).toBe(String(PER_PARTITION));
    expect(report.after[group].partitions['0'].committed).toBe(String(RECORDED));
    expect(report.after[`${group}.overflow`]).toEqual({
      topic: `${topic}.overflow`,
      partitions: {},
    });
    expect(report.gaps).toEqual([]);

    // A fresh member of the group replays exactly the events after the recorded offsets.
    const seen: string[] = [];
    const consumer = await startConsumer(seen);
    try {
      const expected = [0, 1].flatMap((p) =>
        Array.from({ length: PER_PARTITION - RECORDED }, (_, i) => `p${p}-m${RECORDED + i}`),
      );
      await until(() => seen.length >= expected.length);
      // Nothing earlier arrives late.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen.sort()).toEqual(expected.sort());

      // While that member runs, a reset is refused and changes nothing.
      const refused = await cli('reset', '--from', offsetsFile);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`group ${group} is \\w+, not Empty`));
      expect(refused.stdout).toBe('');
    } finally {
      await consumer.disconnect();
    }
    expect(await committed()).toEqual([String(RECORDED), String(RECORDED)]);

    // A second reset may not replace the first one's report: its "before" are the replay marks.
    const again = await cli('reset', '--from', offsetsFile, '--report', reportFile);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a reset/);
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(report);
  });

  it("records as the app's principal when no admin principal is named", async () => {
    const out = join(dir, 'as-app.json');
    const recorded = await cliWith(
      { KAFKA_ADMIN_USERNAME: '', KAFKA_ADMIN_PASSWORD: '' },
      'record',
      '--out',
      out,
    );
    expect(recorded).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(out, 'utf8')).groups[group].partitions['0']).toEqual({
      committed: String(RECORDED),
      low: '0',
      high: String(PER_PARTITION),
    });
  });

  it('refuses offsets recorded on another cluster (a reformatted broker)', async () => {
    const doctored = join(dir, 'doctored.json');
    const document = JSON.parse(readFileSync(offsetsFile, 'utf8'));
    writeFileSync(doctored, JSON.stringify({ ...document, cluster_id: 'another-cluster' }));
    const before = await committed();
    const refused = await cli('reset', '--from', doctored);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /recorded on cluster another-cluster: the broker was reformatted/,
    );
    expect(await committed()).toEqual(before);
  });

  it('refuses a missing topic the group had committed on (a fresh broker may lack only unread ones)', async () => {
    const doctored = join(dir, 'missing-topic.json');
    const document = JSON.parse(readFileSync(offsetsFile, 'utf8'));
    const missing = `${topic}.missing`;
    document.groups[group].topic = missing;
    writeFileSync(doctored, JSON.stringify(document));
    const refused = await cli('reset', '--from', doctored);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `topic ${missing} does not exist, but group ${group} had committed offsets on it`,
    );
  });

  it('refuses a reset over events retention deleted, unless the gap is accepted', async () => {
    // What retention does: the first events of partition 0 are gone, past the recorded offset.
    await admin.deleteTopicRecords({
      topic,
      partitions: [{ partition: 0, offset: String(RECORDED + 2) }],
    });
    await consumeAndCommit(PER_PARTITION);

    const refused = await cli('reset', '--from', offsetsFile);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/partition 0: retention deleted 2 events .*--accept-gap/);
    expect(await committed()).toEqual([String(PER_PARTITION), String(PER_PARTITION)]);

    const reportFile = join(dir, 'gap.json');
    const accepted = await cli(
      'reset',
      '--from',
      offsetsFile,
      '--accept-gap',
      '--report',
      reportFile,
    );
    expect(accepted).toMatchObject({ code: 0 });
    expect(JSON.parse(accepted.stdout)).toMatchObject({ lost: '2' });
    expect(await committed()).toEqual([String(RECORDED + 2), String(RECORDED)]);
    expect(JSON.parse(readFileSync(reportFile, 'utf8')).gaps).toEqual([
      {
        group,
        topic,
        partition: 0,
        recorded: String(RECORDED),
        low: String(RECORDED + 2),
        lost: '2',
      },
    ]);
  });

  it('refuses a file that is not an offsets.json, naming the field', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ cluster_id: 'x', recorded_at: 'now', groups: { [group]: { topic } } }),
    );
    const refused = await cli('reset', '--from', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/partitions/);
    const usage = await cli('rewind');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: kafka-offsets record --out FILE/);
  });
});

async function until(done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
