import { TelemetryError } from '@backup-telemetry/contract';
import type { IncomingHttpHeaders } from 'node:http';

/** Who sends a request: the bearer token (if any) and the peer address. */
export interface Principal {
  token?: string;
  address?: string;
}

/** What an ingest request acts on; `vm_name` is known when a job is registered. */
export interface IngestTarget {
  action: 'register' | 'telemetry';
  job_type: string;
  job_id?: string;
  vm_name?: string;
}

/**
 * What a viewer wants to see: a job (with its VM once known), a VM, the fleet's summary and pushes
 * (`{fleet: true}`: `GET /fleet/summary`, `GET /fleet/calendar`, `subscribe {fleet: true}`), or every VM (`{}`: `GET /machines`).
 */
export interface ViewerTarget {
  job_id?: string;
  vm_name?: string;
  fleet?: true;
}

/**
 * Decides whether `token` may ingest for `target`. Return false for 403; throw
 * `new TelemetryError('unauthorized', …)` for 401.
 */
export type VerifyIngest = (token: string | undefined, target: IngestTarget) => boolean | Promise<boolean>;

/**
 * Decides whether a viewer may read or subscribe to `target`. `source` is the Express request
 * (REST) or the Socket.IO handshake (subscribe). Return false for 403; throw 401 as above.
 */
export type AuthorizeViewer = (source: unknown, target: ViewerTarget) => boolean | Promise<boolean>;

/** What an admin call changes: a VM's policy (`vm_name`), or a hub-wide setting (`{action}` alone). */
export interface AdminTarget {
  action: 'set_policy' | (string & {});
  vm_name?: string;
}

/**
 * Decides whether an admin call (`PUT /machines/:vm_name/policy`, …) may proceed. `source` is the
 * Express request. Return false for 403; throw `new TelemetryError('unauthorized', …)` for 401.
 * Without this hook every admin call is refused (403): the admin API is closed by default.
 */
export type AuthorizeAdmin = (source: unknown, target: AdminTarget) => boolean | Promise<boolean>;

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

export interface AccessOptions {
  ingestTokens?: readonly string[];
  verifyIngest?: VerifyIngest;
  authorizeViewer?: AuthorizeViewer;
  authorizeAdmin?: AuthorizeAdmin;
}

/** Ingest and viewer checks of one plugin instance. */
export class Access {
  private readonly tokens: Set<string> | null;

  constructor(private readonly options: AccessOptions) {
    this.tokens = options.ingestTokens?.length ? new Set(options.ingestTokens) : null;
  }

  /** True when anyone may ingest (no tokens and no hook): hosts should warn about it. */
  get ingestOpen(): boolean {
    return this.tokens === null && this.options.verifyIngest === undefined;
  }

  /** A token the configured list knows (used to admit ingest sockets at handshake). */
  knowsToken(token: string): boolean {
    return this.tokens === null || this.tokens.has(token);
  }

  /**
   * Who a rate limit counts: the token once it is checked (a configured token, or one the
   * `verifyIngest` hook accepted), else the peer address. With ingest open any token is accepted,
   * so there the address counts: a sender cannot mint itself fresh budgets, nor fill memory with keys.
   */
  sourceOf(principal: Principal): { key: string; what: string } {
    if (principal.token && !this.ingestOpen) return { key: `token:${principal.token}`, what: 'this token' };
    return { key: `address:${principal.address ?? 'unknown'}`, what: 'this address' };
  }

  /** 401 unless the principal carries a configured token (when tokens are configured). */
  authenticate(principal: Principal): void {
    if (this.tokens) {
      if (!principal.token) throw new TelemetryError('unauthorized', 'ingest needs a token: send Authorization: Bearer <token> (socket: auth.token)', { field: 'authorization' });
      if (!this.tokens.has(principal.token)) throw new TelemetryError('unauthorized', 'the ingest token is not valid', { field: 'authorization' });
    }
  }

  /** 403 when the `verifyIngest` hook refuses this token for this target. */
  async authorize(principal: Principal, target: IngestTarget): Promise<void> {
    if (this.options.verifyIngest && !(await this.options.verifyIngest(principal.token, target))) {
      const what = target.job_id ? `job ${target.job_id}` : `VM ${target.vm_name ?? '?'}`;
      throw new TelemetryError('forbidden', `this token may not report for ${what}`, { field: 'authorization' });
    }
  }

  /** 403 unless the `authorizeAdmin` hook allows it; closed when no hook is configured. */
  async checkAdmin(source: unknown, target: AdminTarget): Promise<void> {
    if (!this.options.authorizeAdmin) {
      throw new TelemetryError('forbidden', 'the admin API is closed: the host must configure authorizeAdmin', { field: 'authorization' });
    }
    if (!(await this.options.authorizeAdmin(source, target))) throw new TelemetryError('forbidden', 'not allowed to change this machine or setting', { field: 'authorization' });
  }

  async checkViewer(source: unknown, target: ViewerTarget): Promise<void> {
    if (this.options.authorizeViewer && !(await this.options.authorizeViewer(source, target))) {
      throw new TelemetryError('forbidden', 'not allowed to view this job or machine');
    }
  }
}
