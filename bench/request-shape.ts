/**
 * Micro-benchmark of the request shape check (src/api/request-shape.ts), which
 * runs on every RPC: a typical SendRequest, one with `data` at the value limit,
 * and protovalidate on the same messages for scale.
 *
 *   npx tsx bench/request-shape.ts
 */
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import { SendRequestSchema } from "../gen/ts/herald/v1/notification_service_pb.js";
import { findShapeViolations } from "../src/api/request-shape.js";

const limits = { maxDepth: 10, maxValues: 1000, maxKeyLength: 256 };
const typical = create(SendRequestSchema, {
  userIds: ["user-1042"],
  category: "order.shipped",
  title: "Your order shipped",
  body: "Order 1042 is on its way and should arrive on Thursday.",
  actionUrl: "https://shop.example.com/orders/1042",
  data: { orderId: 1042, total: "59.90", currency: "EUR", items: [{ sku: "A-1", qty: 2 }], carrier: "DHL" },
  idempotencyKey: "order-1042-shipped",
});
const large = create(SendRequestSchema, {
  ...typical,
  data: { items: Array.from({ length: 333 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) },
});

function measure(name: string, run: () => void, seconds = 2): void {
  for (let i = 0; i < 2_000; i++) run(); // warm up
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 100; i++) run();
    calls += 100;
  }
  const micros = Number(process.hrtime.bigint() - start) / 1e3 / calls;
  console.log(`${name.padEnd(44)} ${micros.toFixed(2).padStart(8)} µs/call`);
}

const shape = (schema: DescMessage, message: Message) => () => {
  if (findShapeViolations(schema, message, limits).length > 0) throw new Error("unexpected violation");
};
const validator = createValidator();
const validate = (schema: DescMessage, message: Message) => () => {
  if (validator.validate(schema, message).kind !== "valid") throw new Error("unexpected violation");
};

measure("shape check, typical SendRequest", shape(SendRequestSchema, typical));
measure("shape check, SendRequest with 1,000 values", shape(SendRequestSchema, large));
measure("protovalidate, typical SendRequest", validate(SendRequestSchema, typical));
measure("protovalidate, SendRequest with 1,000 values", validate(SendRequestSchema, large));
