import type { Migration, MigrationProvider } from 'kysely'
import { migration0001 } from './0001-users-and-ledger'
import { migration0002 } from './0002-ledger-admin-indexes'
import { migration0003 } from './0003-sign-in-throttle'
import { migration0004 } from './0004-ledger-servers'
import { migration0005 } from './0005-user-groups-and-roles'
import { migration0006 } from './0006-ledger-auth-methods'
import { migration0007 } from './0007-factors-and-user-admin'
import { migration0008 } from './0008-audit-outbox'
import { migration0009 } from './0009-email'

export type Engine = 'sqlite' | 'postgres'

// Migrations live in code (not files found at run time) so the Next.js server bundle, the CLI
// and the tests all carry the same list, one file each. Types are chosen to mean the same on
// SQLite and PostgreSQL. A name, once released, never changes: it is the row in kysely_migration.

function buildMigrations(engine: Engine): Record<string, Migration> {
  return {
    '0001_users_and_ledger': migration0001(engine),
    '0002_ledger_admin_indexes': migration0002(engine),
    '0003_sign_in_throttle': migration0003(),
    '0004_ledger_servers': migration0004(),
    '0005_user_groups_and_roles': migration0005(),
    '0006_ledger_auth_methods': migration0006(),
    '0007_factors_and_user_admin': migration0007(engine),
    '0008_audit_outbox': migration0008(engine),
    '0009_email': migration0009(),
  }
}

export function createMigrationProvider(engine: Engine): MigrationProvider {
  return {
    async getMigrations() {
      return buildMigrations(engine)
    },
  }
}
