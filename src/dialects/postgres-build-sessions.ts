/**
 * The dedicated sessions index builds and drops run on, kept open between them instead of one new
 * connection per index: a session that finished its statement goes back to an idle list and the next
 * build of the run takes it. Its settings (lock_timeout, statement_timeout, the connection check,
 * maintenance settings) are applied in one round trip when it is opened, and again, after RESET ALL, when
 * a build asks for other settings than the session has. A session is never shared by two builds at once,
 * is idle between builds (no transaction, so no snapshot or lock held), and is ended after any failure
 * (its state is not trusted then), when the engine ends a run (`release`), and on close.
 */
import type pg from 'pg';

interface BuildSession {
  readonly client: pg.Client;
  connected: boolean;
  /** The settings applied on it (joined SET statements). */
  applied: string;
  /** The connection failed or ended (its 'error' or 'end' event). */
  lost: boolean;
}

export class PostgresBuildSessions {
  private readonly idle: BuildSession[] = [];
  private closed = false;

  constructor(private readonly newClient: () => pg.Client) {}

  /**
   * Runs fn on an idle session (or a new one) with `settings` in force; the session goes back to the idle
   * list when fn succeeds, and is ended when it throws. `wrap` turns the failure into what the caller
   * throws; `lost` says whether the connection ended with it (the driver reports a dropped socket
   * without any code).
   */
  async use<T>(
    settings: readonly string[],
    fn: (client: pg.Client) => Promise<T>,
    wrap: (e: unknown, lost: boolean) => Error,
  ): Promise<T> {
    const session = this.takeIdle() ?? this.open();
    try {
      if (!session.connected) {
        await session.client.connect();
        session.connected = true;
      }
      await this.apply(session, settings);
      const result = await fn(session.client);
      this.putBack(session);
      return result;
    } catch (e) {
      await session.client.end().catch(() => undefined);
      throw wrap(e, session.lost);
    }
  }
  /** Ends the idle sessions (a run ended, or the dialect closes). */
  async release(): Promise<void> {
    const ending = this.idle.splice(0);
    await Promise.all(ending.map((s) => s.client.end().catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.release();
  }

  /** The last idle session whose connection is still there (the server may have ended one since). */
  private takeIdle(): BuildSession | undefined {
    for (let s = this.idle.pop(); s !== undefined; s = this.idle.pop()) {
      if (!s.lost) return s;
      s.client.end().catch(() => undefined);
    }
    return undefined;
  }

  private open(): BuildSession {
    const session: BuildSession = { client: this.newClient(), connected: false, applied: '', lost: false };
    // An idle session the server ended reports 'error' (and is never queryable again), or 'end'.
    const lose = (): void => {
      session.lost = true;
    };
    session.client.on('error', lose);
    session.client.on('end', lose);
    return session;
  }

  /** One round trip: the SET statements (after RESET ALL when the session had others). */
  private async apply(session: BuildSession, settings: readonly string[]): Promise<void> {
    const wanted = settings.join('; ');
    if (session.applied === wanted) return;
    const reset = session.applied === '' ? '' : 'RESET ALL; ';
    await session.client.query(`${reset}${wanted}`);
    session.applied = wanted;
  }

  private putBack(session: BuildSession): void {
    if (this.closed || session.lost) {
      session.client.end().catch(() => undefined);
      return;
    }
    this.idle.push(session);
  }
}
