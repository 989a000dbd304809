import type { IncomingHttpHeaders } from 'node:http';
import { TelemetryError, type AuthorizeAdmin } from '@backup-telemetry/plugin-server';

/**
 * The hub's `authorizeAdmin`: the admin API (`PUT|DELETE /api/v1/machines/:vm_name/policy`) takes the
 * `Authorization: Bearer` tokens of `TELEMETRY_ADMIN_TOKENS`. No token: 401; a token not in the list:
 * 403. Any listed token may change any VM's policy.
 */
export function adminTokenCheck(tokens: readonly string[]): AuthorizeAdmin {
  const known = new Set(tokens);
  return (source) => {
    const header = (source as { headers?: IncomingHttpHeaders }).headers?.authorization;
    const token = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] : undefined;
    if (!token) throw new TelemetryError('unauthorized', 'the admin API needs Authorization: Bearer <token> (one of TELEMETRY_ADMIN_TOKENS)', { field: 'authorization' });
    return known.has(token);
  };
}
