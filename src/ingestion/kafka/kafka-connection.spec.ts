import { ConfigResourceTypes, ConfigSource, type Kafka } from 'kafkajs';
import { ensureTopics, MAX_MESSAGE_BYTES, mergedTopicConfig } from './kafka-connection';

const WEEK = String(7 * 24 * 3600 * 1000);
const own = (configName: string, configValue: string) => ({
  configName,
  configValue,
  configSource: ConfigSource.TOPIC_CONFIG,
});
const inherited = (configName: string, configValue: string) => ({
  configName,
  configValue,
  configSource: ConfigSource.STATIC_BROKER_CONFIG,
});
const asObject = (entries: { name: string; value: string }[] | null) =>
  Object.fromEntries((entries ?? []).map(({ name, value }) => [name, value]));

describe('mergedTopicConfig', () => {
  it("gives a bare topic the app's settings", () => {
    expect(asObject(mergedTopicConfig([inherited('min.insync.replicas', '1')], 3))).toEqual({
      'max.message.bytes': String(MAX_MESSAGE_BYTES),
      'retention.ms': WEEK,
      'min.insync.replicas': '2',
    });
  });

  it("keeps an operator's topic settings, retention and min.insync.replicas included", () => {
    const merged = mergedTopicConfig(
      [
        own('cleanup.policy', 'compact,delete'),
        own('retention.ms', '3600000'),
        own('min.insync.replicas', '3'),
        own('unclean.leader.election.enable', 'false'),
        inherited('segment.bytes', '1073741824'),
      ],
      3,
    );
    expect(asObject(merged)).toEqual({
      'cleanup.policy': 'compact,delete',
      'retention.ms': '3600000',
      'min.insync.replicas': '3',
      'unclean.leader.election.enable': 'false',
      'max.message.bytes': String(MAX_MESSAGE_BYTES),
    });
  });

  it('never lowers min.insync.replicas below the broker default in effect', () => {
    // RF 2 wants 1, the broker default is 2: the topic inherits 2, no topic-level 1 is written.
    const merged = asObject(mergedTopicConfig([inherited('min.insync.replicas', '2')], 2));
    expect(merged['min.insync.replicas']).toBeUndefined();
  });

  it('gives a one-copy topic 1 in sync where the broker default of 2 would refuse writes', () => {
    const merged = asObject(mergedTopicConfig([inherited('min.insync.replicas', '2')], 1));
    expect(merged['min.insync.replicas']).toBe('1');
  });

  it('asks for nothing when the topic already has what the app needs', () => {
    expect(
      mergedTopicConfig(
        [
          own('max.message.bytes', String(MAX_MESSAGE_BYTES)),
          own('retention.ms', '1000'),
          own('min.insync.replicas', '2'),
        ],
        3,
      ),
    ).toBeNull();
  });
});

function fakeAdmin(opts: { liveBrokers: number; existing: string[]; replicas: number }) {
  const admin = {
    connect: jest.fn(async () => {}),
    disconnect: jest.fn(async () => {}),
    describeCluster: jest.fn(async () => ({
      brokers: Array.from({ length: opts.liveBrokers }, (_, i) => ({ nodeId: i + 1 })),
    })),
    listTopics: jest.fn(async () => opts.existing),
    createTopics: jest.fn(async () => true),
    fetchTopicMetadata: jest.fn(async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({
        name,
        partitions: [{ replicas: Array.from({ length: opts.replicas }, (_, i) => i + 1) }],
      })),
    })),
    describeConfigs: jest.fn(async ({ resources }: { resources: { name: string }[] }) => ({
      resources: resources.map(({ name }) => ({
        resourceName: name,
        configEntries: [own('cleanup.policy', 'delete'), own('min.insync.replicas', '3')],
      })),
    })),
    alterConfigs: jest.fn(async () => {}),
  };
  return { admin, kafka: { admin: () => admin } as unknown as Kafka };
}

describe('ensureTopics', () => {
  const log = { warn: jest.fn() };
  const topics = ['events', 'events.overflow', 'events.dlq'];

  it("sends existing topics their own settings merged with the app's", async () => {
    const { admin, kafka } = fakeAdmin({ liveBrokers: 3, existing: topics, replicas: 3 });
    await ensureTopics(kafka, 'events', 6, log);
    expect(admin.describeConfigs).toHaveBeenCalledWith(
      expect.objectContaining({
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      }),
    );
    const { resources } = (
      admin.alterConfigs.mock.calls[0] as unknown as [
        { resources: { name: string; configEntries: { name: string; value: string }[] }[] },
      ]
    )[0];
    expect(resources.map((r) => r.name)).toEqual(topics);
    expect(asObject(resources[0].configEntries)).toEqual({
      'cleanup.policy': 'delete',
      'min.insync.replicas': '3',
      'max.message.bytes': String(MAX_MESSAGE_BYTES),
      'retention.ms': WEEK,
    });
  });

  it('creates topics with the configured cluster size, not only the brokers up', async () => {
    const { admin, kafka } = fakeAdmin({ liveBrokers: 3, existing: [], replicas: 3 });
    await ensureTopics(kafka, 'events', 6, log, 3);
    const [{ topics: created }] = admin.createTopics.mock.calls[0] as unknown as [
      { topics: { replicationFactor: number }[] },
    ];
    expect(created.map((t) => t.replicationFactor)).toEqual([3, 3, 3]);
  });

  it('refuses to create under-replicated topics while a configured broker is down', async () => {
    const { admin, kafka } = fakeAdmin({ liveBrokers: 2, existing: [], replicas: 2 });
    await expect(ensureTopics(kafka, 'events', 6, log, 3)).rejects.toThrow(
      /2 broker\(s\) up of the 3 configured/,
    );
    expect(admin.createTopics).not.toHaveBeenCalled();
    expect(admin.disconnect).toHaveBeenCalled();
  });

  it('warns about an existing topic with fewer copies while a configured broker is down', async () => {
    const warn = jest.fn();
    const { admin, kafka } = fakeAdmin({ liveBrokers: 2, existing: topics, replicas: 2 });
    await ensureTopics(kafka, 'events', 6, { warn }, 3);
    expect(admin.createTopics).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('uses the live count when KAFKA_BROKERS lists only some brokers, capped at three', async () => {
    const { admin, kafka } = fakeAdmin({ liveBrokers: 5, existing: [], replicas: 3 });
    await ensureTopics(kafka, 'events', 6, log, 1);
    const [{ topics: created }] = admin.createTopics.mock.calls[0] as unknown as [
      { topics: { replicationFactor: number }[] },
    ];
    expect(created.map((t) => t.replicationFactor)).toEqual([3, 3, 3]);
  });

  it('keeps one copy on a single configured broker', async () => {
    const { admin, kafka } = fakeAdmin({ liveBrokers: 1, existing: [], replicas: 1 });
    await ensureTopics(kafka, 'events', 6, log, 1);
    const [{ topics: created }] = admin.createTopics.mock.calls[0] as unknown as [
      { topics: { replicationFactor: number }[] },
    ];
    expect(created.map((t) => t.replicationFactor)).toEqual([1, 1, 1]);
  });
});
