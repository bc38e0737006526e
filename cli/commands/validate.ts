import { Command } from "commander";
import { validateApp } from "../../core/validate.ts";
import { reportDiagnostics, say, type CliContext } from "../output.ts";

export function validateCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("validate")
    .description(zh ? "校验 APP（以及可选的绑定文件），报告带行列号的问题" : "check an APP (and optionally its binding), reporting problems with line and column")
    .argument("<app>", zh ? "APP 文件（*.iapp.yaml）" : "APP file (*.iapp.yaml)")
    .option("-b, --binding <file>", zh ? "绑定文件（*.binding.yaml）" : "binding file (*.binding.yaml)")
    .option("--json", zh ? "以 JSON 输出" : "print JSON")
    .action((app: string, options: { binding?: string }) => {
      const result = validateApp({ file: app }, options.binding ? { binding: { file: options.binding } } : {});
      const ok = reportDiagnostics(ctx, result.diagnostics, { file: app });
      if (ok && result.app) {
        const n = result.app.nodes.length;
        const e = result.app.edges.length;
        say(ctx, `${app}: ok (${n} nodes, ${e} edges)`, `${app}：通过（${n} 个节点，${e} 条连线）`);
      }
    });
}
