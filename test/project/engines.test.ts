// The Node version package.json declares is one every installed package supports: `npm ci` on the
// declared minimum must not warn EBADENGINE (it did, for cookie and content-disposition wanting 22).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
}

function* installed(dir: string): Generator<Manifest> {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (name.startsWith('@')) {
      yield* installed(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) yield JSON.parse(readFileSync(manifest, 'utf8')) as Manifest;
    if (existsSync(join(path, 'node_modules'))) yield* installed(join(path, 'node_modules'));
  }
}

test('every installed package supports the oldest Node that package.json declares, and this Node is one of them', () => {
  const declared = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest).engines?.node;
  assert.ok(declared, 'package.json declares engines.node');
  const oldest = semver.minVersion(declared)!;
  assert.ok(semver.satisfies(process.version, declared), `this Node (${process.version}) is within ${declared}`);
  const unsupported: string[] = [];
  let checked = 0;
  for (const m of installed(join(ROOT, 'node_modules'))) {
    checked++;
    const wants = m.engines?.node;
    if (wants && semver.validRange(wants) && !semver.satisfies(oldest, wants)) unsupported.push(`${m.name}@${m.version} wants node ${wants}`);
  }
  assert.ok(checked > 100, `looked at the installed packages (${checked})`);
  assert.deepEqual(unsupported, [], `each of these needs a newer Node than ${oldest.version}: pin an older version or raise engines.node`);
});
