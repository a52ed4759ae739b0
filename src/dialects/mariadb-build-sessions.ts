/**
 * The dedicated sessions MariaDB index builds and drops run on, kept open between them instead of one new
 * connection per index (a connection and its session set-up cost a build 3-6 ms of round trips on
 * 127.0.0.1, measured at 100k): a session that finished its statement goes back to an idle list and the
 * next build of the run takes it. Its settings (lock_wait_timeout, innodb_lock_wait_timeout,
 * max_statement_time) are one SET statement, sent when the session is new and again only when a build
 * asks for other values. A session is never shared by two builds at once, holds no transaction between
 * builds (the ALTER commits on its own), and is ended after any failure (its state is not trusted then),
 * when the engine ends a run (`release`), and on close.
 */
import type { Connection } from 'mariadb';

interface BuildSession {
  readonly conn: Connection;
  /** The SET statement in force on it ('' before the first). */
  applied: string;
  /** The connection failed or ended (its 'error' or 'end' event). */
  lost: boolean;
}

export class MariadbBuildSessions {
  private readonly idle: BuildSession[] = [];
  private closed = false;

  constructor(private readonly connect: () => Promise<Connection>) {}

  /**
   * Runs fn on an idle session (or a new one) with `settings` (one SET statement) in force; the session
   * goes back to the idle list when fn succeeds, and is ended when anything throws.
   */
  async use<T>(settings: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const session = this.takeIdle() ?? this.track(await this.connect());
    try {
      if (session.applied !== settings) {
        session.applied = '';
        await session.conn.query(settings);
        session.applied = settings;
      }
      const result = await fn(session.conn);
      this.putBack(session);
      return result;
    } catch (e) {
      await end(session);
      throw e;
    }
  }

  /** Ends the idle sessions (a run ended, or the dialect closes). Never throws. */
  async release(): Promise<void> {
    await Promise.all(this.idle.splice(0).map(end));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.release();
  }

  /** The last idle session whose connection is still there (the server may have ended one since). */
  private takeIdle(): BuildSession | undefined {
    for (let s = this.idle.pop(); s !== undefined; s = this.idle.pop()) {
      if (!s.lost && s.conn.isValid()) return s;
      void end(s);
    }
    return undefined;
  }

  private track(conn: Connection): BuildSession {
    const session: BuildSession = { conn, applied: '', lost: false };
    const lose = (): void => {
      session.lost = true;
    };
    conn.on('error', lose);
    conn.on('end', lose);
    return session;
  }

  private putBack(session: BuildSession): void {
    if (this.closed || session.lost) {
      void end(session);
      return;
    }
    this.idle.push(session);
  }
}

async function end(session: BuildSession): Promise<void> {
  session.lost = true;
  await session.conn.end().catch(() => session.conn.destroy());
}
