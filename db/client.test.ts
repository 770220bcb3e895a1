import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createServerDatabase } from '../tests/support/databases.ts';
import {
  checkServerVersion,
  describeStartupError,
  explainMissingVector,
  isAtLeast,
  openDatabase,
  UnsupportedDatabaseError,
} from './client.ts';

describe('supported versions', () => {
  it('compares pgvector versions part by part', () => {
    expect(isAtLeast('0.8.0', [0, 8, 0])).toBe(true);
    expect(isAtLeast('0.8.6', [0, 8, 0])).toBe(true);
    expect(isAtLeast('0.10.0', [0, 8, 0])).toBe(true);
    expect(isAtLeast('1.0.0', [0, 8, 0])).toBe(true);
    expect(isAtLeast('0.7.4', [0, 8, 0])).toBe(false);
    expect(isAtLeast('', [0, 8, 0])).toBe(false);
  });

  it('names the PostgreSQL found and the one needed, in one sentence', () => {
    expect(() => checkServerVersion(150014, '15.14')).not.toThrow();
    expect(() => checkServerVersion(170002, '17.2')).not.toThrow();
    const error = (() => {
      try {
        checkServerVersion(140011, '14.11 (Debian 14.11-1)');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnsupportedDatabaseError);
    expect(describeStartupError(error)).toBe(
      'DATABASE_URL points at PostgreSQL 14.11 (Debian 14.11-1), but ex-GPT needs PostgreSQL 15 or later.',
    );
  });

  it('explains PostgreSQL 15’s and 16’s "no such extension" errors the same way', () => {
    for (const message of [
      'could not open extension control file "/usr/share/postgresql/15/extension/vector.control": No such file or directory',
      'extension "vector" is not available',
    ]) {
      expect(explainMissingVector(new Error(message)).message).toMatch(
        /^The PostgreSQL server at DATABASE_URL has no pgvector extension installed; ex-GPT needs pgvector 0\.8\.0 or later/,
      );
    }
  });
});

describe('on real PostgreSQL', () => {
  const role = `app_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await dropDatabase?.();
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop role if exists ${role}`);
    await admin.end();
  });

  it('stops with one sentence when the role may not create pgvector', async () => {
    const created = await createServerDatabase();
    dropDatabase = created.drop;
    const url = new URL(created.url);
    const admin = postgres(created.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role ${role} login`);
    await admin.unsafe(`drop extension if exists vector`);
    await admin.unsafe(
      `grant all on schema public to ${role}; grant create on database ${url.pathname.slice(1)} to ${role}`,
    );
    await admin.end();
    url.username = role;
    const error = await openDatabase({ url: url.toString() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsupportedDatabaseError);
    expect(describeStartupError(error)).toBe(
      'The DATABASE_URL role may not create the pgvector extension: run CREATE EXTENSION vector once as a superuser (pgvector 0.8.0 or later).',
    );
  });

  it('migrates and answers on PostgreSQL 15 with the advisory lock taken by several processes at once', async () => {
    const created = await createServerDatabase();
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ url: created.url, poolSize: 1 })));
      for (const database of opened) await database.ping();
      await Promise.all(opened.map((database) => database.close()));
    } finally {
      await created.drop();
    }
  });
});
