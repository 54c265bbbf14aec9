import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { INTERVALS, type Interval } from '../../query/buckets';
import { METRICS, type Metric } from '../../stores/analytics-store';
import {
  DIMENSION,
  MAX_BREAKDOWN_LIMIT,
  MAX_RANGE_DAYS,
  WIDGET_KINDS,
  type WidgetKind,
} from '../widgets';
import { IsOmittable } from '../../../common/omittable';

/**
 * Every option any widget kind takes, each checked for type and range here; which kind takes
 * which (and the plan's retention) is checked by normalizeWidgets() in ../widgets.ts.
 */
export class WidgetOptionsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_RANGE_DAYS, default: 7 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_RANGE_DAYS)
  range_days?: number;

  @ApiPropertyOptional({ example: 'purchase' })
  @IsOmittable()
  @IsString()
  @Matches(/^[a-z0-9_.:-]{1,128}$/, {
    message: 'event_type may hold only a-z, 0-9 and _ . : - (1-128)',
  })
  event_type?: string;

  @ApiPropertyOptional({ enum: INTERVALS, description: 'timeseries only; default day' })
  @IsOmittable()
  @IsIn(INTERVALS)
  interval?: Interval;

  @ApiPropertyOptional({
    example: 'property.country',
    description: 'breakdown only: event_type (default), user_id or property.<key>',
  })
  @IsOmittable()
  @IsString()
  @Matches(DIMENSION, { message: 'dimension must be event_type, user_id or property.<key>' })
  dimension?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_BREAKDOWN_LIMIT,
    description: 'breakdown only; default 10',
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_BREAKDOWN_LIMIT)
  limit?: number;
}

export class WidgetDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Keep an existing widget (its id stays); leave out for a new one',
  })
  @IsOmittable()
  @IsUUID()
  id?: string;

  @ApiProperty({ enum: WIDGET_KINDS })
  @IsIn(WIDGET_KINDS)
  kind: WidgetKind;

  @ApiPropertyOptional({ maxLength: 100, example: 'Purchases per day' })
  @IsOmittable()
  @IsString()
  @MaxLength(100)
  title?: string;

  @ApiPropertyOptional({ enum: METRICS, description: 'default events; breakdowns count events' })
  @IsOmittable()
  @IsIn(METRICS)
  metric?: Metric;

  @ApiPropertyOptional({ type: WidgetOptionsDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => WidgetOptionsDto)
  options?: WidgetOptionsDto;
}
