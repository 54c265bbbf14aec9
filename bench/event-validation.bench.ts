import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { checkEvent } from '../src/ingestion/events/event-contract';
import { EventDto } from './event-dto.class-validator';

export interface ValidationBench {
  events: number;
  ajvEventsPerSecond: number;
  classValidatorEventsPerSecond: number;
  speedup: number;
}

function sampleEvents(count: number): Record<string, unknown>[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    event_id: randomUUID(),
    event_type: ['page_view', 'button_click', 'signup', 'purchase'][i % 4],
    timestamp: new Date(now - (i % 86_400) * 1000).toISOString(),
    user_id: `user-${i % 5000}`,
    session_id: `session-${i % 900}`,
    properties: {
      page_url: `/p/${i % 50}`,
      browser: 'firefox',
      country: 'DE',
      price: i % 100,
      trial: i % 2 === 0,
    },
  }));
}

function rate(events: Record<string, unknown>[], validate: (event: unknown) => boolean): number {
  for (const event of events.slice(0, 2000)) validate(event); // warm-up
  const started = process.hrtime.bigint();
  let valid = 0;
  for (const event of events) if (validate(event)) valid += 1;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (valid !== events.length)
    throw new Error(`only ${valid} of ${events.length} sample events were valid`);
  return events.length / seconds;
}

/**
 * The hot path of POST /v1/events and of the consumer: checking one event. The compiled JSON
 * Schema (ajv, plus the checks a schema cannot say) against class-validator on the same rules.
 */
export function benchEventValidation(
  log: (line: string) => void,
  count = 200_000,
): ValidationBench {
  const events = sampleEvents(count);
  const now = Date.now();
  log(`validation: ${count} events through ajv (compiled schema)`);
  const ajvRate = rate(events, (event) => checkEvent(event, now, 730).ok);
  log(`validation: ${count} events through class-validator`);
  const classValidatorRate = rate(
    events,
    (event) =>
      validateSync(plainToInstance(EventDto, event), {
        whitelist: true,
        forbidNonWhitelisted: true,
      }).length === 0,
  );
  return {
    events: count,
    ajvEventsPerSecond: ajvRate,
    classValidatorEventsPerSecond: classValidatorRate,
    speedup: ajvRate / classValidatorRate,
  };
}
