// Commander speaks English; a trainee reading Chinese should not meet its errors and headings untranslated.
import type { Command } from "commander";

const errors: Array<[RegExp, string]> = [
  [/^error: unknown command '(.*?)'/, "错误：未知命令 '$1'"],
  [/^error: unknown option '(.*?)'/, "错误：未知选项 '$1'"],
  [/^error: missing required argument '(.*?)'/, "错误：缺少必需参数 '$1'"],
  [/^error: required option '(.*?)' not specified/, "错误：未指定必需选项 '$1'"],
  [/^error: option '(.*?)' argument missing/, "错误：选项 '$1' 缺少取值"],
  [/^error: option '(.*?)' argument '(.*?)' is invalid\.(.*)/, "错误：选项 '$1' 的取值 '$2' 无效。$3"],
  [/^error: too many arguments(.*)/, "错误：参数过多$1"],
  [/\(Did you mean (.*?)\?\)/, "（是否想用 $1？）"],
  [/Allowed choices are (.*)\./, "可选值：$1。"],
];

const titles: Record<string, string> = {
  "Usage:": "用法：", "Options:": "选项：", "Commands:": "命令：", "Arguments:": "参数：", "Global Options:": "全局选项：",
};

export function translateError(text: string): string {
  return errors.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

export function speakChinese(command: Command): Command {
  return command
    .configureOutput({ outputError: (text, write) => write(translateError(text)) })
    .configureHelp({ styleTitle: (title) => titles[title] ?? title });
}
