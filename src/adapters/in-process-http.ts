import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** What the SDK hands a request handler (the shape of @smithy/protocol-http's HttpRequest, read only). */
interface SdkRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/**
 * Hands the SDK's requests straight to an HTTP request listener of this process — the embedded engine's — with no
 * socket and no HTTP parsing in between: the same request, signed and serialised by the SDK, and the same response.
 * Other processes still reach the engine over its port.
 */
export class InProcessHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly listener: RequestListener) {}

  handle(request: SdkRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }> {
    const body = bodyBytes(request.body);
    const req = Object.assign(new EventEmitter(), {
      method: request.method,
      url: `${request.path}${queryString(request.query)}`,
      headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
    });
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      const res = {
        statusCode: 200,
        setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value); },
        end: (chunk?: string | Buffer) => {
          resolve({ response: { statusCode: res.statusCode, headers, body: Readable.from(chunk === undefined ? [] : [Buffer.from(chunk)]) } });
        },
      };
      try {
        this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      } catch (error) {
        reject(error);
        return;
      }
      process.nextTick(() => {
        if (body.length > 0) req.emit('data', body);
        req.emit('end');
      });
    });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('the embedded ledger takes string or byte request bodies only');
}

function queryString(query: SdkRequest['query']): string {
  const pairs = Object.entries(query ?? {}).flatMap(([key, value]) =>
    (value === null ? [encodeURIComponent(key)] : (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(v)}`)));
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}
