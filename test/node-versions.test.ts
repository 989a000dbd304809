import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** Which Node.js lines we support: the root's engines field, which the READMEs and every workspace repeat. */
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const pkg = (path: string) => JSON.parse(read(path)) as { name?: string; workspaces?: string[]; engines?: { node?: string } };
const root = pkg('package.json');
const engines = root.engines?.node ?? '';

/** `^20.19.0 || ^22.13.0 || >=24` → the floors, each with whether later majors count ('>='). */
function floors(range: string) {
  return range.split('||').map((part) => {
    const m = /^\s*(\^|>=)(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(part);
    assert.ok(m, `engines.node "${range}" is a list of ^x.y.z or >=x`);
    return { open: m[1] === '>=', version: [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)] as const };
  });
}

describe('the supported Node.js lines', () => {
  it('are the same in every workspace package that a user installs', () => {
    for (const dir of root.workspaces ?? []) {
      const ws = pkg(`${dir}/package.json`);
      assert.equal(ws.engines?.node, engines, `${ws.name} engines.node`);
    }
  });

  it('are the ones the README and the bridge README name', () => {
    // ^20.19.0 → "20.19+", >=24 → "24+": "Node.js 20.19+, 22.13+ or 24+".
    const names = floors(engines).map(({ version: [major, minor] }) => (minor ? `${major}.${minor}+` : `${major}+`));
    const phrase = `Node.js ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
    for (const readme of ['README.md', 'packages/bridge/README.md']) {
      assert.ok(read(readme).replace(/\s+/g, ' ').includes(phrase), `${readme} says "${phrase}"`);
    }
  });

  it('include the Node.js that runs this test (CI runs it on Node 20 and on Node 24)', () => {
    const [major, minor, patch] = process.versions.node.split('.').map(Number) as [number, number, number];
    const atLeast = (v: readonly [number, number, number]) =>
      major !== v[0] ? major > v[0] : minor !== v[1] ? minor > v[1] : patch >= v[2];
    const ok = floors(engines).some(({ open, version }) => atLeast(version) && (open || major === version[0]));
    assert.ok(ok, `Node ${process.version} is in engines.node "${engines}"`);
  });

  it('match @types/node: its major is the oldest line', () => {
    const types = (root as { devDependencies?: Record<string, string> }).devDependencies?.['@types/node'] ?? '';
    assert.equal(/^\^?(\d+)\./.exec(types)?.[1], String(floors(engines)[0]!.version[0]), `@types/node ${types}`);
  });
});
