import { ApiProperty } from '@nestjs/swagger';
import { challengeRecordName, challengeRecordValue } from '../hostname';
import { CUSTOM_DOMAIN_STATUSES, type CustomDomain } from '../custom-domain.entity';

/** One DNS record the domain's owner creates at their DNS provider. */
export class DnsRecordResponse {
  @ApiProperty({ enum: ['TXT', 'CNAME'] }) type: 'TXT' | 'CNAME';
  @ApiProperty({ example: '_tenantry-challenge.analytics.customer.com' }) name: string;
  @ApiProperty({ example: 'tenantry-verify=3q2-7wEj…' }) value: string;
}

export class CustomDomainResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'analytics.customer.com' }) hostname: string;
  @ApiProperty({
    enum: CUSTOM_DOMAIN_STATUSES,
    description: 'pending until the first check; verified serves the tenant on the name',
  })
  status: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) verified_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  last_checked_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the last check failed (no TXT record, another value, DNS unreachable…)',
  })
  last_error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({
    type: DnsRecordResponse,
    description: 'The TXT record that proves control of the name; create it, then verify',
  })
  verification_record: DnsRecordResponse;
  @ApiProperty({
    type: DnsRecordResponse,
    description: "The CNAME that sends the name's traffic to the platform",
  })
  routing_record: DnsRecordResponse;

  static from(domain: CustomDomain, routingTarget: string): CustomDomainResponse {
    return {
      id: domain.id,
      hostname: domain.hostname,
      status: domain.status,
      verified_at: domain.verifiedAt ? domain.verifiedAt.toISOString() : null,
      last_checked_at: domain.lastCheckedAt ? domain.lastCheckedAt.toISOString() : null,
      last_error: domain.lastError,
      created_at: domain.createdAt.toISOString(),
      verification_record: {
        type: 'TXT',
        name: challengeRecordName(domain.hostname),
        value: challengeRecordValue(domain.verificationToken),
      },
      routing_record: { type: 'CNAME', name: domain.hostname, value: routingTarget },
    };
  }
}
