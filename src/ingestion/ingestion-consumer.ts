import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Kafka } from 'kafkajs';
import type { Environment } from '../config/environment';
import { AppMessageSigner } from './kafka/app-message.signer';
import { ConsumerMonitor } from './kafka/consumer.monitor';
import { deadLetterTopic, KAFKA_CLIENT, overflowTopic } from './kafka/kafka-connection';
import { IntakeRateService } from './overflow/intake-rate.service';
import { OverflowForwarder } from './overflow/overflow-forwarder';
import { OVERFLOW_PIPELINE, type OverflowPipeline } from './overflow/overflow-pipeline.provider';
import { ProducerAuthenticator } from './pipeline/producer.authenticator';
import { ReplayMarksRepository } from './replay/replay-marks.repository';

const MB = 1024 * 1024;
import { EventsConsumerTransport } from './kafka/events-consumer.transport';
import { EventBatchProcessor } from './pipeline/event-batch.processor';
import { EventWriter } from './pipeline/event.writer';

/**
 * Starts the ingestion consumers inside this app as microservice transports, when Kafka is
 * configured and INGESTION_CONSUMER=on: the main topic's, which forwards hot tenants' messages
 * when overflow is on, and the overflow topic's (always, so a topic left with messages after
 * overflow was switched off still drains). Without Kafka, POST /v1/events writes in-process.
 */
export async function startIngestionConsumer(app: INestApplication): Promise<boolean> {
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  const kafka = app.get<Kafka | null>(KAFKA_CLIENT);
  if (!kafka || config.get('INGESTION_CONSUMER', { infer: true }) !== 'on') return false;
  const topic = config.get('KAFKA_EVENTS_TOPIC', { infer: true });
  const group = config.get('KAFKA_CONSUMER_GROUP', { infer: true });
  const intakeRate = app.get(IntakeRateService);
  const marks = app.get(ReplayMarksRepository);
  const replayMarks = (of: string) => marks.marksOf(of);
  const sessionTimeoutMs = config.get('KAFKA_SESSION_TIMEOUT_MS', { infer: true });
  app.connectMicroservice(
    {
      strategy: new EventsConsumerTransport(
        kafka,
        topic,
        group,
        app.get(EventBatchProcessor),
        app.get(EventWriter),
        app.get(ConsumerMonitor),
        intakeRate.routes
          ? {
              replayMarks,
              sessionTimeoutMs,
              forwarder: new OverflowForwarder(
                intakeRate,
                app.get(ProducerAuthenticator),
                app.get(AppMessageSigner),
                overflowTopic(topic),
              ),
            }
          : { replayMarks, sessionTimeoutMs },
      ),
    },
    { inheritAppConfig: false },
  );
  const overflow = app.get<OverflowPipeline>(OVERFLOW_PIPELINE);
  app.connectMicroservice(
    {
      strategy: new EventsConsumerTransport(
        kafka,
        overflowTopic(topic),
        `${group}.overflow`,
        overflow.processor,
        overflow.writer,
        overflow.monitor,
        {
          name: 'overflow consumer',
          replayMarks,
          sessionTimeoutMs,
          deadLetterTopic: deadLetterTopic(topic),
          fetchBytesPerPartition: config.get('INGEST_OVERFLOW_FETCH_MB', { infer: true }) * MB,
          partitionsConcurrently: config.get('INGEST_OVERFLOW_PARTITIONS_CONCURRENTLY', {
            infer: true,
          }),
        },
      ),
    },
    { inheritAppConfig: false },
  );
  await app.startAllMicroservices();
  return true;
}
