import { Type } from 'class-transformer';
import {
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

/**
 * The event contract written the class-validator way, only for the validation benchmark: the
 * same rules as src/ingestion/events/event-contract.ts except the flat-properties value check,
 * which class-validator cannot express without a custom validator (so it is measured without it).
 */
export class EventDto {
  @IsUUID('all')
  event_id: string;

  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @Matches(/^[a-z0-9_.:-]+$/)
  event_type: string;

  @IsISO8601({ strict: true })
  timestamp: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  user_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  session_id?: string;

  @IsOptional()
  @IsObject()
  properties?: Record<string, string | number | boolean>;
}

export class BatchDto {
  @ValidateNested({ each: true })
  @Type(() => EventDto)
  events: EventDto[];
}
