import { ApiProperty } from '@nestjs/swagger';

export class AdminInvoiceResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 'acme' }) slug: string;
  @ApiProperty({ example: 'Acme Corp' }) name: string;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ACME-00001' }) number: string;
  @ApiProperty({ format: 'date-time' }) period_start: string;
  @ApiProperty({ format: 'date-time' }) period_end: string;
  @ApiProperty() events_used: number;
  @ApiProperty() events_overage: number;
  @ApiProperty({ description: 'US cents' }) total_cents: number;
  @ApiProperty({ format: 'date-time' }) finalised_at: string;
}

export class AdminInvoicesResponse {
  @ApiProperty({ example: '2026-03' }) period: string;

  @ApiProperty({ description: 'Invoices finalised for the period' })
  count: number;

  @ApiProperty({ description: 'Their total_cents summed (US cents)' })
  total_cents: number;

  @ApiProperty({
    type: [AdminInvoiceResponse],
    description: 'Largest first, at most 1,000; count and total_cents cover these',
  })
  data: AdminInvoiceResponse[];
}
