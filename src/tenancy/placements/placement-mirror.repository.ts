import { Injectable } from '@nestjs/common';

/** A connection or an open transaction's manager: both run SQL. */
interface Queryable {
  query<T = unknown>(text: string, parameters?: unknown[]): Promise<T>;
}

/** The tenants columns a copy keeps equal to control's (all but the id it is keyed by). */
const TENANT_COPY_COLUMNS = [
  'name',
  'slug',
  'tier',
  'status',
  'plan_id',
  'plan_overrides',
  'created_at',
  'updated_at',
  'deleted_at',
  'purge_after',
  'purged_at',
  'status_before_deletion',
  'purge_state',
  'purge_report',
  'placement_id',
  'placement_epoch',
  'provisioning',
];

/**
 * The copies of control rows a placement database holds (issue 18): its tenants' `tenants` rows
 * and every `plans` row, which its foreign keys and SECURITY DEFINER functions read locally.
 * Read from control and written to the placement, both on the platform role's connections; the
 * rows go over as JSON and are rebuilt with json_populate_record, so the copy is column for
 * column what control holds.
 */
@Injectable()
export class PlacementMirrorRepository {
  /** The tenant's control row as JSON, or null. */
  async controlTenant(control: Queryable, tenantId: string): Promise<object | null> {
    const [row] = await control.query<{ row: object }[]>(
      'SELECT row_to_json(t) AS row FROM tenants t WHERE id = $1',
      [tenantId],
    );
    return row?.row ?? null;
  }

  /** Inserts or refreshes the copy; an older control row never overwrites a newer copy. */
  async upsertTenant(placement: Queryable, row: object): Promise<void> {
    const set = TENANT_COPY_COLUMNS.map((column) => `${column} = EXCLUDED.${column}`).join(', ');
    await placement.query(
      `INSERT INTO tenants SELECT * FROM json_populate_record(NULL::tenants, $1::json)
       ON CONFLICT (id) DO UPDATE SET ${set}
       WHERE tenants.updated_at <= EXCLUDED.updated_at
          OR tenants.placement_epoch < EXCLUDED.placement_epoch`,
      [JSON.stringify(row)],
    );
  }

  /** Control's rows of every tenant of one placement, as JSON, by id. */
  async controlTenantsOf(control: Queryable, placementId: string): Promise<Map<string, object>> {
    const rows = await control.query<{ id: string; row: object }[]>(
      'SELECT t.id, row_to_json(t) AS row FROM tenants t WHERE t.placement_id = $1',
      [placementId],
    );
    return new Map(rows.map(({ id, row }) => [id, row]));
  }

  /** The placement's copies of those tenants, as JSON, by id. */
  async copiesOf(placement: Queryable, ids: string[]): Promise<Map<string, object>> {
    const rows = await placement.query<{ id: string; row: object }[]>(
      'SELECT t.id, row_to_json(t) AS row FROM tenants t WHERE t.id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map(({ id, row }) => [id, row]));
  }

  async controlPlans(control: Queryable): Promise<object[]> {
    const [row] = await control.query<{ rows: object[] }[]>(
      "SELECT coalesce(json_agg(p), '[]'::json) AS rows FROM plans p",
    );
    return row.rows;
  }

  /** Plan versions are immutable: a copy is inserted once, never changed. */
  async insertPlans(placement: Queryable, rows: object[]): Promise<number> {
    const inserted = await placement.query<{ id: string }[]>(
      `INSERT INTO plans SELECT * FROM json_populate_recordset(NULL::plans, $1::json)
       ON CONFLICT DO NOTHING RETURNING id`,
      [JSON.stringify(rows)],
    );
    return inserted.length;
  }

  /** Control: the siloed tenant's placement database holds it; it may be served. */
  async markProvisioned(control: Queryable, tenantId: string): Promise<void> {
    await control.query(
      'UPDATE tenants SET provisioning = false, updated_at = now() WHERE id = $1',
      [tenantId],
    );
  }
}
