/**
 * `npm run simulate -- --tenants 50 --events 1000000 --rate 20000 --via http|kafka`
 *
 * Sends realistic events (page_view, button_click, signup, purchase with device, browser,
 * country and page_url) for tenants of skewed sizes, at a target rate, through the HTTP API or
 * straight to the Kafka topic. Creates the tenants and their API keys when missing. Shows a
 * progress bar and ends with a summary.
 */
import 'reflect-metadata';
import { SingleBar } from 'cli-progress';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { readStackEnv } from '../config/stack-env';
import { API_KEY_HEADER, kafkaClientConfig } from '../ingestion/kafka/kafka-connection';
import { generateEvent } from './event-generator';
import { parseSimulatorOptions, type SimulatorOptions } from './simulator/options';
import { ensureTenants, type SimTenant, tenantPicker } from './simulator/tenant-pool';

interface Tally {
  sent: number;
  accepted: number;
  rejected: number;
  failedRequests: number;
  /** Batches refused with 429 by the tenant's plan rate limit: the platform working, not a failure. */
  rateLimited: number;
  latenciesMs: number[];
}

const log = (line: string) => process.stderr.write(`[simulate] ${line}\n`);

async function main(): Promise<void> {
  const options = parseSimulatorOptions(process.argv.slice(2));
  const tenants = await ensureTenants(options.url, options.tenants, log, options.slugs);
  const pick = tenantPicker(tenants);
  const send = options.via === 'http' ? httpSender(options) : await kafkaSender();
  const tally: Tally = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    failedRequests: 0,
    rateLimited: 0,
    latenciesMs: [],
  };

  const bar = new SingleBar({
    format:
      ' {bar} {percentage}% | {value}/{total} events | {rate}/s | accepted {accepted} | rejected {rejected} | failed requests {failed}',
    hideCursor: true,
  });
  bar.start(options.events, 0, { rate: 0, accepted: 0, rejected: 0, failed: 0 });
  const started = Date.now();
  let scheduled = 0;

  // `concurrency` workers take batches in turn; each waits until the target rate allows it.
  const worker = async () => {
    while (scheduled < options.events) {
      const size = Math.min(options.batch, options.events - scheduled);
      scheduled += size;
      const due = started + (scheduled / options.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // One tenant per batch, as a customer's SDK would send.
      const tenant = pick();
      const users = Math.max(20, Math.round(tenant.weight * 50_000));
      const events = Array.from({ length: size }, () => generateEvent(users, 3600_000));
      await send(tenant, events, tally);
      tally.sent += size;
      const seconds = (Date.now() - started) / 1000;
      bar.update(tally.sent, {
        rate: Math.round(tally.sent / seconds),
        accepted: tally.accepted,
        rejected: tally.rejected,
        failed: tally.failedRequests,
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  bar.stop();
  if ('close' in send) await (send as { close: () => Promise<void> }).close();

  const seconds = (Date.now() - started) / 1000;
  const sorted = tally.latenciesMs.sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
  console.log('\nSimulation summary');
  console.log(`  via            ${options.via} (${options.url})`);
  console.log(
    `  tenants        ${options.tenants} (skewed: biggest ${(tenants[0].weight * 100).toFixed(1)}% of events)`,
  );
  console.log(
    `  events sent    ${tally.sent} in ${seconds.toFixed(1)} s = ${Math.round(tally.sent / seconds)} events/s (target ${options.rate})`,
  );
  console.log(`  accepted       ${tally.accepted}`);
  console.log(`  rejected       ${tally.rejected}`);
  console.log(`  failed sends   ${tally.failedRequests}`);
  console.log(
    `  rate limited   ${tally.rateLimited} batches (429: the tenant's plan requests per minute)`,
  );
  console.log(
    `  send latency   p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms (per batch of ${options.batch})`,
  );
  if (tally.failedRequests > 0) process.exitCode = 1;
}

type Sender = ((tenant: SimTenant, events: unknown[], tally: Tally) => Promise<void>) & {
  close?: () => Promise<void>;
};

function httpSender(options: SimulatorOptions): Sender {
  return async (tenant, events, tally) => {
    const started = performance.now();
    try {
      const response = await fetch(`${options.url}/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': tenant.apiKey },
        body: JSON.stringify({ events }),
      });
      const body = (await response.json().catch(() => ({}))) as {
        accepted?: number;
        rejected?: unknown[];
      };
      if (response.status === 202) {
        tally.accepted += body.accepted ?? 0;
        tally.rejected += body.rejected?.length ?? 0;
      } else if (response.status === 429) {
        tally.rateLimited += 1;
      } else {
        tally.failedRequests += 1;
      }
    } catch {
      tally.failedRequests += 1;
    }
    tally.latenciesMs.push(performance.now() - started);
  };
}

/**
 * Straight to the topic as a direct producer: the producer principal's SASL credentials
 * (KAFKA_PRODUCER_USERNAME/PASSWORD, from the local stack's stack.env), and each message names
 * its tenant by that tenant's events:write API key.
 */
async function kafkaSender(): Promise<Sender> {
  const env = { ...readStackEnv(), ...process.env };
  if (!env.KAFKA_BROKERS)
    throw new Error('--via kafka needs KAFKA_BROKERS (or a running local stack)');
  const topic = env.KAFKA_EVENTS_TOPIC ?? 'tenant_events';
  const producer: Producer = new Kafka({
    clientId: 'tenantry-simulator',
    logLevel: logLevel.NOTHING,
    ...kafkaClientConfig({
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      KAFKA_SASL_USERNAME: env.KAFKA_PRODUCER_USERNAME,
      KAFKA_SASL_PASSWORD: env.KAFKA_PRODUCER_PASSWORD,
    }),
  }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sender: Sender = async (tenant, events, tally) => {
    const started = performance.now();
    try {
      // One message per batch, as the HTTP API produces them.
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: tenant.id,
            value: JSON.stringify({ events }),
            headers: { [API_KEY_HEADER]: tenant.apiKey },
          },
        ],
      });
      // Straight to the topic: the consumer checks them; they count as accepted by Kafka here.
      tally.accepted += events.length;
    } catch {
      tally.failedRequests += 1;
    }
    tally.latenciesMs.push(performance.now() - started);
  };
  sender.close = () => producer.disconnect();
  return sender;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
