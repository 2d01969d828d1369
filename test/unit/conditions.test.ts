import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { type ConditionInput, compileCondition, evaluateCondition } from "../../src/workflows/conditions.js";

const field = "workflow.steps[2].condition.expression";

const input: ConditionInput = {
  notification: {
    id: "0190a6c4-0000-7000-8000-000000000001",
    category: "billing",
    priority: "high",
    data: { amount: 150, currency: "EUR", items: [{ sku: "a" }], $typeName: "not a message" },
    seen: true,
    read: false,
    archived: false,
  },
  recipient: {
    user_id: "ada",
    locale: "en-GB",
    timezone: "Europe/London",
    attributes: { plan: "pro", tags: ["vip", "beta"] },
  },
};

const evaluate = (expression: string, on: ConditionInput = input) =>
  evaluateCondition(compileCondition(expression, field), on);

/** The error compileCondition throws, or null when it compiles. */
function compileError(expression: string): InvalidArgumentError | null {
  try {
    compileCondition(expression, field);
    return null;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
}

describe("evaluateCondition", () => {
  it.each([
    ["!notification.read", true],
    ["notification.read", false],
    ['notification.priority == "high"', true],
    ['notification.priority == "low"', false],
    ["notification.data.amount > 100", true],
    ["notification.data.amount > 1000", false],
    ['recipient.attributes.plan == "pro"', true],
    ['"vip" in recipient.attributes.tags', true],
    ['"staff" in recipient.attributes.tags', false],
    ["has(notification.data.coupon)", false],
    ['notification.data.items.exists(i, i.sku == "a")', true],
    ['notification.category.startsWith("bill") && recipient.locale.lowerAscii() == "en-gb"', true],
    ['notification["seen"] && notification.data["$typeName"] == "not a message"', true],
  ])("%s is %s", (expression, value) => {
    expect(evaluate(expression)).toEqual({ value, error: "" });
  });

  it("reads the values it is given each time, so one compiled condition serves every run", () => {
    const condition = compileCondition("!notification.read", field);
    const read = { ...input, notification: { ...input.notification, read: true } };
    expect(evaluateCondition(condition, read).value).toBe(false);
    expect(evaluateCondition(condition, input).value).toBe(true);
    expect(compileCondition("!notification.read", "elsewhere")).toBe(condition);
  });

  it("is false with the error when a data key is missing, never throwing", () => {
    expect(evaluate("notification.data.discount > 10")).toEqual({
      value: false,
      error: expect.stringContaining("discount"),
    });
    expect(evaluate('recipient.attributes.team == "core"')).toMatchObject({ value: false, error: expect.any(String) });
    const noAttributes = { ...input, recipient: { ...input.recipient, attributes: {} } };
    expect(evaluate('recipient.attributes.plan == "pro"', noAttributes).error).not.toBe("");
  });

  it("is false with an error on a type mismatch or a result that is not a bool", () => {
    expect(evaluate("notification.data.currency > 100")).toMatchObject({ value: false, error: expect.any(String) });
    expect(evaluate("notification.data.currency > 100").error).not.toBe("");
    expect(evaluate("notification.data.amount")).toEqual({ value: false, error: "yields a double, not a bool" });
  });
});

describe("compileCondition", () => {
  it.each([
    ["notification.read &&", "does not compile: at 1:"],
    ["foo.read", 'names "foo", which is not a variable'],
    ["now > 1", 'names "now", which is not a variable'],
    ["notification.reed", "selects notification.reed, which does not exist"],
    ['recipient["plan"] == "pro"', 'selects recipient["plan"], which does not exist'],
    ["has(recipient.email)", "selects recipient.email, which does not exist"],
    ["notification.category", "must yield a bool, not a string"],
    ["1 + 2", "must yield a bool, not a number, string or list"],
    ["notification.data", "must yield a bool, not a map"],
    ["notification.priority.frob()", "calls frob(), which is not a function CEL knows here"],
    ["notification.data.a.exists(x, notification.data.b.exists(y, x == y))", "nests comprehensions"],
    ["google.protobuf.Duration{seconds: 1} == duration('1s')", "builds a google.protobuf.Duration message"],
  ])("refuses %s", (expression, reason) => {
    const error = compileError(expression);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error?.field).toBe(field);
    expect(error?.message).toContain(`${field}: ${reason}`);
  });

  it("refuses expressions longer than 2,048 characters, which the contract refuses too", () => {
    const expression = `notification.read || ${"true || ".repeat(300)}true`;
    expect(compileError(expression)?.message).toBe(`${field}: is 2425 characters long; the limit is 2048`);
    const start = 'notification.read || recipient.locale == "';
    const longest = `${start}${"x".repeat(2048 - start.length - 1)}"`;
    expect(longest.length).toBe(2048);
    expect(compileError(longest)).toBeNull();
  });

  it("refuses expressions nested more than 100 deep, before any stack overflows", () => {
    const reason = `${field}: nests expressions more than 100 deep`;
    const lists = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)} != 1`; // n + 2 levels: !=, the lists, 1
    expect(evaluate(lists(98))).toEqual({ value: true, error: "" });
    expect(compileError(lists(99))?.message).toBe(reason);
    expect(compileError(lists(1000))?.message).toBe(reason);
    expect(compileError(`${"(".repeat(1000)}notification.seen${")".repeat(1000)}`)?.message).toBe(reason);
    expect(evaluate(`${"true && ".repeat(250)}notification.seen`)).toEqual({ value: true, error: "" });
  });

  it("allows comprehension variables that shadow a variable, and any field of data and attributes", () => {
    expect(compileError('notification.data.items.exists(notification, notification.sku == "a")')).toBeNull();
    expect(compileError("notification.data.any.depth.at_all == 1 && recipient.attributes.x.y")).toBeNull();
    expect(compileError('notification.data.amount > 100 ? true : recipient.attributes.vip == "yes"')).toBeNull();
  });
});
