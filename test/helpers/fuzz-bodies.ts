import { create, type DescField, type DescMessage, toBinary } from "@bufbuild/protobuf";

import type { Random } from "./seeded-random.js";

const awkwardStrings = [
  "",
  "a",
  "\u0000",
  "x\u0000y",
  "\ud83d",
  "😀",
  "%00",
  "//evil.example/x",
  "/\\evil.example",
  " ",
  "a".repeat(300),
  "../../etc/passwd",
  "'; DROP TABLE notifications; --",
  "{{constructor}}",
  "__proto__",
];
const awkwardNumbers = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER];

/** A random JSON value: scalars that stress parsers and validators, nested a little or a lot. */
export function randomJson(r: Random, depth = 0): unknown {
  const kind = r.int(depth > 6 ? 4 : 7);
  switch (kind) {
    case 0:
      return r.pick(awkwardStrings);
    case 1:
      return r.pick(awkwardNumbers);
    case 2:
      return r.next() < 0.5;
    case 3:
      return null;
    case 4:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    case 5: {
      let nested: unknown = r.pick(awkwardStrings);
      for (let i = 0, n = r.int(40); i < n; i++) nested = { a: nested };
      return nested;
    }
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [r.pick(awkwardStrings), randomJson(r, depth + 1)]),
      );
  }
}

/** A JSON request for `schema`: its own field names (JSON and proto spellings) and some unknown ones, with random values. */
export function randomJsonRequest(r: Random, schema: DescMessage): string {
  const names = schema.fields.flatMap((f: DescField) => [f.jsonName, f.name]);
  const body: Record<string, unknown> = {};
  for (let i = 0, n = 1 + r.int(5); i < n; i++) {
    const name =
      r.next() < 0.85 && names.length > 0 ? r.pick(names) : r.pick(["foo", "idempotency_keys", "__proto__", ""]);
    body[name] = randomJson(r);
  }
  const text = JSON.stringify(body);
  // Sometimes not JSON at all, or broken JSON.
  const roll = r.next();
  if (roll < 0.05) return text.slice(0, r.int(text.length));
  if (roll < 0.08) return "\u00ff\ufffe";
  return text;
}

/** A valid binary encoding of `schema` with some fields set (the seed for mutations). */
function validBinary(r: Random, schema: DescMessage): Uint8Array {
  const init: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (r.next() < 0.5) continue;
    if (field.fieldKind === "scalar" && field.scalar === 9 /* string */) init[field.localName] = r.pick(awkwardStrings);
    if (field.fieldKind === "list" && field.listKind === "scalar" && field.scalar === 9) {
      init[field.localName] = [r.pick(awkwardStrings)];
    }
  }
  try {
    return toBinary(schema, create(schema, init));
  } catch {
    return toBinary(schema, create(schema));
  }
}

/** A binary body for `schema`: random bytes, or a valid encoding truncated, flipped, spliced. */
export function randomBinaryRequest(r: Random, schema: DescMessage): Uint8Array {
  if (r.next() < 0.3) return Uint8Array.from({ length: r.int(64) }, () => r.int(256));
  const bytes = Array.from(validBinary(r, schema));
  for (let i = 0, n = 1 + r.int(4); i < n; i++) {
    const at = r.int(bytes.length + 1);
    switch (r.int(4)) {
      case 0:
        bytes.splice(at); // truncate
        break;
      case 1:
        if (at < bytes.length) bytes[at] = r.int(256); // flip
        break;
      case 2:
        bytes.splice(at, 0, ...Array.from({ length: 1 + r.int(8) }, () => r.int(256))); // insert
        break;
      default:
        bytes.splice(at, 0, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f); // a length that promises 4 GiB
    }
  }
  return Uint8Array.from(bytes);
}
