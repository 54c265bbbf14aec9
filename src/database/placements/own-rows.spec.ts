import { keepOwnRows, tenantIdsOf } from './own-rows';

describe('keepOwnRows', () => {
  const homes = new Map([
    ['pooled', 'control-id'],
    ['siloed', 'silo-id'],
    ['draining', 'draining-id'],
  ]);
  const row = (tenant_id: string | null, from: string) => ({ tenant_id, from });

  it("keeps a tenant's rows only from its own database, and control's for placements not read", () => {
    const kept = keepOwnRows(
      [
        {
          placementId: null,
          rows: [
            row('pooled', 'control'),
            row('siloed', 'control'),
            row('draining', 'control'),
            row(null, 'control'),
            row('gone', 'control'),
          ],
        },
        { placementId: 'silo-id', rows: [row('siloed', 'silo'), row('pooled', 'silo')] },
      ],
      homes,
    );
    expect(kept).toEqual([
      row('pooled', 'control'),
      row('draining', 'control'),
      row(null, 'control'),
      row('siloed', 'silo'),
    ]);
  });

  it("never takes control's leftovers for the tenants of an unreachable placement (listed, no rows)", () => {
    const kept = keepOwnRows(
      [
        { placementId: null, rows: [row('siloed', 'control'), row('pooled', 'control')] },
        { placementId: 'silo-id', rows: [] },
      ],
      homes,
    );
    expect(kept).toEqual([row('pooled', 'control')]);
  });

  it('collects each tenant id once, platform rows left out', () => {
    expect(
      tenantIdsOf([
        { placementId: null, rows: [row('a', 'x'), row(null, 'x')] },
        { placementId: 'p', rows: [row('a', 'y'), row('b', 'y')] },
      ]),
    ).toEqual(['a', 'b']);
  });
});
