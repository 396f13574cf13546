import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseListenAddress } from '../config/values.js';
import type { MetricFamily } from './openmetrics.js';
import { formatMetrics, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, wantsOpenMetrics } from './openmetrics.js';

export interface MetricsEndpoint {
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics; binds only where told (127.0.0.1 unless the address names another host). */
export async function serveMetrics(address: string, families: () => MetricFamily[]): Promise<MetricsEndpoint> {
  let listen: { host: string; port: number };
  try {
    listen = parseListenAddress(address);
  } catch (err) {
    throw new Error(`metrics '${address}': ${(err as Error).message}`);
  }
  const { host, port } = listen;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('pcount-tui: the metrics are at /metrics\n');
      return;
    }
    const open = wantsOpenMetrics(req.headers.accept);
    const body = formatMetrics(families(), open);
    res.writeHead(200, { 'Content-Type': open ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot serve metrics on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shownHost}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
