import { randomUUID } from 'node:crypto';

/** Realistic usage events for the demo and the simulator: a product's web traffic, roughly. */
const EVENT_TYPES: [string, number][] = [
  ['page_view', 0.62],
  ['button_click', 0.28],
  ['signup', 0.06],
  ['purchase', 0.04],
];
const PAGES = ['/', '/pricing', '/docs', '/blog', '/signup', '/checkout', '/account', '/features'];
const BROWSERS = ['chrome', 'safari', 'firefox', 'edge'];
const DEVICES = ['desktop', 'mobile', 'tablet'];
const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'CA', 'AU', 'NL'];

function pick<T>(items: T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

function weighted(random: () => number): string {
  let roll = random();
  for (const [type, weight] of EVENT_TYPES) {
    roll -= weight;
    if (roll <= 0) return type;
  }
  return EVENT_TYPES[0][0];
}

export interface GeneratedEvent {
  event_id: string;
  event_type: string;
  timestamp: string;
  user_id: string;
  session_id: string;
  properties: Record<string, string | number | boolean>;
}

/**
 * One event of a tenant with `users` users, at a time within the last `spreadMs` (0: now).
 * Users and sessions repeat, so unique-user and session counts mean something.
 */
export function generateEvent(
  users: number,
  spreadMs = 0,
  random: () => number = Math.random,
): GeneratedEvent {
  const type = weighted(random);
  const user = Math.floor(random() ** 2 * users); // a few heavy users, a long tail
  const properties: Record<string, string | number | boolean> = {
    page_url: pick(PAGES, random),
    browser: pick(BROWSERS, random),
    device: pick(DEVICES, random),
    country: pick(COUNTRIES, random),
  };
  if (type === 'purchase') properties.amount = Math.round(random() * 50_000) / 100;
  if (type === 'signup') properties.plan = pick(['free', 'pro', 'team'], random);
  return {
    event_id: randomUUID(),
    event_type: type,
    timestamp: new Date(Date.now() - Math.floor(random() * spreadMs)).toISOString(),
    user_id: `user-${user}`,
    session_id: `session-${user}-${Math.floor(random() * 5)}`,
    properties,
  };
}
