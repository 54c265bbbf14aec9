import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const STRINGS = { type: 'array', items: { type: 'string' } } as const;
/** The catalogue facts of each section: listed in full in the answer, summarised here. */
const FACTS = (description: string, required: string[]): SchemaObject => ({
  type: 'array',
  description,
  items: {
    type: 'object',
    required,
    additionalProperties: true,
    properties: { problems: STRINGS },
  },
});

/** GET /admin/isolation-report (src/isolation/isolation-report.ts IsolationReport). */
export const ISOLATION_REPORT_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'generated_at',
    'verdict',
    'problems',
    'postgres',
    'clickhouse',
    'security_suite',
    'placements',
  ],
  additionalProperties: false,
  properties: {
    generated_at: { type: 'string', format: 'date-time' },
    verdict: {
      type: 'string',
      enum: ['ok', 'problems'],
      description: '`ok` when no section found a problem',
    },
    problems: { ...STRINGS, description: 'Every section’s problems, each naming what it is about' },
    postgres: {
      type: 'object',
      required: ['database', 'tenant_tables', 'roles', 'security_definer_functions'],
      additionalProperties: false,
      properties: {
        database: { type: 'string' },
        tenant_tables: FACTS('Every table with a tenant_id column: RLS switches and policies', [
          'table',
          'rls_enabled',
          'rls_forced',
          'policies',
          'problems',
        ]),
        roles: FACTS('The app and platform roles: attributes and grants', [
          'kind',
          'name',
          'exists',
        ]),
        security_definer_functions: FACTS(
          'Every SECURITY DEFINER function: owner and search_path',
          ['name', 'owner', 'problems'],
        ),
      },
    },
    clickhouse: {
      type: 'object',
      required: ['configured'],
      additionalProperties: false,
      description:
        'Not configured; or its version and users with their profile settings; or the error reading them',
      properties: {
        configured: { type: 'boolean' },
        version: { type: 'string' },
        users: FACTS('The ClickHouse users and their profile settings', ['problems']),
        error: { type: 'string' },
      },
    },
    placements: {
      type: 'array',
      description:
        'Every other placement database (siloed tenants), checked like `postgres`; its problems ' +
        'are also in `problems`, prefixed `placement <name>:`',
      items: {
        type: 'object',
        required: ['name', 'reachable', 'database', 'problems'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          reachable: { type: 'boolean' },
          database: { type: ['string', 'null'] },
          problems: STRINGS,
        },
      },
    },
    security_suite: {
      type: 'object',
      required: ['status', 'file'],
      additionalProperties: true,
      description: 'The last run of the security suite (test/security/), from the file it writes',
      properties: {
        status: { type: 'string', enum: ['never_run', 'passed', 'failed', 'unreadable'] },
        file: { type: 'string' },
        finished_at: { type: 'string', description: 'As the suite wrote it (ISO 8601)' },
      },
    },
  },
};
