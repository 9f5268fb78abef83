// A small assembler for the WebAssembly text format (WAT), enough for the engine's kernels.
//
// Why an assembler inside a course library: the fast engine's kernels are SIMD loops that
// JavaScript cannot express, and a prebuilt .wasm file would be a binary nobody can read or
// change without a C toolchain. Kept as text, the kernels are part of the course: each one reads as
// the loop nest it is, and this file turns it into bytes when the engine starts (a few ms).
//
// Supported: one module with function imports, one memory (exported), functions with named
// params/locals, folded and flat instructions, block/loop/if with labels, the scalar i32/f32/f64
// instructions, the SIMD (v128) instructions listed in OPS (with relaxed SIMD's f32x4.relaxed_madd),
// memory.copy/fill. Anything else is rejected with the name of the unknown instruction.

type ValueType = "i32" | "i64" | "f32" | "f64" | "v128";
const VALUE_TYPES: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** How an instruction's immediates are encoded. */
type Immediate = "none" | "local" | "label" | "func" | "i32" | "i64" | "f32" | "f64" | "mem" | "lane" | "lanes16" | "v128" | "zero" | "zero2";

interface OpInfo {
  code: number[];
  imm: Immediate;
  /** Natural alignment (log2 bytes) for memory instructions. */
  align?: number;
}

const SIMD = 0xfd;
const OPS: Record<string, OpInfo> = {};
function op(name: string, code: number[], imm: Immediate = "none", align?: number): void {
  OPS[name] = { code, imm, align };
}
function simd(name: string, sub: number, imm: Immediate = "none", align?: number): void {
  op(name, [SIMD, ...uleb(sub)], imm, align);
}

// Control and variables.
op("unreachable", [0x00]);
op("nop", [0x01]);
op("br", [0x0c], "label");
op("br_if", [0x0d], "label");
op("return", [0x0f]);
op("call", [0x10], "func");
op("drop", [0x1a]);
op("select", [0x1b]);
op("local.get", [0x20], "local");
op("local.set", [0x21], "local");
op("local.tee", [0x22], "local");
// Memory.
op("i32.load", [0x28], "mem", 2);
op("f32.load", [0x2a], "mem", 2);
op("f64.load", [0x2b], "mem", 3);
op("i32.store", [0x36], "mem", 2);
op("f32.store", [0x38], "mem", 2);
op("f64.store", [0x39], "mem", 3);
op("memory.size", [0x3f], "zero");
op("memory.grow", [0x40], "zero");
op("memory.copy", [0xfc, 10], "zero2");
op("memory.fill", [0xfc, 11], "zero");
// Constants.
op("i32.const", [0x41], "i32");
op("i64.const", [0x42], "i64");
op("f32.const", [0x43], "f32");
op("f64.const", [0x44], "f64");
// i32.
const I32 = ["eqz", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
I32.forEach((name, k) => op(`i32.${name}`, [0x45 + k]));
const I32_ARITH = ["clz", "ctz", "popcnt", "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"];
I32_ARITH.forEach((name, k) => op(`i32.${name}`, [0x67 + k]));
// f32 and f64.
const FCMP = ["eq", "ne", "lt", "gt", "le", "ge"];
FCMP.forEach((name, k) => op(`f32.${name}`, [0x5b + k]));
FCMP.forEach((name, k) => op(`f64.${name}`, [0x61 + k]));
const FARITH = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt", "add", "sub", "mul", "div", "min", "max", "copysign"];
FARITH.forEach((name, k) => op(`f32.${name}`, [0x8b + k]));
FARITH.forEach((name, k) => op(`f64.${name}`, [0x99 + k]));
const I64_ARITH = ["clz", "ctz", "popcnt", "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u"];
I64_ARITH.forEach((name, k) => op(`i64.${name}`, [0x79 + k]));
op("i64.extend_i32_s", [0xac]);
op("f64.reinterpret_i64", [0xbf]);
op("i64.reinterpret_f64", [0xbd]);
op("i32.trunc_f32_s", [0xa8]);
op("i32.trunc_f64_s", [0xaa]);
op("f32.convert_i32_s", [0xb2]);
op("f32.convert_i32_u", [0xb3]);
op("f32.demote_f64", [0xb6]);
op("f64.convert_i32_s", [0xb7]);
op("f64.convert_i32_u", [0xb8]);
op("f64.promote_f32", [0xbb]);
// SIMD (opcode numbers from the WebAssembly SIMD proposal's binary encoding table).
simd("v128.load", 0x00, "mem", 4);
simd("v128.load32_splat", 0x09, "mem", 2);
simd("v128.load64_splat", 0x0a, "mem", 3);
simd("v128.store", 0x0b, "mem", 4);
simd("v128.const", 0x0c, "v128");
simd("i8x16.shuffle", 0x0d, "lanes16");
simd("i32x4.splat", 0x11);
simd("f32x4.splat", 0x13);
simd("f64x2.splat", 0x14);
simd("i32x4.extract_lane", 0x1b, "lane");
simd("f32x4.extract_lane", 0x1f, "lane");
simd("f32x4.replace_lane", 0x20, "lane");
simd("f64x2.extract_lane", 0x21, "lane");
FCMP.forEach((name, k) => simd(`f32x4.${name}`, 0x41 + k));
FCMP.forEach((name, k) => simd(`f64x2.${name}`, 0x47 + k));
simd("v128.not", 0x4d);
simd("v128.and", 0x4e);
simd("v128.andnot", 0x4f);
simd("v128.or", 0x50);
simd("v128.xor", 0x51);
simd("v128.bitselect", 0x52);
simd("v128.load32_zero", 0x5c, "mem", 2);
simd("v128.load64_zero", 0x5d, "mem", 3);
simd("f32x4.demote_f64x2_zero", 0x5e);
simd("f64x2.promote_low_f32x4", 0x5f);
simd("i32x4.add", 0xae);
simd("i32x4.sub", 0xb1);
simd("i32x4.mul", 0xb5);
const F32X4 = ["abs", "neg", "", "sqrt", "add", "sub", "mul", "div", "min", "max", "pmin", "pmax"];
F32X4.forEach((name, k) => name && simd(`f32x4.${name}`, 0xe0 + k));
F32X4.forEach((name, k) => name && simd(`f64x2.${name}`, 0xec + k));
// Relaxed SIMD: a·b + c, fused or not at the engine's choice (one rounding or two). Modules that
// use it validate only where the engine has relaxed SIMD (Node ≥ 22, or V8's flag in Node 20).
simd("f32x4.relaxed_madd", 0x105);

export class WatSyntaxError extends SyntaxError {
  constructor(message: string, where: string) {
    super(`${message} (in ${where})`);
    this.name = "WatSyntaxError";
  }
}

// ---------------------------------------------------------------------------------------------
// Reading: text → tokens → s-expressions.

type SExpr = string | SExpr[];

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ";" && text[i + 1] === ";") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "(" && text[i + 1] === ";") {
      const end = text.indexOf(";)", i + 2);
      if (end < 0) throw new WatSyntaxError("unterminated block comment", text.slice(i, i + 40));
      i = end + 2;
    } else if (c === "(" || c === ")") {
      tokens.push(c);
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new WatSyntaxError("unterminated string", text.slice(i, i + 40));
      tokens.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s()]/.test(text[j]) && text[j] !== '"') j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function parse(text: string): SExpr[] {
  const tokens = tokenize(text);
  let pos = 0;
  const read = (): SExpr => {
    const t = tokens[pos++];
    if (t !== "(") return t;
    const list: SExpr[] = [];
    while (tokens[pos] !== ")") {
      if (pos >= tokens.length) throw new WatSyntaxError("missing )", tokens.slice(Math.max(0, pos - 8), pos).join(" "));
      list.push(read());
    }
    pos++;
    return list;
  };
  const out: SExpr[] = [];
  while (pos < tokens.length) {
    if (tokens[pos] === ")") throw new WatSyntaxError("unexpected )", tokens.slice(Math.max(0, pos - 8), pos + 1).join(" "));
    out.push(read());
  }
  return out;
}

const show = (e: SExpr): string => (typeof e === "string" ? e : `(${e.map(show).join(" ")})`).slice(0, 120);

// ---------------------------------------------------------------------------------------------
// Writing: LEB128 numbers, floats, sections.

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function floatBytes(value: number, bytes: 4 | 8): number[] {
  const view = new DataView(new ArrayBuffer(bytes));
  if (bytes === 4) view.setFloat32(0, value, true);
  else view.setFloat64(0, value, true);
  return Array.from(new Uint8Array(view.buffer));
}

function utf8(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function parseNumber(text: string, where: string): number {
  const clean = text.replace(/_/g, "");
  const value = /^[+-]?0x/i.test(clean) && !/[.p]/i.test(clean) ? Number.parseInt(clean, 16) : Number(clean);
  if (Number.isNaN(value) && clean !== "nan") throw new WatSyntaxError(`not a number: ${text}`, where);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Functions.

interface FuncSignature {
  params: ValueType[];
  results: ValueType[];
}

interface FuncDef extends FuncSignature {
  name: string;
  exportName?: string;
  paramNames: (string | undefined)[];
  locals: { name?: string; type: ValueType }[];
  body: SExpr[];
}

interface ImportDef extends FuncSignature {
  name: string;
  module: string;
  field: string;
}

function valueType(token: SExpr, where: string): ValueType {
  if (typeof token === "string" && token in VALUE_TYPES) return token as ValueType;
  throw new WatSyntaxError(`unknown value type ${show(token)}`, where);
}

/** Reads (param …) (result …) (local …) clauses; returns the index of the first body item. */
function readSignature(items: SExpr[], start: number, def: FuncSignature & Partial<FuncDef>, where: string): number {
  let k = start;
  for (; k < items.length; k++) {
    const item = items[k];
    if (!Array.isArray(item) || !["param", "result", "local", "export"].includes(item[0] as string)) break;
    const [head, ...rest] = item as string[];
    if (head === "export") {
      def.exportName = JSON.parse(rest[0]);
    } else if (head === "result") {
      rest.forEach((t) => def.results.push(valueType(t, where)));
    } else if (rest.length > 0 && rest[0].startsWith("$")) {
      const type = valueType(rest[1], where);
      if (head === "param") {
        def.params.push(type);
        def.paramNames?.push(rest[0]);
      } else def.locals?.push({ name: rest[0], type });
    } else {
      for (const t of rest) {
        const type = valueType(t, where);
        if (head === "param") {
          def.params.push(type);
          def.paramNames?.push(undefined);
        } else def.locals?.push({ type });
      }
    }
  }
  return k;
}

class FunctionEncoder {
  private readonly bytes: number[] = [];
  private readonly labels: (string | undefined)[] = [];
  private readonly localIndex = new Map<string, number>();

  constructor(private readonly def: FuncDef, private readonly funcIndex: Map<string, number>) {
    def.paramNames.forEach((name, i) => name && this.localIndex.set(name, i));
    def.locals.forEach((l, i) => l.name && this.localIndex.set(l.name, def.params.length + i));
  }

  encode(): number[] {
    this.sequence(this.def.body);
    this.bytes.push(0x0b);
    // Locals are declared as runs of one type.
    const runs: number[][] = [];
    for (const { type } of this.def.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === VALUE_TYPES[type]) last[0]++;
      else runs.push([1, VALUE_TYPES[type]]);
    }
    const body = [...uleb(runs.length), ...runs.flatMap(([count, type]) => [...uleb(count), type]), ...this.bytes];
    return [...uleb(body.length), ...body];
  }

  private get where(): string {
    return `func ${this.def.name}`;
  }

  /** One folded expression (a bare word is an instruction without immediates). */
  private instr(item: SExpr): void {
    if (typeof item === "string") {
      this.plain(item, { items: [], pos: 0 });
      return;
    }
    const [head, ...args] = item;
    if (typeof head !== "string") throw new WatSyntaxError(`expected an instruction, got ${show(item)}`, this.where);
    if (head === "block" || head === "loop") {
      this.structured(head === "block" ? 0x02 : 0x03, args);
      return;
    }
    if (head === "if") {
      this.ifThenElse(args);
      return;
    }
    // Folded: immediates come first, then operand expressions, which are emitted before the op.
    const cursor = { items: args, pos: 0 };
    const opBytes = this.withImmediates(head, cursor);
    for (; cursor.pos < args.length; cursor.pos++) this.instr(args[cursor.pos]);
    this.bytes.push(...opBytes);
  }

  private plain(name: string, cursor: { items: SExpr[]; pos: number }): void {
    this.bytes.push(...this.withImmediates(name, cursor));
  }

  private blockType(args: SExpr[], k: number): { type: number; next: number } {
    const a = args[k];
    if (Array.isArray(a) && a[0] === "result") return { type: VALUE_TYPES[valueType(a[1], this.where)], next: k + 1 };
    return { type: 0x40, next: k };
  }

  private structured(opcode: number, args: SExpr[]): void {
    let k = 0;
    let label: string | undefined;
    if (typeof args[0] === "string" && args[0].startsWith("$")) label = args[k++] as string;
    const { type, next } = this.blockType(args, k);
    this.bytes.push(opcode, type);
    this.labels.push(label);
    this.sequence(args.slice(next));
    this.labels.pop();
    this.bytes.push(0x0b);
  }

  private ifThenElse(args: SExpr[]): void {
    let k = 0;
    let label: string | undefined;
    if (typeof args[0] === "string" && args[0].startsWith("$")) label = args[k++] as string;
    const { type, next } = this.blockType(args, k);
    k = next;
    const isClause = (a: SExpr, name: string) => Array.isArray(a) && a[0] === name;
    for (; k < args.length && !isClause(args[k], "then"); k++) this.instr(args[k]);
    if (k >= args.length) throw new WatSyntaxError("if without (then …)", this.where);
    this.bytes.push(0x04, type);
    this.labels.push(label);
    this.sequence((args[k] as SExpr[]).slice(1));
    if (k + 1 < args.length) {
      if (!isClause(args[k + 1], "else")) throw new WatSyntaxError(`expected (else …), got ${show(args[k + 1])}`, this.where);
      this.bytes.push(0x05);
      this.sequence((args[k + 1] as SExpr[]).slice(1));
    }
    this.labels.pop();
    this.bytes.push(0x0b);
  }

  /** A list of instructions in which flat instructions take their immediates from what follows. */
  private sequence(items: SExpr[]): void {
    const cursor = { items, pos: 0 };
    while (cursor.pos < items.length) {
      const item = items[cursor.pos++];
      if (typeof item === "string") this.plain(item, cursor);
      else this.instr(item);
    }
  }

  private withImmediates(name: string, cursor: { items: SExpr[]; pos: number }): number[] {
    const info = OPS[name];
    if (!info) throw new WatSyntaxError(`unknown instruction ${name}`, this.where);
    const next = (): string => {
      const t = cursor.items[cursor.pos++];
      if (typeof t !== "string") throw new WatSyntaxError(`${name} needs an immediate, got ${t === undefined ? "nothing" : show(t)}`, this.where);
      return t;
    };
    const out = [...info.code];
    switch (info.imm) {
      case "none":
        break;
      case "local": {
        const t = next();
        const index = t.startsWith("$") ? this.localIndex.get(t) : parseNumber(t, this.where);
        if (index === undefined) throw new WatSyntaxError(`unknown local ${t}`, this.where);
        out.push(...uleb(index));
        break;
      }
      case "label": {
        const t = next();
        let depth: number;
        if (t.startsWith("$")) {
          const k = this.labels.lastIndexOf(t);
          if (k < 0) throw new WatSyntaxError(`unknown label ${t}`, this.where);
          depth = this.labels.length - 1 - k;
        } else depth = parseNumber(t, this.where);
        out.push(...uleb(depth));
        break;
      }
      case "func": {
        const t = next();
        const index = this.funcIndex.get(t);
        if (index === undefined) throw new WatSyntaxError(`unknown function ${t}`, this.where);
        out.push(...uleb(index));
        break;
      }
      case "i32":
        out.push(...sleb(BigInt(Math.trunc(parseNumber(next(), this.where)) | 0)));
        break;
      case "i64":
        out.push(...sleb(BigInt(next().replace(/_/g, ""))));
        break;
      case "f32":
        out.push(...floatBytes(parseNumber(next(), this.where), 4));
        break;
      case "f64":
        out.push(...floatBytes(parseNumber(next(), this.where), 8));
        break;
      case "lane":
        out.push(parseNumber(next(), this.where));
        break;
      case "lanes16":
        for (let l = 0; l < 16; l++) out.push(parseNumber(next(), this.where));
        break;
      case "zero":
        out.push(0x00);
        break;
      case "zero2":
        out.push(0x00, 0x00);
        break;
      case "v128": {
        const shape = next();
        const lanes = shape === "f32x4" || shape === "i32x4" ? 4 : shape === "f64x2" ? 2 : 0;
        if (lanes === 0) throw new WatSyntaxError(`v128.const shape ${shape} is not supported`, this.where);
        const view = new DataView(new ArrayBuffer(16));
        for (let l = 0; l < lanes; l++) {
          const v = parseNumber(next(), this.where);
          if (shape === "f32x4") view.setFloat32(4 * l, v, true);
          else if (shape === "i32x4") view.setInt32(4 * l, v, true);
          else view.setFloat64(8 * l, v, true);
        }
        out.push(...new Uint8Array(view.buffer));
        break;
      }
      case "mem": {
        let offset = 0;
        let align = info.align as number;
        while (cursor.pos < cursor.items.length) {
          const t = cursor.items[cursor.pos];
          if (typeof t !== "string" || !/^(offset|align)=/.test(t)) break;
          cursor.pos++;
          const [key, value] = t.split("=");
          if (key === "offset") offset = parseNumber(value, this.where);
          else align = Math.log2(parseNumber(value, this.where));
        }
        out.push(...uleb(align), ...uleb(offset));
        break;
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Modules.

export interface AssembledModule {
  bytes: Uint8Array;
  /** Exported function names, in order. */
  exports: string[];
}

/**
 * Assemble `(module …)` text into a binary module. The module may import functions, must declare
 * at most one memory (which is exported as "memory"), and exports functions with (export "name").
 */
export function assemble(text: string): AssembledModule {
  const top = parse(text);
  if (top.length !== 1 || !Array.isArray(top[0]) || top[0][0] !== "module") {
    throw new WatSyntaxError("expected one (module …)", text.slice(0, 60));
  }
  const fields = (top[0] as SExpr[]).slice(1);
  const imports: ImportDef[] = [];
  const funcs: FuncDef[] = [];
  let memory: { min: number; max?: number } | undefined;

  for (const field of fields) {
    if (!Array.isArray(field)) throw new WatSyntaxError(`unexpected ${field}`, "module");
    const head = field[0];
    if (head === "import") {
      const [, mod, name, desc] = field as [string, string, string, SExpr[]];
      if (!Array.isArray(desc) || desc[0] !== "func") throw new WatSyntaxError("only function imports are supported", show(field));
      const def: ImportDef = { module: JSON.parse(mod), field: JSON.parse(name), name: desc[1] as string, params: [], results: [] };
      readSignature(desc, 2, def, show(field));
      imports.push(def);
    } else if (head === "memory") {
      const numbers = field.slice(1).filter((t): t is string => typeof t === "string" && /^\d+$/.test(t)).map(Number);
      memory = { min: numbers[0] ?? 1, max: numbers[1] };
    } else if (head === "func") {
      const name = typeof field[1] === "string" && field[1].startsWith("$") ? field[1] : `$${funcs.length}`;
      const def: FuncDef = { name, paramNames: [], locals: [], params: [], results: [], body: [] };
      const start = readSignature(field, typeof field[1] === "string" ? 2 : 1, def, name);
      def.body = field.slice(start);
      funcs.push(def);
    } else {
      throw new WatSyntaxError(`unsupported module field ${head}`, show(field));
    }
  }

  const funcIndex = new Map<string, number>();
  imports.forEach((d, i) => funcIndex.set(d.name, i));
  funcs.forEach((d, i) => funcIndex.set(d.name, imports.length + i));

  // One type per distinct signature.
  const typeKeys: string[] = [];
  const types: number[][] = [];
  const typeOf = (sig: FuncSignature): number => {
    const key = `${sig.params.join(",")}->${sig.results.join(",")}`;
    let k = typeKeys.indexOf(key);
    if (k < 0) {
      k = typeKeys.push(key) - 1;
      types.push([0x60, ...vector(sig.params.map((t) => [VALUE_TYPES[t]])), ...vector(sig.results.map((t) => [VALUE_TYPES[t]]))]);
    }
    return k;
  };
  const importEntries = imports.map((d) => [...utf8(d.module), ...utf8(d.field), 0x00, ...uleb(typeOf(d))]);
  const funcTypes = funcs.map((d) => uleb(typeOf(d)));
  const exportEntries: number[][] = [];
  const exportNames: string[] = [];
  funcs.forEach((d, i) => {
    if (d.exportName !== undefined) {
      exportEntries.push([...utf8(d.exportName), 0x00, ...uleb(imports.length + i)]);
      exportNames.push(d.exportName);
    }
  });
  if (memory) exportEntries.push([...utf8("memory"), 0x02, 0x00]);
  const code = funcs.map((d) => new FunctionEncoder(d, funcIndex).encode());

  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...(imports.length ? section(2, vector(importEntries)) : []),
    ...section(3, vector(funcTypes)),
    ...(memory ? section(5, vector([memory.max === undefined ? [0x00, ...uleb(memory.min)] : [0x01, ...uleb(memory.min), ...uleb(memory.max)]])) : []),
    ...section(7, vector(exportEntries)),
    ...section(10, vector(code)),
  ];
  return { bytes: new Uint8Array(bytes), exports: exportNames };
}
