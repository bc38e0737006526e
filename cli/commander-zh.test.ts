import { describe, expect, it } from "vitest";
import { translateError } from "./commander-zh.ts";

describe("commander errors in Chinese", () => {
  it("translates the errors a user meets, keeping names and suggestions", () => {
    expect(translateError("error: unknown command 'buidl'\n(Did you mean build?)\n")).toBe("错误：未知命令 'buidl'\n（是否想用 build？）\n");
    expect(translateError("error: missing required argument 'app'\n")).toBe("错误：缺少必需参数 'app'\n");
    expect(translateError("error: required option '-o, --out <dir>' not specified\n")).toBe("错误：未指定必需选项 '-o, --out <dir>'\n");
  });

  it("leaves a message it does not know as it is", () => {
    expect(translateError("something new")).toBe("something new");
  });
});
