/**
 * The session PostgreSQL's unflushed writes (Dialect.executeUnflushed) go through: one connection of its
 * own, opened with `synchronous_commit = off` as a startup option, so that each write is one round trip
 * whose commit does not wait for the WAL flush (`SET LOCAL` needs a transaction of its own: three round
 * trips, which on a loaded machine cost more than the flush they save). Nothing else runs on it. It is
 * opened on first use, and again after a failed write or when its connection failed or ended.
 */
import type pg from 'pg';

interface Session {
  readonly client: pg.Client;
  /** The connection failed or ended (its 'error' or 'end' event). */
  lost: boolean;
}

export class PostgresUnflushedSession {
  private opening: Promise<Session> | undefined;

  constructor(private readonly newClient: (config: pg.ClientConfig) => pg.Client) {}

  /** Runs one statement; `wrap` turns a failure into what is thrown (`lost`: the session ended with it). */
  async execute(
    sql: string,
    params: readonly unknown[],
    wrap: (e: unknown, lost: boolean) => unknown,
  ): Promise<number> {
    let session: Session | undefined;
    const opening = this.current();
    try {
      session = await opening;
      return (await session.client.query(sql, [...params])).rowCount ?? 0;
    } catch (e) {
      // Whatever failed (the server may be ending the session before the driver says so), the next
      // write starts on a new session: a failed bookkeeping write is rare, a connect is cheap.
      if (this.opening === opening) this.opening = undefined;
      const lost = session?.lost ?? false;
      void session?.client.end().catch(() => undefined);
      throw wrap(e, lost);
    }
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const session = await opening?.catch(() => undefined);
    await session?.client.end().catch(() => undefined);
  }

  private current(): Promise<Session> {
    if (this.opening !== undefined) return this.opening;
    const opening = this.open(() => {
      if (this.opening === opening) this.opening = undefined;
    });
    this.opening = opening;
    return opening;
  }

  /** Connects; `gone` runs when the connection ends (or never came up), so the next write reconnects. */
  private async open(gone: () => void): Promise<Session> {
    const session: Session = {
      client: this.newClient({ options: '-c synchronous_commit=off' }),
      lost: false,
    };
    // An idle session the server ended reports 'error' (and is never queryable again), or 'end'.
    const lose = (): void => {
      session.lost = true;
      gone();
    };
    session.client.on('error', lose);
    session.client.on('end', lose);
    try {
      await session.client.connect();
      return session;
    } catch (e) {
      gone();
      await session.client.end().catch(() => undefined);
      throw e;
    }
  }
}
