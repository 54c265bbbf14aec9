import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { Environment } from './environment';

/** .env.example must document exactly the variables the app validates. */
describe('.env.example', () => {
  it('lists every variable of the Environment schema, and no other', () => {
    const documented = readFileSync(join(__dirname, '../../.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name))
      .sort();
    const validated = [
      ...new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(Environment, '', true, false)
          .map((metadata) => metadata.propertyName),
      ),
    ].sort();
    expect(documented).toEqual(validated);
  });
});
