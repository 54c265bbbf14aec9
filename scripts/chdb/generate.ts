import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { identifier } from '../../src/ingestion/store/clickhouse/sql-literal';
import {
  analyticsCorpus,
  compactionStatements,
  type CorpusQuery,
  insertLine,
  schemaDdl,
} from './corpus';
import { fixtureBatches } from './fixture';
import { type Probe, probes } from './probes';

/** What both engines of the compatibility run get: scripts/chdb/run.py reads it as JSON. */
export interface CompatInput {
  table: string;
  ddl: string[];
  /** JSONEachRow lines per INSERT, as the ClickHouse event store's write() sends them. */
  inserts: string[][];
  /** Run after the inserts: the compaction of the weeks the compacted texts read plainly. */
  maintenance: string[];
  queries: (CorpusQuery | Probe)[];
}

export interface CompatRun {
  batches: EventRow[][];
  corpus: CorpusQuery[];
  probes: Probe[];
  input: CompatInput;
}

/** The fixture, the DDL and every analytics SQL text (plus the probes) for `database`. */
export async function buildCompatRun(database: string): Promise<CompatRun> {
  const batches = fixtureBatches();
  const corpus = await analyticsCorpus(database);
  const extra = probes(database);
  return {
    batches,
    corpus,
    probes: extra,
    input: {
      table: `${identifier(database)}.events`,
      ddl: schemaDdl(database),
      inserts: batches.map((batch) => batch.map(insertLine)),
      maintenance: compactionStatements(database),
      queries: [...corpus, ...extra],
    },
  };
}

/**
 * node -r ./scripts/swc-register.js scripts/chdb/generate.ts DATABASE OUT.json
 * writes the run's input, to look at or to run on chDB alone (run.py OUT.json RESULTS.json).
 */
async function main(): Promise<void> {
  const [database, out] = process.argv.slice(2);
  if (!database || !out) throw new Error('usage: generate.ts DATABASE OUT.json');
  const run = await buildCompatRun(database);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(run.input));
  console.log(
    `${out}: ${run.input.ddl.length} DDL statements, ${run.batches.flat().length} rows in ${run.batches.length} inserts, ${run.corpus.length} analytics texts, ${run.probes.length} probes`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
