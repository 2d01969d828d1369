import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { decodePageToken, encodePageToken } from "../../src/usecases/page-token.js";

describe("page tokens", () => {
  it("round-trip the position for the same filters", () => {
    expect(decodePageToken(encodePageToken(42, ["u", false, "", false]), ["u", false, "", false])).toBe(42);
  });

  it.each([
    "",
    "x",
    "!!!",
    Buffer.from("2:5:abcdefabcdef").toString("base64url"),
    Buffer.from("1:-5:abcdefabcdef").toString("base64url"),
  ])("refuse garbage %j", (token) => {
    expect(() => decodePageToken(token, [])).toThrow(InvalidArgumentError);
  });

  it("refuse a token made for other filters", () => {
    const token = encodePageToken(7, ["u", true, "", false]);
    expect(() => decodePageToken(token, ["u", false, "", false])).toThrow(/other filters/);
  });
});
