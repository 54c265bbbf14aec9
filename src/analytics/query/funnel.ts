/**
 * Funnel semantics, the same on both event stores (ClickHouse `windowFunnel`, PostgreSQL SQL):
 *
 * - Only events in [from, to) that pass the property filters count, and only users with a
 *   non-empty user_id. Timestamps count in whole seconds (what ClickHouse stores).
 * - A user reaches step k when they have events e1..ek of the step types, in that order, with
 *   t(e1) <= t(e2) <= ... <= t(ek) <= t(e1) + window: the window runs from the first step's
 *   event, both ends included. Equal timestamps may advance steps (A and B in the same second
 *   is A then B), because ties are ordered by step, never by storage order.
 * - Repeated events change nothing but the choice of chain: any step-1 event may start one,
 *   and the user counts at the deepest step any chain reaches. Other events in between are fine.
 * - Steps are distinct event types (a repeated type would make one event two steps at once).
 *
 * ClickHouse 18.16's windowFunnel orders equal timestamps by the order rows arrive in, so the
 * ClickHouse adapter feeds it `seconds × 8 + step number` (see FUNNEL_TIME_SCALE) to make the
 * order deterministic and the same as current releases, which sort ties by step.
 */
export const MIN_FUNNEL_STEPS = 2;
export const MAX_FUNNEL_STEPS = 8;
export const MAX_FUNNEL_WINDOW_SECONDS = 30 * 86_400;
/** Longest range a funnel reads: the scaled seconds must stay within 18.16's Int32 arithmetic. */
export const MAX_FUNNEL_RANGE_DAYS = 1_000;
/** Scaled time = seconds × 8 + step number (1-8): ties between steps sort by step. */
export const FUNNEL_TIME_SCALE = 8;

export interface FunnelDefinition {
  steps: string[];
  windowSeconds: number;
}

export interface FunnelStepResult {
  event_type: string;
  users: number;
  conversion_from_first: number;
  conversion_from_previous: number;
}

/** Share of `part` in `whole`, four decimals; 0 when there is no one to convert. */
function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

/** Users per step (as the stores count them) with conversion from step 1 and from the step before. */
export function funnelSteps(
  steps: readonly string[],
  users: readonly number[],
): FunnelStepResult[] {
  return steps.map((eventType, index) => ({
    event_type: eventType,
    users: users[index],
    conversion_from_first: rate(users[index], users[0]),
    conversion_from_previous: rate(users[index], users[Math.max(0, index - 1)]),
  }));
}

/** Users at each step from the deepest step each user reached (level → users). */
export function usersPerStep(stepCount: number, levels: Map<number, number>): number[] {
  return Array.from({ length: stepCount }, (_, index) =>
    [...levels].reduce((sum, [level, users]) => (level >= index + 1 ? sum + users : sum), 0),
  );
}
