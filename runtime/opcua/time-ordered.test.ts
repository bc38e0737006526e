import { DataValue } from "node-opcua-client";
import { describe, expect, it } from "vitest";
import { TimeOrderedDispatch } from "./time-ordered.ts";

const at = (ms: number, value: number) => new DataValue({ value: { dataType: "Double", value }, sourceTimestamp: new Date(ms) });

describe("TimeOrderedDispatch", () => {
  it("delivers one publish response's values after it, in source-time order, each item's own order kept", async () => {
    const dispatch = new TimeOrderedDispatch();
    const seen: string[] = [];
    const itemA = (v: DataValue) => seen.push(`A${v.value.value}@${v.sourceTimestamp!.getTime()}`);
    const itemB = (v: DataValue) => seen.push(`B${v.value.value}@${v.sourceTimestamp!.getTime()}`);
    // As node-opcua hands them out: all of A's queued values, then all of B's.
    dispatch.push(itemA, at(10, 1));
    dispatch.push(itemA, at(30, 2));
    dispatch.push(itemA, at(30, 3));
    dispatch.push(itemB, at(20, 1));
    dispatch.push(itemB, at(40, 2));
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual(["A1@10", "B1@20", "A2@30", "A3@30", "B2@40"]);
  });
});
