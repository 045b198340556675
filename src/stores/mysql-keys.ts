/**
 * MySQL / MariaDB compare text case-insensitively under their default collations: a handle
 * `…AbCd…` and `…abcd…` would be one primary key (`REPLACE` overwrites the first with the
 * second) and a never-stored spelling would find either. Every text column used as a key or
 * compared in a `WHERE` is declared with a binary collation, and tables created before that
 * are altered once on first use (idempotent: a column already binary is left alone).
 */
import type { SqlRun } from './sql.js';

/** The column suffix that makes a MySQL text column compare byte for byte. */
export const MYSQL_BINARY_TEXT = 'CHARACTER SET ascii COLLATE ascii_bin';

/** Each key column of each table: its type and nullability, as the schema declares it. */
export function mysqlKeyColumns(prefix: string): Record<string, Record<string, string>> {
  return {
    [`${prefix}associations`]: { url_hash: 'CHAR(64) NOT NULL', handle: 'VARCHAR(255) NOT NULL' },
    [`${prefix}nonces`]: { nonce_hash: 'CHAR(64) NOT NULL' },
    [`${prefix}queue`]: { url_hash: 'CHAR(64) NOT NULL', lease_token: 'VARCHAR(32) NULL' },
  };
}

/** Alter any key column of these tables that does not compare byte for byte yet. */
export async function migrateMysqlKeyCollation(run: SqlRun, prefix: string): Promise<void> {
  const tables = mysqlKeyColumns(prefix);
  const names = Object.keys(tables);
  const { rows } = await run(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS k FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  for (const table of names) {
    const columns = tables[table] as Record<string, string>;
    const changes: string[] = [];
    for (const [column, type] of Object.entries(columns)) {
      const row = rows.find((r) => String(r['t']) === table && String(r['c']) === column);
      if (row === undefined || String(row['k']) === 'ascii_bin') continue;
      const [base, ...rest] = type.split(' ');
      changes.push(`MODIFY ${column} ${base} ${MYSQL_BINARY_TEXT} ${rest.join(' ')}`);
    }
    if (changes.length > 0) await run(`ALTER TABLE ${table} ${changes.join(', ')}`);
  }
}
