/**
 * The example catalogue's schema and a little data, in SQL that runs unchanged on PostgreSQL, SQLite
 * and MariaDB (whose sessions run with ANSI_QUOTES and PIPES_AS_CONCAT). Tests call `createExampleSchema(dialect, { rows })`; `rows` scales posts (authors = rows/10,
 * comments = rows*3).
 */
import type { Dialect } from '../../dialects/dialect.js';

export const EXAMPLE_TABLES = ['authors', 'posts', 'comments'] as const;

export const EXAMPLE_SCHEMA_SQL: readonly string[] = [
  `CREATE TABLE authors (
     id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200) NOT NULL,
     team_id INTEGER, active BOOLEAN NOT NULL DEFAULT TRUE, created_at BIGINT NOT NULL)`,
  `CREATE TABLE posts (
     id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id), title VARCHAR(200) NOT NULL,
     status VARCHAR(20) NOT NULL, published_at BIGINT, created_at BIGINT NOT NULL)`,
  `CREATE TABLE comments (
     id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts (id),
     author_id INTEGER NOT NULL REFERENCES authors (id), body VARCHAR(500) NOT NULL, created_at BIGINT NOT NULL)`,
];

/** INSERT statements (recursive CTEs) filling the example tables; `rows` posts. */
export function exampleSeedSql(rows: number): string[] {
  const n = Math.max(10, Math.floor(rows));
  const authors = Math.max(1, Math.floor(n / 10));
  const series = (count: number): string =>
    `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${count})`;
  // INSERT ... WITH ... SELECT: the one order all three databases accept.
  return [
    `INSERT INTO authors (id, email, name, team_id, active, created_at) ${series(authors)}
       SELECT i, 'author' || i || '@example.com', 'Author ' || i, i % 7, (i % 5 <> 0), 1700000000 + i FROM seq`,
    `INSERT INTO posts (id, author_id, title, status, published_at, created_at) ${series(n)}
       SELECT i, 1 + i % ${authors}, 'Post ' || i, CASE WHEN i % 3 = 0 THEN 'draft' ELSE 'published' END,
              CASE WHEN i % 3 = 0 THEN NULL ELSE 1700000000 + i * 60 END, 1700000000 + i * 60 FROM seq`,
    `INSERT INTO comments (id, post_id, author_id, body, created_at) ${series(n * 3)}
       SELECT i, 1 + i % ${n}, 1 + i % ${authors}, 'Comment ' || i, 1700000000 + i * 30 FROM seq`,
  ];
}

export async function createExampleSchema(
  dialect: Pick<Dialect, 'execute'>,
  options: { readonly rows?: number } = {},
): Promise<void> {
  for (const sql of [...EXAMPLE_SCHEMA_SQL, ...exampleSeedSql(options.rows ?? 200)]) {
    await dialect.execute(sql);
  }
}
