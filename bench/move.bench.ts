/**
 * `npm run bench:move`: an online tenant move (issue 18, item 3) of a tenant of
 * BENCH_MOVE_EVENTS events (default 200,000) plus its users, keys and dashboards, while it
 * receives 2,000 events/s over HTTP: how long the move takes and how long its writes are held
 * (hold_ms; the window in which its settings writes answer 503). From the pooled control
 * database to placement silo-1, a database of the bench's own on the stack's silo cluster
 * (postgres-silo), set up as the tests' global setup does; it runs with ts (swc) rather than
 * from dist for those test helpers.
 */
import 'reflect-metadata';
import { recreateDatabase } from '../src/database/recreate-database';
import { anEvent } from '../test/support/ingestion';
import { prepareSiloPlacement, requireSilo, SILO_PLACEMENT } from '../test/support/placements';
import { testEnvironment } from '../test/support/stack-env';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  tenantToken,
} from '../test/support/test-app';

const log = (line: string) => process.stderr.write(`[bench:move] ${line}\n`);

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_MOVE_EVENTS ?? 200_000);
  const env = testEnvironment();
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? 'tenantry';
  Object.assign(process.env, env, {
    DATABASE_NAME: `${prefix}_move_bench`,
    CLICKHOUSE_DATABASE: `${prefix}_move_bench`,
    LOG_LEVEL: 'silent',
    EVENT_STORE: 'postgres',
    INGESTION_CONSUMER: 'off',
    KAFKA_BROKERS: '',
    PLACEMENT_SILO1_DATABASE: `${prefix}_move_silo_bench`,
  });
  requireSilo();
  log(`preparing ${process.env.DATABASE_NAME} and its silo ${process.env.PLACEMENT_SILO1_DATABASE}`);
  await recreateDatabase(
    {
      host: process.env.DATABASE_HOST!,
      port: Number(process.env.DATABASE_PORT),
      user: process.env.DATABASE_OWNER_USER!,
      password: process.env.DATABASE_OWNER_PASSWORD!,
      maintenanceDatabase: 'postgres',
    },
    process.env.DATABASE_NAME!,
  );
  await prepareSiloPlacement(process.env as Record<string, string>);
  const api = await createTestApp();
  try {
    const tenant = await createTenant(api.http);
    const token = tenantToken(tenant.id);
    log(`seeding ${total} events`);
    const seedStarted = Date.now();
    for (let sent = 0; sent < total;) {
      const requests: Promise<unknown>[] = [];
      for (let i = 0; i < 4 && sent < total; i++) {
        const events = Array.from({ length: Math.min(500, total - sent) }, () => anEvent());
        sent += events.length;
        requests.push(
          api.http.post('/v1/events').set(bearer(token)).send({ events }).expect(202).then(),
        );
      }
      await Promise.all(requests);
    }
    log(`seeded in ${Date.now() - seedStarted} ms`);

    let streaming = true;
    let accepted = 0;
    const writes: { at: number; status: number }[] = [];
    const inFlight: Promise<unknown>[] = [];
    const stream = (async () => {
      const started = Date.now();
      for (let tick = 0; streaming; tick++) {
        const events = Array.from({ length: 100 }, () => anEvent());
        inFlight.push(
          api.http
            .post('/v1/events')
            .set(bearer(token))
            .send({ events })
            .then((r) => (accepted += r.status === 202 ? events.length : 0)),
        );
        const at = Date.now();
        inFlight.push(
          api.http
            .patch('/v1/settings')
            .set(bearer(token))
            .send({ currency: tick % 2 ? 'EUR' : 'USD' })
            .then((r) => writes.push({ at, status: r.status })),
        );
        const next = started + ((tick + 1) * 1000) / 20;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const moveStarted = Date.now();
    const requested = await api.http
      .post(`/admin/tenants/${tenant.id}/move`)
      .set(adminAuth)
      .send({ placement: SILO_PLACEMENT })
      .expect(202);
    let move: Record<string, unknown>;
    for (;;) {
      const response = await api.http
        .get(`/admin/tenants/${tenant.id}/moves/${String(requested.body.move_id)}`)
        .set(adminAuth);
      move = response.body as Record<string, unknown>;
      if (['done', 'failed', 'rolled_back'].includes(move.state as string)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const moveMs = Date.now() - moveStarted;
    streaming = false;
    await stream;
    await Promise.all(inFlight);
    const held = writes.filter((w) => w.status === 503).map((w) => w.at);
    const result = {
      events_before: total,
      events_accepted_during_stream: accepted,
      state: move.state,
      error: move.error,
      attempts: move.attempts,
      move_ms: moveMs,
      hold_ms: move.hold_ms,
      write_503_window_ms: held.length ? Math.max(...held) - Math.min(...held) : 0,
      writes_503: held.length,
      writes: writes.length,
      rows_copied: move.rows_copied,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await api.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
