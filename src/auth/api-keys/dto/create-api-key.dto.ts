import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';
import { PERMISSIONS, type Permission } from '../../permissions';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'production ingest', maxLength: 100, minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true, example: ['events:write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PERMISSIONS, {
    each: true,
    message: `each scope must be one of: ${PERMISSIONS.join(', ')}`,
  })
  scopes: Permission[];
}
