import { createHash, randomUUID } from 'node:crypto';
import type { EventRow } from '../../src/ingestion/events/event-contract';
import { ExportDispatchService } from '../../src/exports/export-dispatch.service';
import { schemaVersion } from '../../src/exports/archive-format';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
  uniqueSlug,
} from '../support/test-app';
import { exportEverything, manifestOf, ndjsonOf, unpack, type Entry } from './archive';

const DAY = 86_400_000;
const EVENTS = 12_345;

/** Events over the last 20 days, whole seconds (ClickHouse keeps seconds), varied properties. */
function eventsFor(tenantId: string): EventRow[] {
  const now = Math.floor(Date.now() / 1000) * 1000;
  return Array.from({ length: EVENTS }, (_, i): EventRow => ({
    tenantId,
    eventId: randomUUID(),
    eventType: ['page_view', 'signup', 'purchase'][i % 3],
    timestamp: new Date(now - 20 * DAY + i * 1000 * 137),
    userId: i % 7 === 0 ? '' : `user-${i % 500}`,
    sessionId: `session-${i % 900}`,
    properties: i % 2 === 0 ? { plan: 'pro', amount: i, first: i % 4 === 0 } : {},
    receivedAt: new Date(now - 20 * DAY + i * 1000 * 137 + 2000),
  }));
}

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const without = (row: Record<string, unknown>, ...fields: string[]) =>
  Object.fromEntries(Object.entries(row).filter(([key]) => !fields.includes(key)));

/** What must be equal between a tenant's export and the export of its import. */
function portable(entries: Entry[]) {
  const manifest = manifestOf(entries);
  const imported = [
    'settings.json',
    'branding.json',
    'dashboards.ndjson',
    'users.ndjson',
    'events.ndjson.gz',
  ];
  return {
    schema_version: manifest.schema_version,
    time_range: manifest.time_range,
    event_store: manifest.event_store,
    files: manifest.files
      .filter((file) => imported.includes(file.name))
      .map((file) => ({ name: file.name, table: file.table, rows: file.rows })),
    // Files without ids or times: byte for byte the same.
    sha256: manifest.files
      .filter((file) => ['settings.json', 'branding.json', 'events.ndjson.gz'].includes(file.name))
      .map((file) => [file.name, file.sha256]),
    dashboards: ndjsonOf(entries, 'dashboards.ndjson').map((d) =>
      without(d, 'id', 'created_at', 'updated_at'),
    ),
    users: ndjsonOf(entries, 'users.ndjson').map((u) =>
      without(u, 'id', 'created_at', 'last_login_at'),
    ),
  };
}

/**
 * Export, import into a new empty tenant, export again: the two manifests are the same apart
 * from ids and times, on each event store (PostgreSQL in-process without Redis; ClickHouse with
 * the export run as a BullMQ job).
 */
describe.each<{ store: string; env: Record<string, string>; runs: string }>([
  { store: 'postgres', env: { EVENT_STORE: 'postgres', REDIS_URL: '' }, runs: 'in-process' },
  { store: 'clickhouse', env: { EVENT_STORE: 'clickhouse' }, runs: 'queue' },
])('export → import → export round trip ($store, runs $runs)', ({ store, env, runs }) => {
  let t: TestApp;
  let eventStore: EventStore;

  beforeAll(async () => {
    t = await createTestApp({ env });
    eventStore = t.app.get<EventStore>(EVENT_STORE);
  });
  afterAll(() => t.close());

  it('exports every table and event, and an import of it exports the same', async () => {
    expect(eventStore.kind).toBe(store);
    expect(t.app.get(ExportDispatchService).mode).toBe(runs);
    const source = await createTenant(t.http, { tier: 'enterprise' });
    const owner = bearer(tenantToken(source.id));
    await t.http
      .patch('/v1/settings')
      .set(owner)
      .send({ timezone: 'Europe/Berlin', currency: 'EUR', date_format: 'DD.MM.YYYY' })
      .expect(200);
    await t.http
      .put('/v1/branding')
      .set(owner)
      .send({
        primary_color: '#0f766e',
        accent_color: '#f97316',
        background_color: '#ffffff',
        text_color: '#111827',
        logo_url: 'https://cdn.example/logo.png',
        embed_origins: ['https://app.example'],
      })
      .expect(200);
    await t.http
      .post('/v1/dashboards')
      .set(owner)
      .send({
        name: 'Sales',
        widgets: [{ kind: 'kpi', metric: 'events', options: { range_days: 7 } }],
      })
      .expect(201);
    for (const role of ['admin', 'analyst', 'viewer']) {
      await t.http
        .post('/v1/users')
        .set(owner)
        .send({ email: `${role}@round.example`, role })
        .expect(201);
    }
    const key = await t.http
      .post('/v1/api-keys')
      .set(owner)
      .send({ name: 'ingest', scopes: ['events:write'] })
      .expect(201);
    const events = eventsFor(source.id);
    for (let i = 0; i < events.length; i += 5000) await eventStore.write(events.slice(i, i + 5000));

    const first = await exportEverything(t.http, owner);
    expect(first.status.progress).toMatchObject({ percent: 100, events_total: EVENTS });
    expect(first.status.file!.sha256).toBe(sha256(first.archive));
    const entries = await unpack(first.archive);
    expect(entries[0].name).toBe('manifest.json');
    const manifest = manifestOf(entries);
    expect(manifest.event_store).toBe(store);
    // The newest migration this build runs: the schema the rows follow.
    expect(manifest.schema_version).toBe(schemaVersion());
    expect(manifest.schema_version).toMatch(/^\w+\d{13}$/);
    // Every file listed, with its row count and SHA-256; and nothing else in the archive.
    expect(entries.map((e) => e.name).sort()).toEqual(
      ['manifest.json', ...manifest.files.map((f) => f.name)].sort(),
    );
    for (const file of manifest.files) {
      const entry = entries.find((e) => e.name === file.name)!;
      expect({ name: file.name, sha256: sha256(entry.body), bytes: entry.body.length }).toEqual({
        name: file.name,
        sha256: file.sha256,
        bytes: file.bytes,
      });
    }
    const rows = Object.fromEntries(manifest.files.map((f) => [f.name, f.rows]));
    expect(rows).toMatchObject({
      'settings.json': 1,
      'branding.json': 1,
      'users.ndjson': 4,
      'api_keys.ndjson': 1,
      'dashboards.ndjson': 2,
      'events.ndjson.gz': EVENTS,
    });
    expect(rows['audit_log.ndjson']).toBeGreaterThanOrEqual(6);
    // No secret leaves: no password hash, no key hash; the key by prefix and scopes only.
    const users = ndjsonOf(entries, 'users.ndjson');
    expect(Object.keys(users[0]).sort()).toEqual(
      ['created_at', 'email', 'id', 'last_login_at', 'role', 'status'].sort(),
    );
    const [apiKey] = ndjsonOf(entries, 'api_keys.ndjson');
    expect(apiKey).toMatchObject({ prefix: key.body.prefix, scopes: ['events:write'] });
    expect(JSON.stringify(apiKey)).not.toContain(key.body.key.slice(-20));
    expect(Object.keys(apiKey)).not.toContain('secret_hash');
    // Every event, once, as written.
    const exported = ndjsonOf(entries, 'events.ndjson.gz');
    expect(exported).toHaveLength(EVENTS);
    const byId = new Map(events.map((e) => [e.eventId, e]));
    for (const event of exported.slice(0, 50)) {
      const written = byId.get(event.event_id as string)!;
      expect(event).toEqual({
        event_id: written.eventId,
        timestamp: written.timestamp.toISOString(),
        event_type: written.eventType,
        user_id: written.userId,
        session_id: written.sessionId,
        properties: written.properties,
        received_at: written.receivedAt.toISOString(),
      });
    }
    expect(new Set(exported.map((e) => e.event_id)).size).toBe(EVENTS);

    // A new tenant whose owner is the source's owner (same email): the import keeps it.
    const slug = uniqueSlug('imp');
    const target = await t.http
      .post('/admin/tenants')
      .set(adminAuth)
      .send({
        name: 'Imported',
        slug,
        owner_email: `owner@${source.slug}.example`,
        tier: 'enterprise',
      })
      .expect(201);
    const imported = await t.http
      .post(`/admin/tenants/${target.body.id}/import`)
      .set(adminAuth)
      .set('Content-Type', 'application/gzip')
      .send(first.archive)
      .expect(201);
    expect(imported.body).toMatchObject({
      tenant_id: target.body.id,
      source: { tenant_id: source.id, export_id: first.status.id },
      imported: { settings: true, branding: true, dashboards: 2, users: 3, events: EVENTS },
      not_imported: { api_keys: 1, invoices: 0 },
      existing_users_kept: [`owner@${source.slug}.example`],
    });
    for (const invited of imported.body.invited_users) {
      expect(invited.password_set_token).toMatch(/^pst_/);
    }
    expect(await eventStore.countEvents(target.body.id)).toBe(EVENTS);

    const targetOwner = bearer(
      tenantToken(target.body.id, { claims: { sub: target.body.owner.id } }),
    );
    const second = await exportEverything(t.http, targetOwner);
    const again = await unpack(second.archive);
    expect(portable(again)).toEqual(portable(entries));
    expect(manifestOf(again).export_id).not.toBe(manifest.export_id);

    // An invited user sets a password with the token and signs in to the imported tenant.
    const analyst = imported.body.invited_users.find((u: { role: string }) => u.role === 'analyst');
    await t.http
      .post('/auth/password')
      .send({ token: analyst.password_set_token, password: 'imported user passphrase' })
      .expect(204);
    await t.http
      .post('/auth/login')
      .send({ tenant: slug, email: analyst.email, password: 'imported user passphrase' })
      .expect(200);
  }, 180_000);
});
