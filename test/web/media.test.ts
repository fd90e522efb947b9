// Hugging Face's pictures of a paper: its thumbnail beside the card and its media on the paper's
// page, loaded from Hugging Face's CDN, which the CSP then allows; PAPERBOY_REMOTE_IMAGES=off
// (remoteImages: false) shows none and allows none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { PAPERS, RICH_ID } from './fixtures.ts';

const THUMB = 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2207.06389.png';
const FIGURE = 'https://cdn-uploads.huggingface.co/production/uploads/abc/figure1.png';

describe("Hugging Face's thumbnails and media", () => {
  let store: Store;
  let shown: FastifyInstance;
  let hidden: FastifyInstance;

  before(async () => {
    store = await openSqliteStore(':memory:');
    await store.upsertPapers(PAPERS.map((p) => (p.id === RICH_ID ? { ...p, hf: { ...p.hf!, thumbnail: THUMB, mediaUrls: [FIGURE] } } : p)));
    shown = await buildApp({ store });
    hidden = await buildApp({ store, remoteImages: false });
  });
  after(async () => {
    await shown.close();
    await hidden.close();
    await store.close();
  });

  test('a card shows the thumbnail, lazily and without a referrer, and the CSP allows only those hosts', async () => {
    const res = await shown.inject('/?date=2024-05-31');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`<a class="card-thumb" href="/papers/${RICH_ID}" tabindex="-1" aria-hidden="true"><img src="${THUMB}" alt="" loading="lazy"[^>]*referrerpolicy="no-referrer">`));
    assert.equal(res.body.match(/class="card-thumb"/g)?.length, 1, 'papers without one get none');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /img-src 'self' data: https:\/\/cdn-thumbnails\.huggingface\.co https:\/\/cdn-uploads\.huggingface\.co(;|$)/);
  });

  test("the paper's page shows its media, each image described", async () => {
    const res = await shown.inject(`/papers/${RICH_ID}`);
    assert.match(res.body, /<h2 id="media">Media<\/h2>/);
    assert.match(res.body, new RegExp(`<img src="${FIGURE}" alt="Figure 1 from the paper(&#39;|')s Hugging Face page" loading="lazy"`));
  });

  test('with remote images off: no picture, and the CSP allows no other host', async () => {
    for (const url of ['/?date=2024-05-31', `/papers/${RICH_ID}`]) {
      const res = await hidden.inject(url);
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /huggingface\.co\/(social-thumbnails|production)/, url);
      assert.match(String(res.headers['content-security-policy']), /img-src 'self' data:(;|$)/);
    }
  });
});
