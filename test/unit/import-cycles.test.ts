/**
 * No import circles in src/, type-only imports included: ESLint keeps imports going down the floors
 * (eslint.config.js); this keeps the files of one floor from importing each other in a ring.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(ts|mts)$/.test(e.name) ? [p] : [];
  });
}

/** file → the project files it imports (static, dynamic, `import type` and re-exports alike). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every circle, each as the files along it (depth-first search, white/grey/black). */
function cycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('imports in src/', () => {
  it('form no circle', () => {
    const rel = (f: string) => path.relative(SRC, f);
    expect(cycles(importGraph(sourceFiles(SRC))).map((c) => c.map(rel).join(' → '))).toEqual([]);
  });

  it('(the check finds a circle, type-only ones too)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    const dir = fs.mkdtempSync(path.join(import.meta.dirname, '.cycle-'));
    try {
      const a = path.join(dir, 'a.ts');
      const b = path.join(dir, 'b.ts');
      fs.writeFileSync(a, "import type { B } from './b.js';\nexport type A = B;\n");
      fs.writeFileSync(b, "import type { A } from './a.js';\nexport type B = A | 1;\n");
      expect(cycles(importGraph([a, b]))).toEqual([[a, b, a]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
