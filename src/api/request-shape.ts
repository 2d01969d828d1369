import {
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type Message,
  ScalarType,
} from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import type { ListValue, Struct, Timestamp, Value } from "@bufbuild/protobuf/wkt";

/** Limits on free-form JSON (`google.protobuf.Struct`, `Value`, `ListValue`) anywhere in a request. */
export interface RequestShapeLimits {
  /**
   * Deepest nesting of objects and lists; the field's own object is level 1.
   * Binary protobuf readers stop at 100 levels of messages and every JSON
   * level costs two (protobuf-es, protobufjs) or three (Python's upb) of them,
   * so anything deeper than about 30 could be accepted and then never read back.
   */
  maxDepth: number;
  /** Most values (object members and list items, at any level) in one field. */
  maxValues: number;
  /** Longest object key, in UTF-16 code units. */
  maxKeyLength: number;
}

/** One thing wrong with a request: where (a field path such as `data.a["b c"][2]`) and why. */
export interface ShapeViolation {
  path: string;
  reason: string;
}

/**
 * Finds what no field rule can express and Herald's stores and clients cannot
 * take, in any request message, by reflection:
 * - NUL characters (Postgres text and jsonb refuse them) and lone surrogates
 *   (not Unicode; jsonb refuses them, text stores U+FFFD instead) in every
 *   string, map key and JSON key or string;
 * - JSON nested deeper, or holding more values, or longer keys, than `limits`,
 *   and numbers JSON cannot carry (NaN, infinities);
 * - Timestamps outside 0001-01-01..9999-12-31 or with nanos outside
 *   0..999,999,999 (what the protobuf spec allows; Date and Postgres fail on more).
 * Stops at the first violation unless `all` is set.
 */
export function findShapeViolations(
  schema: DescMessage,
  message: Message,
  limits: RequestShapeLimits,
  all = false,
): ShapeViolation[] {
  const walk = new Walk(limits, all);
  walk.message(reflect(schema, message, false));
  return walk.violations;
}

const minSeconds = -62_135_596_800n; // 0001-01-01T00:00:00Z
const maxSeconds = 253_402_300_799n; // 9999-12-31T23:59:59Z
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const shownKeyLength = 64;
const count = (n: number) => n.toLocaleString("en-US");
// Node 20 has String.prototype.isWellFormed; TypeScript's ES2023 library does not declare it yet.
const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * One step of a path: a field, a list index, a map key, or a key of a JSON
 * object. Kept raw while walking, since almost every request has no violation.
 */
type Segment = DescField | number | { kind: "map_key"; mapKey: unknown } | string;

/** How deep and how large the JSON value being walked is so far. */
interface JsonScope {
  values: number;
  /** Path of the field holding the JSON, where the value count is reported. */
  root: readonly Segment[];
}

class Walk {
  readonly violations: ShapeViolation[] = [];
  /** Where the walk is; made into text only for a violation (see pathString). */
  private readonly path: Segment[] = [];

  constructor(
    private readonly limits: RequestShapeLimits,
    private readonly all: boolean,
  ) {}

  private get done(): boolean {
    return !this.all && this.violations.length > 0;
  }

  private fail(reason: string, path = pathString(this.path)): void {
    this.violations.push({ path, reason });
  }

  message(r: ReflectMessage): void {
    switch (r.desc.typeName) {
      case "google.protobuf.Timestamp":
        this.timestamp(r.message as Timestamp);
        return;
      case "google.protobuf.Struct":
        this.jsonRoot(structJson(r.message as Struct));
        return;
      case "google.protobuf.Value":
        this.jsonRoot(valueJson(r.message as Value));
        return;
      case "google.protobuf.ListValue":
        this.jsonRoot((r.message as ListValue).values.map(valueJson));
        return;
    }
    for (const field of r.fields) {
      if (this.done) return;
      if (!r.isSet(field)) continue;
      this.path.push(field);
      this.field(r, field);
      this.path.pop();
    }
  }

  private field(r: ReflectMessage, field: DescField): void {
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING) this.string(r.get(field) as string);
        return;
      case "message": {
        const json = field.message.typeName === "google.protobuf.Struct" ? localJson(r, field) : undefined;
        if (json !== undefined) this.jsonRoot(json);
        else this.message(r.get(field));
        return;
      }
      case "list": {
        const list = r.get(field);
        if (field.listKind === "enum" || (field.listKind === "scalar" && field.scalar !== ScalarType.STRING)) return;
        for (let i = 0; i < list.size && !this.done; i++) {
          this.path.push(i);
          const item = list.get(i);
          if (typeof item === "string") this.string(item);
          else this.message(item as ReflectMessage);
          this.path.pop();
        }
        return;
      }
      case "map": {
        for (const [key, value] of r.get(field)) {
          if (this.done) return;
          this.path.push({ kind: "map_key", mapKey: key });
          if (typeof key === "string") this.string(key, "key must not contain NUL characters");
          if (typeof value === "string") this.string(value);
          else if (field.mapKind === "message") this.message(value as ReflectMessage);
          this.path.pop();
        }
        return;
      }
      case "enum":
        return;
    }
  }

  private string(s: string, what = "must not contain NUL characters"): void {
    if (s.includes("\u0000")) this.fail(what);
    else if (!isWellFormed(s)) this.fail("must be valid Unicode (it has a lone surrogate)");
  }

  private timestamp(t: Timestamp): void {
    if (t.nanos < 0 || t.nanos > 999_999_999) {
      this.fail(`nanos must be 0 to 999,999,999, got ${t.nanos}`);
    } else if (t.seconds < minSeconds || t.seconds > maxSeconds) {
      this.fail(`must be from 0001-01-01 to 9999-12-31 UTC (seconds ${minSeconds} to ${maxSeconds}), got ${t.seconds}`);
    }
  }

  /**
   * A Struct, Value or ListValue reached from an ordinary field, as JSON.
   * `depth` is the level of what holds it (0 for a field), so a field's own
   * object or list is level 1.
   */
  jsonRoot(value: JsonValue): void {
    this.json(value, 0, { values: 0, root: [...this.path] });
  }

  private json(value: JsonValue, depth: number, scope: JsonScope): void {
    if (typeof value === "string") this.string(value);
    else if (typeof value === "number") {
      if (!Number.isFinite(value)) this.fail(`must be a finite number (JSON has no ${value})`);
    } else if (Array.isArray(value)) {
      if (!this.withinDepth(depth + 1)) return;
      for (let i = 0; i < value.length; i++) {
        if (this.done || !this.counted(scope)) return;
        this.path.push(i);
        this.json(value[i] as JsonValue, depth + 1, scope);
        this.path.pop();
      }
    } else if (value !== null && typeof value === "object") {
      if (!this.withinDepth(depth + 1)) return;
      for (const key of Object.keys(value)) {
        if (this.done || !this.counted(scope)) return;
        this.path.push(key);
        if (key.length > this.limits.maxKeyLength) {
          this.fail(`key is ${count(key.length)} characters long; the limit is ${count(this.limits.maxKeyLength)}`);
        } else {
          this.string(key, "key must not contain NUL characters");
          this.json(value[key] as JsonValue, depth + 1, scope);
        }
        this.path.pop();
      }
    }
  }

  private withinDepth(depth: number): boolean {
    if (depth <= this.limits.maxDepth) return true;
    this.fail(`nests objects and lists ${depth} levels deep here; the limit is ${this.limits.maxDepth}`);
    return false;
  }

  private counted(scope: JsonScope): boolean {
    scope.values++;
    if (scope.values <= this.limits.maxValues) return true;
    // Reported once, at the field, and the walk of this field stops.
    if (scope.values === this.limits.maxValues + 1) {
      this.fail(
        `holds more than ${count(this.limits.maxValues)} values; the limit is ${count(this.limits.maxValues)}`,
        pathString(scope.root),
      );
    }
    return false;
  }
}

/**
 * A Struct field's value as protobuf-es keeps it: a plain JSON object (outside
 * google.protobuf.Value). Walking it directly saves converting it to Struct
 * messages, which `get()` would do. Undefined if it is not one after all.
 */
function localJson(r: ReflectMessage, field: DescField): JsonObject | undefined {
  const message = r.message as unknown as Record<string, unknown>;
  const local =
    field.oneof === undefined
      ? message[field.localName]
      : (message[field.oneof.localName] as { value?: unknown } | undefined)?.value;
  if (local === null || typeof local !== "object" || "$typeName" in local) return undefined;
  return local as JsonObject;
}

/** JSON of a Struct in message form (in a list, a map, a Value), keeping what JSON cannot hold (NaN) to report it. */
function structJson(s: Struct): JsonObject {
  const json: JsonObject = {};
  for (const key of Object.keys(s.fields)) json[key] = valueJson(s.fields[key] as Value);
  return json;
}

function valueJson(v: Value): JsonValue {
  switch (v.kind.case) {
    case "structValue":
      return structJson(v.kind.value);
    case "listValue":
      return v.kind.value.values.map(valueJson);
    case "stringValue":
    case "numberValue":
    case "boolValue":
      return v.kind.value;
    default:
      return null;
  }
}

/** A path as violations show it: `template.in_app.title`, `categories["k"]`, `data.a[2]["b c"]`. */
function pathString(path: readonly Segment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string") {
      text += identifier.test(segment) && segment.length <= shownKeyLength ? `.${segment}` : `[${quote(segment)}]`;
    } else if (segment.kind === "field") text += text === "" ? segment.name : `.${segment.name}`;
    else text += typeof segment.mapKey === "string" ? `[${quote(segment.mapKey)}]` : `[${String(segment.mapKey)}]`;
  }
  return text;
}

/** A key as it appears in a path: JSON-quoted (NUL shows as \u0000), long ones shortened. */
function quote(key: string): string {
  return JSON.stringify(key.length > shownKeyLength ? `${key.slice(0, shownKeyLength)}…` : key);
}
