import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MAX_WIDGETS } from '../widgets';
import { WidgetDto } from './widget.dto';
import { IsOmittable } from '../../../common/omittable';

export class UpdateDashboardDto {
  @ApiPropertyOptional({ maxLength: 100, minLength: 1 })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    type: [WidgetDto],
    maxItems: MAX_WIDGETS,
    description: 'The whole list, in order; a widget sent with its id keeps it',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_WIDGETS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => WidgetDto)
  widgets?: WidgetDto[];

  @ApiPropertyOptional({
    description:
      'true makes this the default dashboard (the previous default stops being one); false is refused: make another one the default instead',
  })
  @IsOmittable()
  @IsBoolean()
  is_default?: boolean;
}
