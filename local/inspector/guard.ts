import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/**
 * What keeps the inspector the operator's own: it answers only requests addressed to this
 * machine's loopback names (a DNS-rebound page of another site names its own host), changes
 * anything only for a JSON request from its own page (a page the operator visits elsewhere can
 * send a form or a no-cors request, never with this origin), and tells the browser to run
 * nothing but its own script.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Sent with every inspector answer. */
export const SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Why a request is refused, or `undefined` when it may proceed. */
export type Refusal = { readonly status: 403 | 415; readonly message: string } | undefined;

/** The `Host` names this server under a loopback name and the port it listens on. */
export function checkHost(request: IncomingMessage): Refusal {
  const host = request.headers.host;
  const port = request.socket.localPort;
  if (host !== undefined && LOOPBACK_NAMES.some((name) => host === `${name}:${port}`)) {
    return undefined;
  }
  return {
    status: 403,
    message: `The inspector answers at http://localhost:${port}/ only`,
  };
}

/** A change: JSON, sent by a page of this very origin (checked after `checkHost`). */
export function checkChange(request: IncomingMessage): Refusal {
  const origin = request.headers.origin;
  if (origin !== `http://${request.headers.host}`) {
    return {
      status: 403,
      message: 'Changes are taken from the inspector page only (the Origin is not its own)',
    };
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return { status: 415, message: 'Send application/json' };
  }
  return undefined;
}
