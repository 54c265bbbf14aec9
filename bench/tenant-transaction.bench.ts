import { DynamicModule, Module } from '@nestjs/common';
import autocannon from 'autocannon';
import { AppModule } from '../src/app.module';
import { TenantScopeModule } from '../src/tenancy/scope/tenant-scope.module';
import { TenancyModule } from '../src/tenancy/tenancy.module';
import { createBenchTenant, prepareBenchDatabase, startBenchApp } from './bench-app';
import { DataSource } from 'typeorm';
import { TenantContext } from '../src/tenancy/scope/tenant.context';
import { LatencySummary, measureLatency, summariseLatency } from './latency';
import { NoTransactionSettingsController } from './no-transaction.controller';

/** The app plus the baseline controller; built after the environment is set. */
@Module({})
class BenchAppModule {}

export interface TenantTransactionResult {
  withTransaction: LatencySummary;
  withoutTransaction: LatencySummary;
  ratio: { p50: number; p99: number; mean: number };
  /**
   * Issue 18: the tenant transaction alone (BEGIN, first statement, COMMIT, no handler), as
   * before placements (set_config only, on the app pool) and with them (the directory lookup,
   * then set_config + the shared fence lock + the epoch read, in the same one round trip).
   */
  fence: { before: LatencySummary; withPlacements: LatencySummary };
  throughput: {
    connections: number;
    seconds: number;
    requestsPerSecond: number;
    p99Ms: number;
    errors: number;
  };
}

/**
 * Per-request cost of the tenant transaction: GET /v1/settings (checkout, BEGIN, set_config,
 * SELECT, COMMIT) against the same handler on a connection with the tenant already set.
 */
export async function benchTenantTransaction(
  log: (line: string) => void,
): Promise<TenantTransactionResult> {
  const secrets = await prepareBenchDatabase('bench', log, {
    // The transaction alone, against a baseline without the limiter (its cost: rate-limit.bench).
    TENANT_RATE_LIMIT_PER_MINUTE: 'off',
  });
  const root: DynamicModule = {
    module: BenchAppModule,
    imports: [await AppModule.forRoot(), TenantScopeModule, TenancyModule],
    controllers: [NoTransactionSettingsController],
  };
  const app = await startBenchApp(root);
  const url = await app.getUrl();
  try {
    const tenant = await createBenchTenant(url, secrets, {
      name: 'Bench Tenant',
      slug: 'bench',
      owner_email: 'bench@bench.example',
    });
    const token = tenant.ownerToken;
    const headers = { Authorization: `Bearer ${token}` };
    const requests = Number(process.env.BENCH_REQUESTS ?? 5000);
    const progress = (label: string) => (done: number) => log(`  ${label}: ${done}/${requests}`);

    // Interleave two rounds of each so drift on a shared machine hits both sides alike.
    const rounds: LatencySummary[][] = [[], []];
    for (let round = 0; round < 2; round++) {
      log(`round ${round + 1}/2: GET /v1/settings (tenant transaction)`);
      rounds[0].push(
        await measureLatency(`${url}/v1/settings`, headers, {
          warmup: 300,
          requests,
          onProgress: progress('with'),
        }),
      );
      log(`round ${round + 1}/2: same handler, no transaction`);
      rounds[1].push(
        await measureLatency(`${url}/bench/settings-without-transaction`, headers, {
          warmup: 300,
          requests,
          onProgress: progress('without'),
        }),
      );
    }
    const withTransaction = merge(rounds[0]);
    const withoutTransaction = merge(rounds[1]);
    const fence = await benchFence(app.get(TenantContext), app.get(DataSource), tenant.id, log);

    const seconds = Number(process.env.BENCH_SECONDS ?? 10);
    const connections = 16;
    log(`throughput: ${connections} connections for ${seconds}s on GET /v1/settings (pool of 10)`);
    const load = await autocannon({
      url: `${url}/v1/settings`,
      headers,
      connections,
      duration: seconds,
    });

    return {
      withTransaction,
      withoutTransaction,
      fence,
      ratio: {
        p50: withTransaction.p50 / withoutTransaction.p50,
        p99: withTransaction.p99 / withoutTransaction.p99,
        mean: withTransaction.mean / withoutTransaction.mean,
      },
      throughput: {
        connections,
        seconds,
        requestsPerSecond: load.requests.average,
        p99Ms: load.latency.p99,
        errors: load.errors + load.non2xx,
      },
    };
  } finally {
    await app.close();
    secrets.restoreEnvironment();
  }
}

/**
 * The empty tenant transaction, interleaved in blocks: today's first statement on the app pool
 * (runInTenantOn: set_config alone) against the routed one (runInTenant: directory, then the
 * fenced first statement).
 */
async function benchFence(
  tenantContext: TenantContext,
  dataSource: DataSource,
  tenantId: string,
  log: (line: string) => void,
): Promise<{ before: LatencySummary; withPlacements: LatencySummary }> {
  const iterations = Number(process.env.BENCH_REQUESTS ?? 5000);
  const before: number[] = [];
  const after: number[] = [];
  const noop = () => Promise.resolve();
  const time = async (samples: number[], run: () => Promise<void>) => {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  for (let i = 0; i < 300; i++) await tenantContext.runInTenant(tenantId, noop); // warm-up
  for (let block = 0; block < iterations / 500; block++) {
    for (let i = 0; i < 500; i++) {
      await time(before, () => tenantContext.runInTenantOn(dataSource, tenantId, noop));
    }
    for (let i = 0; i < 500; i++) {
      await time(after, () => tenantContext.runInTenant(tenantId, noop));
    }
    log(`  fence: ${(block + 1) * 500}/${iterations}`);
  }
  return { before: summariseLatency(before), withPlacements: summariseLatency(after) };
}

/** Two rounds into one summary: percentiles averaged, counts added. */
function merge(rounds: LatencySummary[]): LatencySummary {
  const avg = (key: keyof LatencySummary) => rounds.reduce((s, r) => s + r[key], 0) / rounds.length;
  return {
    requests: rounds.reduce((s, r) => s + r.requests, 0),
    p50: avg('p50'),
    p90: avg('p90'),
    p99: avg('p99'),
    mean: avg('mean'),
    max: Math.max(...rounds.map((r) => r.max)),
  };
}

/** The per-request cost table and the throughput line, as `npm run bench` prints them. */
export function printTenantTransaction(tx: TenantTransactionResult): void {
  const ms = (value: number) => value.toFixed(3).padStart(9);
  const rows = [
    ['GET /v1/settings (tenant transaction)', tx.withTransaction],
    ['same handler, no transaction', tx.withoutTransaction],
  ] as const;
  console.log(
    '\nTenant transaction: per-request cost (sequential requests, one keep-alive connection)',
  );
  console.log(
    `${'route'.padEnd(40)} ${'requests'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p90 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'mean ms'.padStart(9)}`,
  );
  for (const [label, s] of rows) {
    console.log(
      `${label.padEnd(40)} ${String(s.requests).padStart(8)} ${ms(s.p50)} ${ms(s.p90)} ${ms(s.p99)} ${ms(s.mean)}`,
    );
  }
  console.log(
    `ratio with/without: p50 ${tx.ratio.p50.toFixed(2)}x, p99 ${tx.ratio.p99.toFixed(2)}x, mean ${tx.ratio.mean.toFixed(2)}x` +
      ` (extra per request: p50 +${(tx.withTransaction.p50 - tx.withoutTransaction.p50).toFixed(3)} ms)`,
  );
  const fenceRows = [
    ['tenant transaction, set_config only', tx.fence.before],
    ['tenant transaction, placement + fence', tx.fence.withPlacements],
  ] as const;
  console.log('empty tenant transaction (BEGIN, first statement, COMMIT), in process:');
  for (const [label, s] of fenceRows) {
    console.log(
      `${label.padEnd(40)} ${String(s.requests).padStart(8)} ${ms(s.p50)} ${ms(s.p90)} ${ms(s.p99)} ${ms(s.mean)}`,
    );
  }
  console.log(
    `fence cost: p50 +${(tx.fence.withPlacements.p50 - tx.fence.before.p50).toFixed(3)} ms,` +
      ` p99 +${(tx.fence.withPlacements.p99 - tx.fence.before.p99).toFixed(3)} ms`,
  );
  console.log(
    `throughput GET /v1/settings: ${tx.throughput.requestsPerSecond.toFixed(0)} req/s with ${tx.throughput.connections} connections` +
      ` over ${tx.throughput.seconds}s, p99 ${tx.throughput.p99Ms} ms, errors ${tx.throughput.errors}`,
  );
}
