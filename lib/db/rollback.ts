// For a transaction whose conditional write finds its row changed since it was read (an account
// disabled, an address changed, a password set meanwhile): `throw new Rollback()` inside it undoes
// what it wrote so far, and `unlessRolledBack` answers `fallback` instead of its result. Any other
// error goes on as it was.

export class Rollback extends Error {}

export async function unlessRolledBack<T, F>(transaction: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await transaction
  } catch (error) {
    if (error instanceof Rollback) return fallback
    throw error
  }
}
