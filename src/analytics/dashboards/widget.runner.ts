import { Inject, Injectable } from '@nestjs/common';
import type { EventFilter } from '../query/analytics-query';
import { bucketStart, bucketStarts } from '../query/buckets';
import { assertRange, DAY_MS } from '../query/range-limits';
import { ANALYTICS_STORE, type AnalyticsStore, type Dimension } from '../stores/analytics-store';
import type { Widget } from './widgets';

/** The numbers one widget shows, as the embed data route answers them. */
export type WidgetData =
  | { kind: 'kpi'; metric: string; from: string; to: string; value: number; previous: number }
  | {
      kind: 'timeseries';
      metric: string;
      interval: string;
      timezone: string;
      from: string;
      to: string;
      buckets: { start: string; value: number }[];
    }
  | {
      kind: 'breakdown';
      dimension: string;
      from: string;
      to: string;
      total_events: number;
      rows: { value: string; events: number; share: number }[];
    };

export interface WidgetScope {
  tenantId: string;
  timezone: string;
  retentionDays: number;
  /** Property filters every query of this widget must carry (a guest token's). */
  properties: [key: string, value: string][];
  now: number;
}

/**
 * Runs a stored widget's query through the analytics store port (ClickHouse or PostgreSQL, the
 * same reads as /v1/analytics/*), over the widget's last `range_days` days (never past the
 * plan's retention, which may have shrunk since the widget was saved). Callers on PostgreSQL run
 * it inside the tenant's RLS transaction.
 *
 * EXTENSION POINT: a new widget kind (funnel, retention) adds its case here.
 */
@Injectable()
export class WidgetRunner {
  constructor(@Inject(ANALYTICS_STORE) private readonly store: AnalyticsStore) {}

  async run(widget: Widget, scope: WidgetScope): Promise<WidgetData> {
    const days = Math.min(widget.options.range_days, scope.retentionDays);
    // The same limits as /v1/analytics before any work: a widget stored under other rules (or a
    // future kind with its own range) still cannot size work past them.
    assertRange(scope.now - days * DAY_MS, scope.now, scope);
    const oldest = scope.now - scope.retentionDays * DAY_MS;
    // Whole seconds, as parseAnalyticsQuery makes them: both stores keep seconds.
    const to = Math.ceil(scope.now / 1000) * 1000;
    let from = Math.floor((scope.now - days * DAY_MS) / 1000) * 1000;
    const filter = (start: number, end: number): EventFilter => ({
      tenantId: scope.tenantId,
      from: new Date(start),
      to: new Date(end),
      eventType: widget.options.event_type,
      properties: scope.properties,
    });

    switch (widget.kind) {
      case 'kpi': {
        const length = to - from;
        const [now, before] = await Promise.all([
          this.store.summary(filter(from, to)),
          from - length >= oldest
            ? this.store.summary(filter(from - length, from))
            : Promise.resolve({ events: 0, users: 0, sessions: 0 }),
        ]);
        const metric = widget.metric;
        return {
          kind: 'kpi',
          metric,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          value: now[metric],
          previous: before[metric],
        };
      }
      case 'timeseries': {
        const interval = widget.options.interval ?? 'day';
        // Start on a bucket boundary, so the first bucket is whole, unless that would reach
        // past the retention.
        const aligned = bucketStart(from, interval, scope.timezone);
        if (aligned >= oldest) from = aligned;
        const starts = bucketStarts(from, to, interval, scope.timezone);
        const values = await this.store.timeseries(
          filter(from, to),
          widget.metric,
          interval,
          scope.timezone,
        );
        return {
          kind: 'timeseries',
          metric: widget.metric,
          interval,
          timezone: scope.timezone,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          buckets: starts.map((start) => ({
            start: new Date(start).toISOString(),
            value: values.get(start) ?? 0,
          })),
        };
      }
      case 'breakdown': {
        const name = widget.options.dimension ?? 'event_type';
        const dimension: Dimension =
          name === 'event_type' || name === 'user_id'
            ? { kind: name }
            : { kind: 'property', key: name.slice('property.'.length) };
        // The total is the events alone: no distinct sets for a number the widget never shows.
        const [rows, totalEvents] = await Promise.all([
          this.store.breakdown(filter(from, to), dimension, widget.options.limit ?? 10),
          this.store.countEvents(filter(from, to)),
        ]);
        return {
          kind: 'breakdown',
          dimension: name,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          total_events: totalEvents,
          rows: rows.map((row) => ({
            value: row.value,
            events: row.events,
            share: totalEvents === 0 ? 0 : Math.round((row.events / totalEvents) * 10_000) / 10_000,
          })),
        };
      }
    }
  }
}
