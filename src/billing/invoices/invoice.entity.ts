import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { InvoiceLine } from './invoice-calculator';

/** bigint columns come back as strings; the amounts here stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? 0 : Number(value)),
};

/** A finalised invoice (tenant-owned, immutable; see migration 1763900000060). */
@Entity({ name: 'invoices' })
export class Invoice {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'sequence_number', type: 'integer' })
  sequenceNumber!: number;

  @Column({ type: 'varchar', length: 80 })
  number!: string;

  @Column({ name: 'period_start', type: 'timestamptz' })
  periodStart!: Date;

  @Column({ name: 'period_end', type: 'timestamptz' })
  periodEnd!: Date;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'display_currency', type: 'char', length: 3, nullable: true })
  displayCurrency!: string | null;

  @Column({ type: 'jsonb' })
  lines!: InvoiceLine[];

  @Column({ name: 'events_included', type: 'bigint', transformer: bigintAsNumber })
  eventsIncluded!: number;

  @Column({ name: 'events_used', type: 'bigint', transformer: bigintAsNumber })
  eventsUsed!: number;

  @Column({ name: 'events_overage', type: 'bigint', transformer: bigintAsNumber })
  eventsOverage!: number;

  @Column({ name: 'total_cents', type: 'bigint', transformer: bigintAsNumber })
  totalCents!: number;

  @Column({ name: 'finalised_at', type: 'timestamptz' })
  finalisedAt!: Date;
}
