import { writeFileSync } from "node:fs";
import { Command } from "commander";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { formatText } from "../../core/format.ts";
import { readYamlFile } from "../../core/yaml-source.ts";
import { EXIT, reportDiagnostics, say, type CliContext } from "../output.ts";

export function fmtCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("fmt")
    .description(zh ? "按规范顺序重写 APP 与绑定文件，保留注释" : "rewrite APP and binding files in canonical order, keeping comments")
    .argument("<files...>", zh ? "*.iapp.yaml 或 *.binding.yaml 文件" : "*.iapp.yaml or *.binding.yaml files")
    .option("--check", zh ? "只检查，不写入；有需要格式化的文件时退出码为 1" : "write nothing; exit 1 if a file would change")
    .option("--stdout", zh ? "把结果写到标准输出而不是文件" : "print the result instead of writing the file")
    .option("--json", zh ? "以 JSON 输出" : "print JSON")
    .action((files: string[], options: { check?: boolean; stdout?: boolean }) => {
      const changed: string[] = [];
      const diagnostics: Diagnostic[] = [];
      for (const file of files) {
        const loaded = readYamlFile(file);
        if (!loaded.ok) {
          diagnostics.push(...loaded.diagnostics);
          continue;
        }
        const result = formatText(file.endsWith(".binding.yaml") ? "binding" : "app", file, loaded.value.text);
        if ("diagnostics" in result) {
          diagnostics.push(...result.diagnostics);
          continue;
        }
        if (options.stdout) process.stdout.write(result.text);
        if (result.text === loaded.value.text) continue;
        changed.push(file);
        if (!options.check && !options.stdout) writeFileSync(file, result.text);
      }
      if (!reportDiagnostics(ctx, diagnostics, { changed })) return;
      if (options.check && changed.length > 0) ctx.exitCode = EXIT.problems;
      if (ctx.json) return;
      if (options.stdout) return;
      const verb = options.check ? ["would reformat", "需要格式化"] : ["reformatted", "已格式化"];
      for (const file of changed) say(ctx, `${verb[0]} ${file}`, `${verb[1]} ${file}`);
      if (changed.length === 0) say(ctx, "all files already formatted", "所有文件格式均已规范");
    });
}
