import { ApiProperty } from '@nestjs/swagger';

export class TenantCostResponse {
  @ApiProperty({ format: 'uuid' })
  tenant_id: string;

  @ApiProperty({ example: 'acme' })
  slug: string;

  @ApiProperty({ example: 'Acme Corp' })
  name: string;

  @ApiProperty({ example: 1200 })
  queries: number;

  @ApiProperty({ example: 15300.5 })
  duration_ms: number;

  @ApiProperty({ example: 120000000 })
  rows_read: number;

  @ApiProperty({ example: 3400000000 })
  bytes_read: number;

  @ApiProperty({ example: 120.153, description: 'Estimated US dollars' })
  estimated_cost: number;
}

export class CostAttributionResponse {
  @ApiProperty()
  from: string;

  @ApiProperty()
  to: string;

  @ApiProperty({ type: [TenantCostResponse], description: 'Costliest tenant first' })
  data: TenantCostResponse[];
}
