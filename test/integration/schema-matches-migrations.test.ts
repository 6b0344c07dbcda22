/**
 * src/storage/schema.ts (the row types every query is checked against) describes the database the
 * migrations really build, on both dialects: the same tables, the same columns, each column of the
 * declared kind (text or number) and nullable exactly when its type admits null.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDb, DIALECTS } from '../support/test-db.js';

type Kind = 'text' | 'number';
interface Column {
  kind: Kind;
  nullable: boolean;
}
type Tables = Record<string, Record<string, Column>>;

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every table of the Kysely `Database` interface, each column as Kysely selects it (Generated<T> is T). */
function declaredSchema(): Tables {
  // Inside the repository, so that `kysely` resolves from its node_modules.
  const dir = fs.mkdtempSync(path.join(import.meta.dirname, '.schema-probe-'));
  const probe = path.join(dir, 'probe.ts');
  fs.writeFileSync(
    probe,
    `import type { Selectable } from 'kysely';\nimport type { Database } from '${path.join(ROOT, 'src/storage/schema.js')}';\nexport type Rows = { [T in keyof Database]: Selectable<Database[T]> };\n`,
  );
  try {
    const program = ts.createProgram([probe], {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    if (problems.length > 0) throw new Error(`the schema probe does not compile: ${problems.join('; ')}`);
    const checker = program.getTypeChecker();
    const file = program.getSourceFile(probe)!;
    const alias = file.statements.find(ts.isTypeAliasDeclaration)!;
    const rows = checker.getTypeAtLocation(alias.name);
    const out: Tables = {};
    for (const table of checker.getPropertiesOfType(rows)) {
      const rowType = checker.getTypeOfSymbolAtLocation(table, alias);
      out[table.name] = {};
      for (const col of checker.getPropertiesOfType(rowType)) {
        const t = checker.getTypeOfSymbolAtLocation(col, alias);
        const parts = t.isUnion() ? t.types : [t];
        const flags = parts.map((p) => p.flags);
        const nullable = flags.some((f) => f & ts.TypeFlags.Null);
        const numeric = flags.some((f) => f & ts.TypeFlags.NumberLike);
        const textual = flags.some((f) => f & ts.TypeFlags.StringLike);
        if (numeric === textual)
          throw new Error(`${table.name}.${col.name}: cannot tell text from number in ${checker.typeToString(t)}`);
        out[table.name]![col.name] = { kind: numeric ? 'number' : 'text', nullable };
      }
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where a dialect's column is nullable although no row ever holds NULL there, and why. Anything
 * else that differs is a defect of schema.ts or of a migration.
 */
const NULL_NEVER_STORED: Record<string, string> = {
  'sqlite:contact_lists.list_no':
    'added by migration 009 to a table with rows (SQLite cannot add a NOT NULL column then) and filled by its AFTER INSERT trigger',
};

const KINDS: Record<string, Kind> = {
  text: 'text',
  varchar: 'text',
  'character varying': 'text',
  integer: 'number',
  int: 'number',
  int4: 'number',
  int8: 'number',
  bigint: 'number',
  real: 'number',
  float4: 'number',
  float8: 'number',
  numeric: 'number',
};

describe('schema.ts', () => {
  let declared: Tables;
  beforeAll(() => {
    declared = declaredSchema();
  }, 60_000);

  describe.each(DIALECTS)('against the migrated %s database', (dialect) => {
    const db = useTestDb(dialect);

    /**
     * SQLite lets a primary-key column that is not an INTEGER hold NULL unless it is declared NOT NULL
     * (a quirk it keeps for compatibility), and the migrations do not declare it: introspection then
     * calls text ids nullable. campaignd never writes a NULL key, so keys count as not null here.
     */
    const primaryKey = async (table: string): Promise<Set<string>> => {
      if (dialect !== 'sqlite') return new Set();
      const rows = db().sqlite!.prepare('select name from pragma_table_info(?) where pk > 0').all(table) as {
        name: string;
      }[];
      return new Set(rows.map((r) => r.name));
    };

    it('has the same tables and columns, of the same kinds and nullability', async () => {
      const tables = await db().kysely.introspection.getTables();
      const built: Tables = {};
      const views = new Set<string>();
      for (const table of tables) {
        if (table.isView) views.add(table.name);
        built[table.name] = {};
        const keys = await primaryKey(table.name);
        for (const c of table.columns) {
          const kind = KINDS[c.dataType.toLowerCase()];
          if (!kind) throw new Error(`${table.name}.${c.name}: unknown column type ${c.dataType}`);
          const neverNull = keys.has(c.name) || `${dialect}:${table.name}.${c.name}` in NULL_NEVER_STORED;
          built[table.name]![c.name] = { kind, nullable: c.isNullable && !neverNull };
        }
      }
      // A view's columns all read as nullable (PostgreSQL cannot tell): compare their kinds only.
      const comparable = (t: Tables) =>
        Object.fromEntries(
          Object.entries(t).map(([name, cols]) => [
            name,
            views.has(name) ? Object.fromEntries(Object.entries(cols).map(([c, v]) => [c, v.kind])) : cols,
          ]),
        );
      expect(comparable(built)).toEqual(comparable(declared));
    });
  });

  it('(the comparison sees a nullable column declared not null)', () => {
    expect(declared.dial_records!.lease_owner).toEqual({ kind: 'text', nullable: true });
    expect(declared.dial_records!.attempts).toEqual({ kind: 'number', nullable: false });
    expect(declared.contact_lists!.list_no).toEqual({ kind: 'number', nullable: false });
  });
});
