import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Every local server listens on loopback only: local mode is never reachable from the network. */
export const LOOPBACK = '127.0.0.1';

/** Starts `server` on loopback and resolves with the bound port (`0` picks a free one). */
export function listenOnLoopback(server: Server, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${what}: port ${port} is already in use; free it or choose another port`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting connections and drops idle keep-alive ones, which would otherwise hold
 * `close` open until the clients time out. `dropActive` also cuts requests in progress: for
 * engines, once nothing of ours calls them any more.
 */
export function closeServer(server: Server, dropActive = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    if (dropActive) server.closeAllConnections();
    else server.closeIdleConnections();
  });
}

export function loopbackUrl(port: number): string {
  return `http://${LOOPBACK}:${port}`;
}
