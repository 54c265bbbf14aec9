import { epochAction, epochKey } from './redis-epoch';

describe('epochAction', () => {
  it('does nothing while the epoch is present, first contact or not', () => {
    expect(epochAction(true, true)).toBe('none');
    expect(epochAction(true, false)).toBe('none');
  });

  it('only claims the epoch on first contact (the boot paths restore everything)', () => {
    expect(epochAction(false, true)).toBe('claim');
  });

  it('rebuilds when the epoch seen before has gone', () => {
    expect(epochAction(false, false)).toBe('rebuild');
  });

  it('namespaces the key by database', () => {
    expect(epochKey('tenantry_a_test')).toBe('tenantry:tenantry_a_test:epoch');
  });
});
