import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsNotEmpty,
  IsObject,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MAX_WIDGETS } from '../widgets';
import { WidgetDto } from './widget.dto';

export class CreateDashboardDto {
  @ApiProperty({ maxLength: 100, example: 'Sales overview', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ type: [WidgetDto], maxItems: MAX_WIDGETS })
  @IsArray()
  @ArrayMaxSize(MAX_WIDGETS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => WidgetDto)
  widgets: WidgetDto[];
}
