// A signed-in browser for HTTP tests, made directly in the store (no mail round trip): the Cookie
// header to send and the CSRF token that goes with it.
import type { User } from '../../src/store/accounts.ts';
import type { Store } from '../../src/store/store.ts';
import { csrfTokenFor, hashSecret, newSecret, SESSION_COOKIE, SESSION_DAYS } from '../../src/web/auth.ts';

export interface TestSession {
  user: User;
  /** The Cookie header value, 'paperboy_session=…'. */
  cookie: string;
  csrf: string;
}

export async function signedIn(store: Store, email: string, now = new Date()): Promise<TestSession> {
  const { user } = await store.accounts.userForEmail(email, now.toISOString());
  const id = newSecret();
  await store.accounts.createSession({
    idHash: hashSecret(id),
    userKey: user.key,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000).toISOString(),
  });
  return { user, cookie: `${SESSION_COOKIE}=${id}`, csrf: csrfTokenFor(id) };
}
