import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Kafka } from 'kafkajs';
import type { Environment } from '../config/environment';
import { ConsumerMonitor } from './kafka/consumer.monitor';
import { KAFKA_CLIENT } from './kafka/kafka-connection';
import { EventsConsumerTransport } from './kafka/events-consumer.transport';
import { EventBatchProcessor } from './pipeline/event-batch.processor';
import { EventWriter } from './pipeline/event.writer';

/**
 * Starts the ingestion consumer inside this app as a microservice transport, when Kafka is
 * configured and INGESTION_CONSUMER=on. Without Kafka, POST /v1/events writes in-process.
 */
export async function startIngestionConsumer(app: INestApplication): Promise<boolean> {
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  const kafka = app.get<Kafka | null>(KAFKA_CLIENT);
  if (!kafka || config.get('INGESTION_CONSUMER', { infer: true }) !== 'on') return false;
  app.connectMicroservice(
    {
      strategy: new EventsConsumerTransport(
        kafka,
        config.get('KAFKA_EVENTS_TOPIC', { infer: true }),
        config.get('KAFKA_CONSUMER_GROUP', { infer: true }),
        app.get(EventBatchProcessor),
        app.get(EventWriter),
        app.get(ConsumerMonitor),
      ),
    },
    { inheritAppConfig: false },
  );
  await app.startAllMicroservices();
  return true;
}
