import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { Environment } from '../../config/environment';
import {
  ConfigResourceTypes,
  ConfigSource,
  type ConfigEntries,
  Kafka,
  type KafkaConfig,
  logLevel,
  type LogEntry,
  type SASLOptions,
} from 'kafkajs';
import { minInsyncReplicasFor, replicationFor } from './topic-replication';

/** The Kafka client, or null when KAFKA_BROKERS is not set (ingestion then runs in-process). */
export const KAFKA_CLIENT = Symbol('Kafka');

/** The header and key every ingestion message carries: the tenant the event belongs to. */
export const TENANT_HEADER = 'tenant_id';
/** When the HTTP API accepted the event (epoch ms): event-to-queryable latency starts there. */
export const RECEIVED_AT_HEADER = 'received_at';
/** The header a direct producer names its tenant with: an API key holding `events:write`. */
export const API_KEY_HEADER = 'api_key';
/** Why a message went to the dead-letter topic, and the field errors when there are any. */
export const DLQ_REASON_HEADER = 'dlq_reason';
export const DLQ_ERRORS_HEADER = 'dlq_errors';

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Where hot tenants' events go (src/ingestion/overflow); its dead letters go to the main DLQ. */
export function overflowTopic(topic: string): string {
  return `${topic}.overflow`;
}

/** Where and as whom the app connects to Kafka. */
export interface KafkaSettings {
  KAFKA_BROKERS?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SASL_MECHANISM?: 'scram-sha-512' | 'scram-sha-256' | 'plain';
}

/** The Kafka settings of the app's environment. */
export function kafkaSettingsOf(config: ConfigService<Environment, true>): KafkaSettings {
  return {
    KAFKA_BROKERS: config.get('KAFKA_BROKERS', { infer: true }),
    KAFKA_SASL_USERNAME: config.get('KAFKA_SASL_USERNAME', { infer: true }),
    KAFKA_SASL_PASSWORD: config.get('KAFKA_SASL_PASSWORD', { infer: true }),
    KAFKA_SASL_MECHANISM: config.get('KAFKA_SASL_MECHANISM', { infer: true }),
  };
}

/** The brokers and SASL options of a kafkajs client for these settings. */
export function kafkaClientConfig(settings: KafkaSettings): Pick<KafkaConfig, 'brokers' | 'sasl'> {
  const brokers = (settings.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (!settings.KAFKA_SASL_USERNAME) return { brokers };
  return {
    brokers,
    sasl: {
      mechanism: settings.KAFKA_SASL_MECHANISM ?? 'scram-sha-512',
      username: settings.KAFKA_SASL_USERNAME,
      password: settings.KAFKA_SASL_PASSWORD ?? '',
    } as SASLOptions,
  };
}

/** kafkajs logs through Nest's logger (so through pino, as JSON), warnings and up. */
export function createKafka(clientId: string, settings: KafkaSettings): Kafka {
  const logger = new Logger('Kafka');
  return new Kafka({
    clientId,
    ...kafkaClientConfig(settings),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (level <= logLevel.ERROR) logger.error({ ...extra }, message);
        else logger.warn({ ...extra }, message);
      },
  });
}

/**
 * Largest record batch the topics take. The API merges concurrent requests into one produce,
 * and one request may carry 1 MB of events, past Kafka's 1 MB default.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Where ensureTopics reports a topic with fewer copies than the cluster allows. */
export type TopicsLog = Pick<Logger, 'warn'>;

/**
 * Creates the events topic, its overflow topic and its dead-letter topic when missing (partitions
 * from the environment, 7 days' retention, three copies when the cluster has three brokers (the
 * brokers KAFKA_BROKERS lists, `configuredBrokers`, or those up when more): see
 * topic-replication.ts), and makes sure all take record batches of MAX_MESSAGE_BYTES and wait for
 * as many in-sync copies as their replication allows. An existing topic keeps its replication
 * factor (raising it is a partition reassignment, an operator's job): a warning names it when it
 * has fewer copies than wanted.
 */
export async function ensureTopics(
  kafka: Kafka,
  topic: string,
  partitions: number,
  log: TopicsLog = new Logger('KafkaTopics'),
  configuredBrokers = 0,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    // The cluster's size is what KAFKA_BROKERS lists (it may list only some: then the live count
    // when larger), not only who is up right now: a broker down at start must not leave new
    // topics with fewer copies for ever.
    const wanted = replicationFor(Math.max(configuredBrokers, brokers.length));
    const existing = new Set(await admin.listTopics());
    const all = [topic, overflowTopic(topic), deadLetterTopic(topic)];
    const missing = all.filter((name) => !existing.has(name));
    if (missing.length > 0 && brokers.length < wanted.replicationFactor) {
      // Fails the start-up attempt (it is retried): better than under-replicated topics.
      throw new Error(
        `Kafka has ${brokers.length} broker(s) up of the ${configuredBrokers} configured: ` +
          `not creating ${missing.join(', ')} with fewer than ` +
          `${wanted.replicationFactor} copies; retry once the brokers are back`,
      );
    }
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((name) => ({
          topic: name,
          numPartitions: name === deadLetterTopic(topic) ? Math.min(partitions, 3) : partitions,
          replicationFactor: wanted.replicationFactor,
          configEntries: topicConfig(wanted.replicationFactor),
        })),
      });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: all });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: all.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    const current = new Map(described.resources.map((r) => [r.resourceName, r.configEntries]));
    const resources = topics.flatMap(({ name, partitions: layout }) => {
      const replicas =
        layout.length > 0
          ? Math.min(...layout.map((partition) => partition.replicas.length))
          : wanted.replicationFactor;
      if (replicas < wanted.replicationFactor) {
        log.warn(
          { topic: name, replication_factor: replicas, wanted: wanted.replicationFactor },
          `Kafka topic ${name} keeps ${replicas} copy(ies) of each partition where the cluster ` +
            `allows ${wanted.replicationFactor}: reassign its partitions to survive a broker loss`,
        );
      }
      const merged = mergedTopicConfig(current.get(name) ?? [], replicas);
      return merged ? [{ type: ConfigResourceTypes.TOPIC, name, configEntries: merged }] : [];
    });
    // Topics made before a setting existed (or by hand) get it too. AlterConfigs replaces a
    // topic's whole configuration (kafkajs has no incremental form), so the topic's own settings
    // are read first and go along: an operator's settings (min.insync.replicas too) stay.
    if (resources.length > 0) await admin.alterConfigs({ validateOnly: false, resources });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The whole topic-level configuration to send for an existing topic, or null when it already has
 * what the app needs. `current` is its describeConfigs answer: the entries set on the topic itself
 * (source TOPIC_CONFIG) are kept; max.message.bytes is the app's; retention.ms is 7 days unless
 * the topic sets its own; min.insync.replicas is raised to the app's value only when the topic
 * does not set its own and the value in effect (broker default) is lower, or more than the topic
 * has copies. A min.insync.replicas set on the topic itself is never changed.
 */
export function mergedTopicConfig(
  current: Pick<ConfigEntries, 'configName' | 'configValue' | 'configSource'>[],
  replicas: number,
): { name: string; value: string }[] | null {
  const own = new Map(
    current
      .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
      .map((entry) => [entry.configName, entry.configValue]),
  );
  const merged = new Map(own);
  const wanted = new Map(topicConfig(replicas).map(({ name, value }) => [name, value]));
  merged.set('max.message.bytes', wanted.get('max.message.bytes')!);
  if (!own.has('retention.ms')) merged.set('retention.ms', wanted.get('retention.ms')!);
  if (!own.has('min.insync.replicas')) {
    const inEffect = Number(
      current.find((entry) => entry.configName === 'min.insync.replicas')?.configValue ?? 1,
    );
    const minIsr = Number(wanted.get('min.insync.replicas'));
    // Raised when the broker default is lower; lowered only past the topic's copies (a broker
    // default of 2 on a one-copy topic would refuse every write).
    if (!(inEffect >= minIsr) || inEffect > replicas) {
      merged.set('min.insync.replicas', String(minIsr));
    }
  }
  const changed =
    merged.size !== own.size || [...merged].some(([name, value]) => own.get(name) !== value);
  return changed ? [...merged].map(([name, value]) => ({ name, value })) : null;
}

/** The configuration the app's topics carry, for a topic of `replicas` copies per partition. */
function topicConfig(replicas: number): { name: string; value: string }[] {
  return [
    { name: 'retention.ms', value: String(7 * 24 * 3600 * 1000) },
    { name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) },
    { name: 'min.insync.replicas', value: String(minInsyncReplicasFor(replicas)) },
  ];
}
