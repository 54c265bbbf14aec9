import { roleProblems, RoleFacts } from './database-role.check';

const safe: RoleFacts = {
  role: 'tenantry_app',
  superuser: false,
  bypassesRls: false,
  privilegedMemberships: [],
  ownedRelations: [],
};

describe('roleProblems', () => {
  it('accepts an unprivileged role that owns nothing', () => {
    expect(roleProblems(safe)).toEqual([]);
  });

  it.each([
    [{ superuser: true }, /superuser/],
    [{ bypassesRls: true }, /BYPASSRLS/],
    [{ privilegedMemberships: ['postgres'] }, /member of privileged roles: postgres/],
    [{ ownedRelations: ['public.tenant_settings'] }, /owns public.tenant_settings/],
  ])('refuses %p', (change, message) => {
    const problems = roleProblems({ ...safe, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe('roleProblems for the app role', () => {
  it("refuses an app role holding the platform role's privileges", () => {
    const problems = roleProblems({ ...safe, platformPrivileges: ['UPDATE on tenants'] });
    expect(problems).toEqual([
      "role tenantry_app serves tenant traffic but holds the platform role's UPDATE on tenants",
    ]);
  });
});
