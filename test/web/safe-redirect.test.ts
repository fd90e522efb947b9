// localPath alone: a redirect target from a request stays on this site, whatever the URL parser
// makes of dot segments, encodings and backslashes (the probe found "/.//evil.example" got out).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localPath } from '../../src/web/safe-redirect.ts';

test('paths that the URL parser turns into another host fall back, however they are written', () => {
  for (const bad of ['/.//evil.example', '/%2e%2e//evil.example', '/%2E%2E//evil.example', '/a/..//evil.example', '/././/evil.example/x', '/a/b/../..//evil.example',
    '//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/\t/evil.example', '', 'relative/path']) {
    const got = localPath(bad, '/home');
    assert.equal(got, '/home', `${JSON.stringify(bad)} gave ${got}`);
    assert.ok(!new URL(got, 'https://hub.example').href.includes('evil'), bad);
  }
});

test('ordinary local paths come back as they were, normalised', () => {
  assert.equal(localPath('/papers/2207.06389?x=1#c'), '/papers/2207.06389?x=1#c');
  assert.equal(localPath('/a/./b/../c'), '/a/c');
  assert.equal(localPath('/search?q=%2F%2Fnot-a-host'), '/search?q=%2F%2Fnot-a-host');
  assert.equal(localPath(undefined), '/');
});
