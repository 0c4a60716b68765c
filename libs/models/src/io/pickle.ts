/**
 * A Python unpickler for data only — never executes anything. It understands the opcodes of
 * protocols 0–4 that `torch.save` and ordinary state dicts produce. Globals stay names
 * (`PyGlobal`); what calling one means is the caller's `call` hook (see torch_checkpoint.ts);
 * calls it does not know become opaque `PyObject`s, so unrelated entries (an optimiser, an
 * argparse namespace) parse without being understood.
 * Values: None → null, bool, int → number (bigint beyond 2^53), float → number, str → string,
 * bytes → Uint8Array, list/tuple/set → array, dict → Map.
 */
import { WeightFileError } from './errors.ts';

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The result of a call the caller did not interpret (kept for inspection, never run). */
export class PyObject {
  state: unknown = undefined;
  /** Items appended (a list subclass) and set (a dict subclass) after construction. */
  readonly items: unknown[] = [];
  readonly entries = new Map<unknown, unknown>();
  constructor(
    readonly callable: unknown,
    readonly args: unknown[],
  ) {}
}

export interface UnpickleHooks {
  /** Resolves a persistent id (torch: a storage tuple). */
  persistentLoad(pid: unknown): unknown;
  /** Interprets `fn(*args)`; return `undefined` to keep it opaque. */
  call(fn: PyGlobal, args: unknown[]): unknown;
}

const MARK = Symbol('mark');

/** The pickle ended before its STOP opcode (a caller reading a window of a file may retry with more). */
export class PickleTruncatedError extends WeightFileError {
  override name = 'PickleTruncatedError';
}

/** Unpickles the one pickle in `bytes`. */
export function unpickle(bytes: Uint8Array, file: string, hooks: UnpickleHooks): unknown {
  return unpickleAt(bytes, 0, file, hooks).value;
}

/** Unpickles the pickle starting at byte `start`; `end` is the byte after its STOP. */
export function unpickleAt(bytes: Uint8Array, start: number, file: string, hooks: UnpickleHooks): { value: unknown; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let p = start;
  const fail = (reason: string): never => {
    throw new WeightFileError(file, `corrupt pickle at byte ${p}: ${reason}`);
  };
  const need = (n: number): number => {
    if (p + n > bytes.length) throw new PickleTruncatedError(file, `corrupt pickle at byte ${p}: needs ${n} more bytes but the data ends at ${bytes.length} (truncated)`);
    const at = p;
    p += n;
    return at;
  };
  const u8 = (): number => dv.getUint8(need(1));
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => Number(dv.getBigUint64(need(8), true));
  const raw = (n: number): Uint8Array => bytes.subarray(need(n), p);
  const line = (): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) throw new PickleTruncatedError(file, `corrupt pickle at byte ${p}: unterminated text line (truncated)`);
    const s = new TextDecoder().decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const str = (n: number): string => {
    try {
      return utf8.decode(raw(n));
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const decimal = (text: string): bigint => {
    if (!/^[-+]?\d+$/.test(text)) fail(`LONG '${text.slice(0, 32)}' is not an integer`);
    return BigInt(text);
  };
  const pop = (): unknown => (stack.length ? stack.pop() : fail('stack underflow'));
  const top = (): unknown => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK on the stack');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const get = (k: number): unknown => (memo.has(k) ? memo.get(k) : fail(`memo key ${k} was never stored`));
  const setItems = (d: unknown, items: unknown[]): void => {
    const map = d instanceof Map ? d : d instanceof PyObject ? d.entries : fail('SETITEM(S) target is not a dict');
    if (items.length % 2) fail('SETITEMS has an odd number of items');
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  };
  const append = (l: unknown, items: unknown[]): void => {
    const list = Array.isArray(l) ? l : l instanceof PyObject ? l.items : fail('APPEND(S) target is not a list');
    for (const item of items) list.push(item);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) fail('call arguments are not a tuple');
    const a = args as unknown[];
    if (fn instanceof PyGlobal) {
      const r = hooks.call(fn, a);
      if (r !== undefined) return r;
    }
    return new PyObject(fn, a);
  };
  const long = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: return { value: pop(), end: p }; // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x8f: stack.push([]); break; // EMPTY_SET
      case 0x74: case 0x6c: case 0x91: stack.push(popMark()); break; // TUPLE, LIST, FROZENSET
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: case 0x90: { const items = popMark(); append(top(), items); break; } // APPENDS, ADDITEMS
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x4a: stack.push(dv.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(long(raw(u8()))); break; // LONG1
      case 0x8b: stack.push(long(raw(u32()))); break; // LONG4
      case 0x49: { const s = line(); stack.push(s === '01' ? true : s === '00' ? false : parseInt(s, 10)); break; } // INT
      case 0x4c: { const v = decimal(line().replace(/L$/, '')); stack.push(Number.isSafeInteger(Number(v)) ? Number(v) : v); break; } // LONG
      case 0x47: stack.push(dv.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x46: stack.push(parseFloat(line())); break; // FLOAT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x58: stack.push(str(u32())); break; // BINUNICODE
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(str(u64())); break; // BINUNICODE8
      case 0x54: stack.push(new TextDecoder('latin1').decode(raw(u32()))); break; // BINSTRING
      case 0x55: stack.push(new TextDecoder('latin1').decode(raw(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(raw(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(raw(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(raw(u64()).slice()); break; // BINBYTES8
      case 0x63: { const mod = line(); stack.push(new PyGlobal(mod, line())); break; } // GLOBAL
      case 0x93: { const name = pop(), mod = pop(); stack.push(new PyGlobal(String(mod), String(name))); break; } // STACK_GLOBAL
      case 0x52: { const args = pop(); stack.push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ_EX (kwargs dropped)
      case 0x62: { const state = pop(); const obj = top(); if (obj instanceof PyObject) obj.state = state; break; } // BUILD
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(hooks.persistentLoad(line())); break; // PERSID
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(parseInt(line(), 10), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(get(u8())); break; // BINGET
      case 0x6a: stack.push(get(u32())); break; // LONG_BINGET
      case 0x67: stack.push(get(parseInt(line(), 10))); break; // GET
      case 0x32: stack.push(top()); break; // DUP
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      default:
        p--;
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
