import { TENANT_TIERS, type TenantTier } from '../../tenancy/tenant.entity';

/** Events per second above which a tenant of each tier is hot; null: never (that tier is off). */
export type OverflowThresholds = Record<TenantTier, number | null>;

/** Defaults: a few times what each tier's SDK traffic normally is, well below one consumer's pace. */
export const DEFAULT_OVERFLOW_THRESHOLDS = 'starter:500,growth:2000,enterprise:5000';

/** What INGEST_OVERFLOW_EVENTS_PER_SECOND accepts: `off`, or tier:rate pairs (rate or `off`). */
export const OVERFLOW_THRESHOLDS_PATTERN =
  /^(off|(starter|growth|enterprise):(off|[1-9]\d{0,8})(,(starter|growth|enterprise):(off|[1-9]\d{0,8})){0,2})$/;

/**
 * The thresholds of a setting that matched OVERFLOW_THRESHOLDS_PATTERN: `off` switches overflow
 * off for everyone (null), a tier left out keeps its default, `tier:off` exempts that tier.
 */
export function parseOverflowThresholds(setting: string): OverflowThresholds | null {
  if (setting === 'off') return null;
  const thresholds = { ...DEFAULTS };
  for (const [tier, rate] of pairsOf(setting)) thresholds[tier] = rate;
  return thresholds;
}

function pairsOf(setting: string): [TenantTier, number | null][] {
  return setting.split(',').map((pair) => {
    const [tier, rate] = pair.split(':');
    if (!(TENANT_TIERS as readonly string[]).includes(tier)) {
      throw new Error(`unknown tier ${tier} in the overflow thresholds`);
    }
    return [tier as TenantTier, rate === 'off' ? null : Number(rate)];
  });
}

const DEFAULTS = Object.fromEntries(pairsOf(DEFAULT_OVERFLOW_THRESHOLDS)) as OverflowThresholds;
