/**
 * A small built-in catalogue over a tiny blog schema of its own (see example-schema.ts): three phases,
 * foreign keys, a unique lookup, a partial index, DESC ordering and a covering index. Used by the engine
 * tests and as the fallback catalogue.
 */
import type { Catalogue } from '../catalogue.js';
import { definePhase } from '../define-phase.js';

const core = definePhase('core', 'foreign keys of posts and comments', [
  {
    name: 'idx_posts_author_id',
    table: 'posts',
    columns: ['author_id'],
    reason: 'FK posts.author_id → authors',
    serves: ['fk:posts.author_id'],
  },
  {
    name: 'idx_comments_post_id',
    table: 'comments',
    columns: ['post_id'],
    reason: 'FK comments.post_id → posts',
    serves: ['fk:comments.post_id'],
  },
  {
    name: 'idx_comments_author_id',
    table: 'comments',
    columns: ['author_id'],
    reason: 'FK comments.author_id → authors',
    serves: ['fk:comments.author_id'],
  },
]);

const lookups = definePhase('lookups', 'unique and filtered lookups', [
  {
    name: 'idx_authors_team_id_active',
    table: 'authors',
    columns: ['team_id', 'active'],
    reason: 'team page: WHERE team_id = $1 AND active',
  },
  {
    name: 'idx_posts_published_author',
    table: 'posts',
    columns: ['author_id', 'published_at DESC'],
    where: [{ column: 'status', op: '=', value: 'published' }],
    reason: "author page: WHERE author_id = $1 AND status = 'published' ORDER BY published_at DESC",
  },
  {
    name: 'uq_authors_email',
    table: 'authors',
    columns: ['email'],
    unique: true,
    reason: 'login: SELECT ... FROM authors WHERE email = $1',
    serves: ['author_by_email'],
  },
]);

const reporting = definePhase('reporting', 'timelines and covering indexes', [
  {
    name: 'idx_posts_created_at',
    table: 'posts',
    columns: ['created_at DESC'],
    include: ['title'],
    reason: 'front page: ORDER BY created_at DESC LIMIT 20 (title read from the index)',
  },
  {
    name: 'idx_comments_post_id_created_at',
    table: 'comments',
    columns: ['post_id', 'created_at DESC'],
    reason: 'thread: WHERE post_id = $1 ORDER BY created_at DESC',
    serves: ['comments_of_post'],
  },
]);

export const exampleCatalogue: Catalogue = {
  name: 'example',
  description: 'Tiny built-in blog catalogue (authors, posts, comments) used by tests and as a fallback',
  phases: [core, lookups, reporting],
  hotQueries: [
    {
      name: 'author_by_email',
      description: 'login lookup',
      sql: 'SELECT id, name FROM authors WHERE email = $1',
      params: ['author7@example.com'],
      tables: ['authors'],
      phases: ['lookups'],
    },
    {
      name: 'comments_of_post',
      description: 'a thread, newest first',
      sql: 'SELECT id, body FROM comments WHERE post_id = $1 ORDER BY created_at DESC LIMIT 20',
      params: [42],
      tables: ['comments'],
      phases: ['core'],
    },
  ],
};
