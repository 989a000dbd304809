/**
 * Which web pages may open the plugin's socket. Socket.IO's `cors` option guards long-polling only
 * (a browser lets any page open a WebSocket anywhere), so the Origin header is checked here, on every
 * transport. Pure: the handshake's headers in, a refusal message (or undefined) out.
 */

/** Origins allowed besides the hub's own (normalised, `'*'` allowing any); empty: same origin only. */
export type AllowedOrigins = readonly string[];

/** Validates and normalises the `allowedOrigins` option: each entry `'*'` or a bare origin such as `https://admin.example.com`. */
export function resolveAllowedOrigins(value: readonly string[] | undefined): AllowedOrigins {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error('allowedOrigins must be a list of origins such as ["https://admin.example.com"] or ["*"]');
  return value.map((entry: unknown) => {
    if (entry === '*') return entry;
    const origin = typeof entry === 'string' ? originOf(entry, true) : undefined;
    if (origin === undefined) {
      throw new Error(`allowedOrigins: expected "*" or an origin like https://admin.example.com (scheme, host, optional port, no path), got ${JSON.stringify(entry)}`);
    }
    return origin;
  });
}

function originOf(text: string, bare = false): string | undefined {
  try {
    const url = new URL(text);
    if (bare && (url.pathname !== '/' || url.search || url.hash || url.username)) return undefined;
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The page's origin is the hub's own: its host:port equals the request's Host header. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const page = new URL(origin);
    return new URL(`${page.protocol}//${host}`).host === page.host;
  } catch {
    return false;
  }
}

/**
 * Undefined when a handshake with these headers may connect, else why not. The hub's own pages always
 * may; no Origin header at all is a non-browser agent (the SDK, the bridge): browsers send one on
 * every WebSocket and cross-origin request.
 */
export function originRefusal(headers: { origin?: string | string[]; host?: string }, allowed: AllowedOrigins): string | undefined {
  const origin = Array.isArray(headers.origin) ? headers.origin[0] : headers.origin;
  if (origin === undefined) return undefined;
  if (sameOrigin(origin, headers.host) || allowed.includes('*') || allowed.includes(originOf(origin) ?? '')) return undefined;
  const shown = JSON.stringify(origin.slice(0, 200)).slice(1, -1);
  return `origin ${shown} is not allowed (allowedOrigins${allowed.length ? '' : ': same origin only by default'})`;
}
