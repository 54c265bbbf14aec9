import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INTERVALS } from '../../query/buckets';
import { METRICS } from '../../stores/analytics-store';
import type { Dashboard } from '../dashboard.entity';
import { WIDGET_KINDS } from '../widgets';

class WidgetOptionsResponse {
  @ApiProperty() range_days: number;
  @ApiPropertyOptional() event_type?: string;
  @ApiPropertyOptional({ enum: INTERVALS }) interval?: string;
  @ApiPropertyOptional() dimension?: string;
  @ApiPropertyOptional() limit?: number;
}

class WidgetResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: WIDGET_KINDS }) kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: METRICS }) metric: string;
  @ApiProperty({ type: WidgetOptionsResponse }) options: WidgetOptionsResponse;
}

export class DashboardResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() is_default: boolean;
  @ApiProperty({ type: [WidgetResponse] }) widgets: WidgetResponse[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static from(dashboard: Dashboard): DashboardResponse {
    return {
      id: dashboard.id,
      name: dashboard.name,
      is_default: dashboard.isDefault,
      widgets: dashboard.widgets.map((widget) => ({ ...widget, options: { ...widget.options } })),
      created_at: dashboard.createdAt.toISOString(),
      updated_at: dashboard.updatedAt.toISOString(),
    };
  }
}

export class DashboardPageResponse {
  @ApiProperty({ type: [DashboardResponse] }) data: DashboardResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
