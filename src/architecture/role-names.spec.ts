import { basename } from 'node:path';
import { nestClassesOf, roleNameProblem } from './role-names';
import { appSourceFiles } from './source-files';

describe('names with roles', () => {
  it('every Nest class lives in <name>.<role>.ts, one per file, with the matching class name', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of appSourceFiles()) {
      const classes = nestClassesOf(file.text);
      if (classes.length > 1) problems.push(`${file.path}: ${classes.join(', ')} in one file`);
      for (const name of classes) {
        checked += 1;
        const problem = roleNameProblem(basename(file.path), name);
        if (problem) problems.push(`${file.path} — ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(90);
  });

  it('refuses a file without a role, an unknown role, and a class that does not match', () => {
    expect(roleNameProblem('tenant-directory.ts', 'TenantDirectory')).toMatch(/<name>\.<role>\.ts/);
    expect(roleNameProblem('tenant.thing.ts', 'TenantThing')).toMatch(/roles:/);
    expect(roleNameProblem('users.service.ts', 'UserService')).toMatch(/should be UsersService/);
    expect(roleNameProblem('tenants.admin.controller.ts', 'TenantsAdminController')).toBeNull();
    expect(roleNameProblem('clickhouse.health.ts', 'ClickHouseHealthIndicator')).toBeNull();
  });

  it('finds decorated classes, including ones with more decorators between', () => {
    const text =
      "@Processor('q')\n@Injectable()\nexport class A {}\n@Module({ imports: [] })\nexport class B {}";
    expect(nestClassesOf(text)).toEqual(['A', 'B']);
  });
});
