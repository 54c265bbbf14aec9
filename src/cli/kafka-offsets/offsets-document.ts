import Ajv, { type JSONSchemaType } from 'ajv';

/**
 * The kafka/offsets.json of a backup run (the issue-17 manifest contract,
 * /work/scratch/r17/manifest.md): what each ingestion consumer group had committed on each
 * partition when the backup started, and the partition's watermarks then. Offsets are decimal
 * strings, as kafkajs gives them; "-1" means the group never committed on that partition.
 */
export interface PartitionOffsets {
  committed: string;
  low: string;
  high: string;
}

export interface GroupOffsets {
  topic: string;
  /** Keyed by partition number ("0", "1", …); empty when the topic did not exist. */
  partitions: Record<string, PartitionOffsets>;
}

export interface OffsetsDocument {
  cluster_id: string;
  recorded_at: string;
  groups: Record<string, GroupOffsets>;
}

/** As many partitions as a topic of the app may have (KAFKA_EVENTS_PARTITIONS' bound). */
export const MAX_PARTITIONS = 1000;
/** Two groups today; a few more leaves room without letting a file size the work freely. */
export const MAX_GROUPS = 16;
/** The largest offsets.json read: 16 groups × 1000 partitions fit well under it. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

const OFFSET = { type: 'string', pattern: '^(-1|0|[1-9][0-9]{0,18})$' } as const;
const NAME = { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } as const;

const schema: JSONSchemaType<OffsetsDocument> = {
  type: 'object',
  required: ['cluster_id', 'recorded_at', 'groups'],
  properties: {
    cluster_id: { type: 'string', minLength: 1, maxLength: 200 },
    recorded_at: { type: 'string', minLength: 1, maxLength: 40 },
    groups: {
      type: 'object',
      maxProperties: MAX_GROUPS,
      propertyNames: NAME,
      required: [],
      additionalProperties: {
        type: 'object',
        required: ['topic', 'partitions'],
        properties: {
          topic: NAME,
          partitions: {
            type: 'object',
            maxProperties: MAX_PARTITIONS,
            propertyNames: { type: 'string', pattern: '^(0|[1-9][0-9]{0,3})$' },
            required: [],
            additionalProperties: {
              type: 'object',
              required: ['committed', 'low', 'high'],
              properties: { committed: OFFSET, low: OFFSET, high: OFFSET },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: false }).compile(schema);

/** Parses and checks an offsets.json; throws an Error naming the first bad field. */
export function parseOffsetsDocument(text: string): OffsetsDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!validate(value)) {
    const [first] = validate.errors ?? [];
    const where = first?.instancePath || '(document)';
    // A bad key (a partition that is not a number, say) is named by propertyName.
    const key = first?.propertyName === undefined ? '' : ` (key "${first.propertyName}")`;
    throw new Error(`${where}${key}: ${first?.message ?? 'invalid'}`);
  }
  return value;
}
