// One browser for HTTP tests through app.inject: its own cookie jar, network address and CSRF
// token, so per-IP limits do not leak between tests and forms are posted as a browser posts them.
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE } from '../../src/web/auth.ts';
import type { TestSession } from './sign-in.ts';

let ipNo = 0;

export class HttpBrowser {
  readonly jar = new Map<string, string>();
  constructor(
    private readonly app: FastifyInstance,
    readonly ip = `10.0.${Math.floor(++ipNo / 250)}.${(ipNo % 250) + 1}`,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.inject({
      method,
      url,
      remoteAddress: this.ip,
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return res;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request('GET', url);
  }

  /** The token this browser's forms carry: from its session cookie, else its visitor cookie. */
  csrf(): string {
    const base = this.jar.get(SESSION_COOKIE) ?? this.jar.get(CSRF_COOKIE);
    assert.ok(base, 'the browser has a cookie to derive a CSRF token from');
    return csrfTokenFor(base);
  }

  async post(url: string, fields: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    if (this.jar.size === 0) await this.get('/signin');
    return this.request('POST', url, { _csrf: this.csrf(), ...fields });
  }

  use(session: TestSession): this {
    const [name, value] = session.cookie.split('=') as [string, string];
    this.jar.set(name, value);
    return this;
  }
}

