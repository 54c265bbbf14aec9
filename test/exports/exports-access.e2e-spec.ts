import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { ExportCleanupService } from '../../src/exports/export-cleanup.service';
import { ExportFilesService } from '../../src/exports/export-files.service';
import { EVENT_STORE, type EventStore } from '../../src/ingestion/store/event-store';
import { asTenant, connectAs, sqlState } from '../support/sql';
import {
  adminAuth,
  bearer,
  createTenant,
  createTestApp,
  type TestApp,
  tenantToken,
} from '../support/test-app';
import { eventRow } from '../support/analytics-stores';
import {
  binary,
  type Entry,
  EVERYTHING,
  exportEverything,
  manifestOf,
  pack,
  unpack,
  waitForExport,
} from './archive';

const INSUFFICIENT_PRIVILEGE = '42501';
const UNIQUE_VIOLATION = '23505';
const DAY = 86_400_000;

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** Commits `sql` as the app role inside `tenantId`'s scope (asTenant rolls back). */
async function commitAs(client: Client, tenantId: string, sql: string, values: unknown[]) {
  await client.query('BEGIN');
  await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
  const result = await client.query(sql, values);
  await client.query('COMMIT');
  return result.rows;
}

/**
 * Exports and imports under attack: the table's isolation, one export at a time, who may
 * download what and for how long, the clean-up, and every way an import archive can be bad
 * (each refused with a 4xx naming what is wrong, and nothing stored).
 */
describe('exports and imports: access, limits and hostile archives', () => {
  let t: TestApp;
  let app: Client;
  let directory: string;
  let tenantA: Awaited<ReturnType<typeof createTenant>>;
  let ownerA: Record<string, string>;
  let archive: Buffer;
  let exportId: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tenantry-exports-'));
    t = await createTestApp({
      env: {
        EVENT_STORE: 'postgres',
        REDIS_URL: '',
        EXPORT_DIRECTORY: directory,
        IMPORT_MAX_MEGABYTES: '1',
      },
    });
    app = await connectAs('app');
    tenantA = await createTenant(t.http);
    ownerA = bearer(tenantToken(tenantA.id));
    const store = t.app.get<EventStore>(EVENT_STORE);
    const now = Date.now();
    await store.write(
      Array.from({ length: 300 }, (_, i) =>
        eventRow(tenantA.id, 'visit', new Date(now - i * 60_000), `u${i % 9}`),
      ),
    );
    const done = await exportEverything(t.http, ownerA);
    archive = done.archive;
    exportId = done.status.id;
  });
  afterAll(async () => {
    await app.end();
    await t.close();
  });

  describe('the data_exports table', () => {
    it("is invisible to another tenant and refuses rows in another tenant's name", async () => {
      const other = await createTenant(t.http);
      await asTenant(app, other.id, async () => {
        const { rowCount } = await app.query('SELECT 1 FROM data_exports WHERE id = $1', [
          exportId,
        ]);
        expect(rowCount).toBe(0);
        const update = await app.query("UPDATE data_exports SET status = 'failed' WHERE id = $1", [
          exportId,
        ]);
        expect(update.rowCount).toBe(0);
        expect(
          await sqlState(
            app,
            `INSERT INTO data_exports (tenant_id, requested_by_type, range_from, range_to)
             VALUES ($1, 'user', now() - interval '1 day', now())`,
            [tenantA.id],
          ),
        ).toBe(INSUFFICIENT_PRIVILEGE);
      });
      await asTenant(app, tenantA.id, async () => {
        const { rowCount } = await app.query('SELECT 1 FROM data_exports WHERE id = $1', [
          exportId,
        ]);
        expect(rowCount).toBe(1);
      });
    });

    it('holds at most one queued or running export per tenant', async () => {
      const tenant = await createTenant(t.http);
      const insert = `INSERT INTO data_exports (tenant_id, requested_by_type, range_from, range_to, status)
                      VALUES ($1, 'user', now() - interval '1 day', now(), $2)`;
      await asTenant(app, tenant.id, async () => {
        expect(await sqlState(app, insert, [tenant.id, 'queued'])).toBe('ok');
        expect(await sqlState(app, insert, [tenant.id, 'running'])).toBe(UNIQUE_VIOLATION);
        expect(await sqlState(app, insert, [tenant.id, 'failed'])).toBe('ok');
      });
    });
  });

  describe('POST /v1/exports', () => {
    it('refuses a missing or reversed range, naming the field', async () => {
      const missing = await t.http.post('/v1/exports').set(ownerA).send({}).expect(400);
      expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('from');
      const reversed = await t.http
        .post('/v1/exports')
        .set(ownerA)
        .send({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })
        .expect(400);
      expect(reversed.body.errors).toEqual([
        { field: 'from', message: 'from must be before to' },
        { field: 'to', message: 'to must be after from' },
      ]);
      const future = await t.http
        .post('/v1/exports')
        .set(ownerA)
        .send({ from: '9999-01-01T00:00:00Z' })
        .expect(400);
      expect(future.body.errors.map((e: { field: string }) => e.field)).toEqual(['from']);
      await t.http.post('/v1/exports').set(ownerA).send({ from: 'yesterday' }).expect(400);
      await t.http
        .post('/v1/exports')
        .set(ownerA)
        .send({ from: '1970-01-01T00:00:00Z', extra: "'; DROP TABLE data_exports; --" })
        .expect(400);
    });

    it('is for owners and admins: an analyst is refused', async () => {
      const analyst = bearer(tenantToken(tenantA.id, { claims: { role: 'analyst' } }));
      await t.http
        .post('/v1/users')
        .set(ownerA)
        .send({ email: 'analyst@a.example', role: 'analyst' })
        .expect(201);
      const refused = await t.http.post('/v1/exports').set(analyst).send(EVERYTHING);
      expect([401, 403]).toContain(refused.status);
      const viewer = await t.http.get('/v1/exports').set(analyst);
      expect([401, 403]).toContain(viewer.status);
    });

    it('answers 409 naming the export still running, until it stops reporting', async () => {
      const tenant = await createTenant(t.http);
      const owner = bearer(tenantToken(tenant.id));
      const [running] = await commitAs(
        app,
        tenant.id,
        `INSERT INTO data_exports (tenant_id, requested_by_type, range_from, range_to, status,
                                   heartbeat_at)
         VALUES ($1, 'user', now() - interval '1 day', now(), 'running', now()) RETURNING id`,
        [tenant.id],
      );
      const busy = await t.http.post('/v1/exports').set(owner).send(EVERYTHING).expect(409);
      expect(busy.body.message).toContain(running.id);
      expect(busy.body.running_export_id).toBe(running.id);
      // Its worker died: no progress for ten minutes. The next request takes the slot.
      await commitAs(
        app,
        tenant.id,
        "UPDATE data_exports SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1",
        [running.id],
      );
      const started = await t.http.post('/v1/exports').set(owner).send(EVERYTHING).expect(202);
      const stale = await t.http.get(`/v1/exports/${running.id}`).set(owner).expect(200);
      expect(stale.body).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('interrupted'),
      });
      expect((await waitForExport(t.http, owner, started.body.id)).status).toBe('completed');
    });

    it('lists exports newest first, with progress', async () => {
      const list = await t.http.get('/v1/exports').set(ownerA).expect(200);
      expect(list.body.data[0]).toMatchObject({
        id: exportId,
        status: 'completed',
        progress: { percent: 100, events_total: 300 },
      });
      await t.http.get('/v1/exports?limit=1000').set(ownerA).expect(400);
    });
  });

  describe('GET /v1/exports/:id/download', () => {
    it("answers 404 for another tenant's export, and records the attempt in the owner's log", async () => {
      const other = await createTenant(t.http);
      const otherOwner = bearer(tenantToken(other.id));
      await t.http.get(`/v1/exports/${exportId}`).set(otherOwner).expect(404);
      await t.http.get(`/v1/exports/${exportId}/download`).set(otherOwner).expect(404);
      await t.http.get('/v1/exports/not-a-uuid/download').set(otherOwner).expect(400);
      const log = await t.http
        .get('/v1/audit-log?action=cross_tenant_attempt')
        .set(ownerA)
        .expect(200);
      expect(log.body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ resource_type: 'data_export', resource_id: exportId }),
        ]),
      );
    });

    it('serves the archive with its hash, and audits the download', async () => {
      const response = await t.http
        .get(`/v1/exports/${exportId}/download`)
        .set(ownerA)
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(response.headers['content-type']).toBe('application/gzip');
      expect(response.headers['x-content-sha256']).toBe(sha256(response.body as Buffer));
      const log = await t.http
        .get('/v1/audit-log?action=export.downloaded')
        .set(ownerA)
        .expect(200);
      expect(log.body.data[0]).toMatchObject({ resource_id: exportId });
    });

    it('answers 409 before completion and 410 once the 24-hour link has expired', async () => {
      const tenant = await createTenant(t.http);
      const owner = bearer(tenantToken(tenant.id));
      const [failed] = await commitAs(
        app,
        tenant.id,
        `INSERT INTO data_exports (tenant_id, requested_by_type, range_from, range_to, status)
         VALUES ($1, 'user', now() - interval '1 day', now(), 'failed') RETURNING id`,
        [tenant.id],
      );
      await t.http.get(`/v1/exports/${failed.id}/download`).set(owner).expect(409);
      const done = await exportEverything(t.http, owner);
      await commitAs(
        app,
        tenant.id,
        "UPDATE data_exports SET expires_at = now() - interval '1 second' WHERE id = $1",
        [done.status.id],
      );
      const gone = await t.http
        .get(`/v1/exports/${done.status.id}/download`)
        .set(owner)
        .expect(410);
      expect(gone.body.message).toContain('expired');
    });

    it('answers 410 once the files are removed (purge), and removes only that tenant’s', async () => {
      const tenant = await createTenant(t.http);
      const owner = bearer(tenantToken(tenant.id));
      const done = await exportEverything(t.http, owner);
      const files = t.app.get(ExportFilesService);
      expect(await files.removeAllForTenant(tenant.id)).toBe(1);
      expect(existsSync(join(directory, tenant.id))).toBe(false);
      expect(existsSync(join(directory, tenantA.id, `${exportId}.tar.gz`))).toBe(true);
      const gone = await t.http
        .get(`/v1/exports/${done.status.id}/download`)
        .set(owner)
        .expect(410);
      expect(gone.body.message).toContain('removed');
      expect(await files.removeAllForTenant(tenant.id)).toBe(0);
    });

    it('the daily clean-up removes files older than 7 days, and only those', async () => {
      const cleanup = t.app.get(ExportCleanupService);
      expect((await cleanup.removeExpired(new Date())).removed).toBe(0);
      expect(existsSync(join(directory, tenantA.id, `${exportId}.tar.gz`))).toBe(true);
      const tenant = await createTenant(t.http);
      await exportEverything(t.http, bearer(tenantToken(tenant.id)));
      const { removed } = await cleanup.removeExpired(new Date(Date.now() + 8 * DAY));
      expect(removed).toBeGreaterThanOrEqual(2);
      expect(readdirSync(join(directory, tenant.id))).toEqual([]);
      expect(existsSync(join(directory, tenantA.id, `${exportId}.tar.gz`))).toBe(false);
    });
  });

  describe('POST /admin/tenants/:id/import', () => {
    let target: Awaited<ReturnType<typeof createTenant>>;
    let entries: Entry[];

    const send = (body: Buffer, tenantId = target.id, type = 'application/gzip') =>
      t.http
        .post(`/admin/tenants/${tenantId}/import`)
        .set(adminAuth)
        .set('Content-Type', type)
        .send(body);

    /** The archive with one entry's body replaced, the manifest re-signed to match (or not). */
    async function withEntry(name: string, body: Buffer, resign: boolean): Promise<Buffer> {
      const changed = entries.map((e) => (e.name === name ? { ...e, body } : e));
      if (!resign) return pack(changed);
      const manifest = manifestOf(changed);
      for (const file of manifest.files) {
        if (file.name === name) Object.assign(file, { sha256: sha256(body), bytes: body.length });
      }
      return pack(
        changed.map((e) =>
          e.name === 'manifest.json' ? { ...e, body: Buffer.from(JSON.stringify(manifest)) } : e,
        ),
      );
    }

    async function expectRefused(body: Buffer, status: number, field?: string) {
      const response = await send(body).expect(status);
      if (field) expect(response.body.errors[0].field).toBe(field);
      return response;
    }

    beforeAll(async () => {
      target = await createTenant(t.http);
      entries = await unpack(archive);
    });

    afterEach(async () => {
      // Whatever was refused, the target is as provisioned: its owner, no event, one dashboard.
      const users = await t.http.get('/v1/users').set({ ...adminAuth, 'X-Tenant-ID': target.id });
      expect(users.body.total).toBe(1);
      expect(await t.app.get<EventStore>(EVENT_STORE).countEvents(target.id)).toBe(0);
    });

    it('refuses what is not a .tar.gz body', async () => {
      await t.http
        .post(`/admin/tenants/${target.id}/import`)
        .set(adminAuth)
        .send({ archive: 'x' })
        .expect(415);
      await expectRefused(Buffer.from('not gzip at all'), 400, 'archive');
      await expectRefused(gzipSync(Buffer.from('gzip, but not a tar')), 400, 'archive');
      await expectRefused(Buffer.alloc(0), 400, 'archive');
    });

    it('refuses a body over IMPORT_MAX_MEGABYTES before reading it all', async () => {
      await expectRefused(Buffer.alloc(1024 * 1024 + 10, 1), 413);
    });

    it('refuses path traversal, links, unknown, duplicate and missing entries, naming them', async () => {
      const body = Buffer.from('x');
      const traversal = await expectRefused(
        await pack([...entries, { name: '../../escape.txt', body }]),
        400,
        'archive:../../escape.txt',
      );
      expect(traversal.body.message).toContain('not a file of a tenantry-export archive');
      expect(existsSync(join(tmpdir(), 'escape.txt'))).toBe(false);
      await expectRefused(
        await pack([...entries, { name: '/etc/cron.d/x', body }]),
        400,
        'archive:/etc/cron.d/x',
      );
      await expectRefused(
        await pack([
          { name: 'users.ndjson', body, type: 'symlink', linkname: '/etc/passwd' },
          ...entries,
        ]),
        400,
        'archive:users.ndjson',
      );
      await expectRefused(
        await pack([...entries, entries.find((e) => e.name === 'users.ndjson')!]),
        400,
        'archive:users.ndjson',
      );
      await expectRefused(
        await pack(entries.filter((e) => e.name !== 'manifest.json')),
        400,
        'archive:manifest.json',
      );
      await expectRefused(
        await pack(entries.filter((e) => e.name !== 'dashboards.ndjson')),
        400,
        'archive:dashboards.ndjson',
      );
    });

    it('refuses a file whose SHA-256 or size differs from the manifest', async () => {
      const events = entries.find((e) => e.name === 'events.ndjson.gz')!;
      const tampered = Buffer.from(events.body);
      tampered[tampered.length - 9] ^= 0xff;
      const response = await expectRefused(
        await withEntry('events.ndjson.gz', tampered, false),
        400,
        'archive:events.ndjson.gz',
      );
      expect(response.body.message).toContain('SHA-256');
      await expectRefused(
        await withEntry('manifest.json', Buffer.from('{"format":"tenantry-export"'), false),
        400,
        'archive:manifest.json',
      );
    });

    it('refuses content that is signed but invalid, naming the file and line', async () => {
      const badEvent = gzipSync(
        Buffer.from(
          `${JSON.stringify({ event_id: randomUUID(), timestamp: '2026-01-01T00:00:00Z', event_type: 'ok', user_id: '', session_id: '', properties: {}, received_at: '2026-01-01T00:00:00Z' })}\n` +
            `${JSON.stringify({ event_id: 'nope', timestamp: 'x', event_type: 'A B', received_at: 'y' })}\n`,
        ),
      );
      const events = await expectRefused(
        await withEntry('events.ndjson.gz', badEvent, true),
        400,
        'archive:events.ndjson.gz',
      );
      expect(events.body.message).toMatch(/line 2/);
      const users = await expectRefused(
        await withEntry(
          'users.ndjson',
          Buffer.from('{"email":"x@y.z","role":"superuser","status":"active"}\n'),
          true,
        ),
        400,
        'archive:users.ndjson',
      );
      expect(users.body.message).toContain('role');
      await expectRefused(
        await withEntry(
          'settings.json',
          Buffer.from(
            '{"timezone":"Mars/Olympus","locale":"en","currency":"USD","date_format":"YYYY-MM-DD"}',
          ),
          true,
        ),
        400,
        'archive:settings.json',
      );
      await expectRefused(
        await withEntry('branding.json', Buffer.from('{"primary_color":"red"}'), true),
        400,
        'archive:branding.json',
      );
    });

    it('refuses an unknown tenant (404), a tenant credential (403), and a tenant not empty (409)', async () => {
      await send(archive, randomUUID()).expect(404);
      await t.http
        .post(`/admin/tenants/${target.id}/import`)
        .set(bearer(tenantToken(target.id)))
        .set('Content-Type', 'application/gzip')
        .send(archive)
        .expect(403);
      const conflict = await send(archive, tenantA.id).expect(409);
      expect(conflict.body.message).toContain('events');
      // No event, but a second user: not a new tenant either.
      const staffed = await createTenant(t.http);
      await t.http
        .post('/v1/users')
        .set(bearer(tenantToken(staffed.id)))
        .send({ email: 'second@staffed.example', role: 'viewer' })
        .expect(201);
      const busy = await send(archive, staffed.id).expect(409);
      expect(busy.body.message).toContain('2 users');
    });
  });
});
