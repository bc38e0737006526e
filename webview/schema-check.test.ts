import { describe, expect, it } from "vitest";
import { checkAgainstSchema, isValidAgainst, type Schema } from "./schema-check.ts";

const sink: Schema = {
  type: "object",
  $defs: { secretRef: { type: "object", properties: { secret: { type: "string", pattern: "^[a-z][a-z0-9-]*$" } }, required: ["secret"], additionalProperties: false } },
  properties: {
    table: { type: "string", minLength: 1, maxLength: 8, pattern: "^[A-Za-z_]\\w*$" },
    batch: { type: "integer", minimum: 1, maximum: 1000 },
    ratio: { type: "number", exclusiveMinimum: 0 },
    format: { enum: ["jsonl", "csv"] },
    states: { type: "array", items: { enum: ["idle", "down"] }, uniqueItems: true },
    password: { oneOf: [{ type: "string" }, { $ref: "#/$defs/secretRef" }] },
  },
  required: ["table"],
  additionalProperties: false,
};

const names = (value: unknown) => checkAgainstSchema(sink, value, "en").map((e) => `${e.property} ${e.name}`);

describe("schema check (no eval)", () => {
  it("accepts a valid config and a parameter reference anywhere", () => {
    expect(names({ table: "shifts", batch: 10, ratio: 0.5, format: "csv", states: ["idle"], password: { secret: "db-pass" } })).toEqual([]);
    expect(names({ table: "t", batch: { $param: "batchSize" } })).toEqual([]);
  });

  it("reports each broken keyword at its field", () => {
    expect(names({})).toEqual([".table required"]);
    expect(names({ table: "" })).toEqual([".table minLength", ".table pattern"]);
    expect(names({ table: "1abc" })).toEqual([".table pattern"]);
    expect(names({ table: "t", batch: 1.5 })).toEqual([".batch type"]);
    expect(names({ table: "t", batch: 0 })).toEqual([".batch minimum"]);
    expect(names({ table: "t", ratio: 0 })).toEqual([".ratio exclusiveMinimum"]);
    expect(names({ table: "t", format: "xml" })).toEqual([".format enum"]);
    expect(names({ table: "t", states: ["idle", "idle", "up"] })).toEqual([".states uniqueItems", ".states.2 enum"]);
    expect(names({ table: "t", password: { secret: "Bad!" } })).toEqual([".password oneOf"]);
    expect(names({ table: "t", extra: 1 })).toEqual([" additionalProperties"]);
  });

  it("words messages in the user's language", () => {
    expect(checkAgainstSchema(sink, {}, "zh-CN")[0]!.message).toBe("为必填项");
    expect(checkAgainstSchema(sink, { table: "t", batch: 0 }, "en")[0]!.message).toBe("must be ≥ 1");
  });

  it("answers rjsf's isValid for oneOf option matching, with $ref resolved from the root", () => {
    const option = { $ref: "#/$defs/secretRef" };
    expect(isValidAgainst(option, { secret: "x" }, sink)).toBe(true);
    expect(isValidAgainst(option, "plain", sink)).toBe(false);
  });
});
