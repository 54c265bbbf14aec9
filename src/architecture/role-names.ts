/**
 * The roles a Nest class's file name states (`<name>.<role>.ts`, class `<Name><Role>`), so a
 * reader knows what a file is before opening it. A new role joins this list deliberately.
 */
export const ROLES: Record<string, string> = {
  module: 'Module',
  controller: 'Controller',
  service: 'Service',
  repository: 'Repository',
  guard: 'Guard',
  interceptor: 'Interceptor',
  filter: 'Filter',
  pipe: 'Pipe',
  middleware: 'Middleware',
  // Terminus names its checks *HealthIndicator; the file keeps the short `.health.ts`.
  health: 'HealthIndicator',
  check: 'Check',
  context: 'Context',
  resolver: 'Resolver',
  registry: 'Registry',
  database: 'Database',
  store: 'Store',
  transport: 'Transport',
  listener: 'Listener',
  processor: 'Processor',
  scheduler: 'Scheduler',
  timer: 'Timer',
  refresher: 'Refresher',
  runner: 'Runner',
  writer: 'Writer',
  meter: 'Meter',
  monitor: 'Monitor',
  signer: 'Signer',
  authenticator: 'Authenticator',
  directory: 'Directory',
  hasher: 'Hasher',
  assets: 'Assets',
};

/** Classes Nest instantiates (decorated with one of these): the ones whose files carry a role. */
const NEST_DECORATOR = /@(Injectable|Controller|Module|Catch|Processor)\(/;

export function nestClassesOf(text: string): string[] {
  const classes: string[] = [];
  let previousEnd = 0;
  for (const match of text.matchAll(/export\s+(?:abstract\s+)?class\s+(\w+)/g)) {
    // The decorators of a class sit between the previous class and this one.
    if (NEST_DECORATOR.test(text.slice(previousEnd, match.index))) classes.push(match[1]);
    previousEnd = match.index + match[0].length;
  }
  return classes;
}

const pascal = (kebab: string) =>
  kebab
    .split(/[-.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** Why `className` in `fileName` breaks the rule, or null when it follows it. */
export function roleNameProblem(fileName: string, className: string): string | null {
  const match = /^(.+)\.([a-z]+)\.ts$/.exec(fileName);
  if (!match || !(match[2] in ROLES)) {
    return `${fileName}: a Nest class's file is named <name>.<role>.ts (roles: ${Object.keys(ROLES).join(', ')})`;
  }
  const expected = pascal(match[1]) + ROLES[match[2]];
  // Case-insensitive: ClickHouse spells its capitals its own way.
  if (expected.toLowerCase() !== className.toLowerCase()) {
    return `${fileName}: class ${className} should be ${expected} to match its file`;
  }
  return null;
}
