import { PasswordHasher } from '../../src/auth/password.hasher';
import { connectAs } from './sql';

/**
 * A second platform admin, written straight into the table (there is no route that creates
 * admins yet), so tests that disable or lock an admin leave the shared first admin alone.
 */
export async function createPlatformAdmin(email: string, password: string): Promise<string> {
  const owner = await connectAs('owner');
  try {
    const passwordHash = await new PasswordHasher().hash(password);
    const { rows } = await owner.query<{ id: string }>(
      'INSERT INTO platform_admins (email, password_hash) VALUES ($1, $2) RETURNING id',
      [email, passwordHash],
    );
    return rows[0].id;
  } finally {
    await owner.end();
  }
}
