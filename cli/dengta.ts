import { Command, CommanderError, Option } from "commander";
import { detectLocale } from "../runtime/locale.ts";
import { EXIT, type CliContext } from "./output.ts";
import { buildCommand } from "./commands/build.ts";
import { fmtCommand } from "./commands/fmt.ts";
import { keygenCommand } from "./commands/keygen.ts";
import { validateCommand } from "./commands/validate.ts";
import { verifyCommand } from "./commands/verify.ts";
import { runCommand } from "./commands/run.ts";
import { simCommand } from "./commands/sim.ts";
import { pkiCommand } from "./commands/pki.ts";
import { UserError } from "../core/user-error.ts";
import { speakChinese } from "./commander-zh.ts";

/** Runs the `dengta` command line and resolves to its exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const locale = detectLocale(languageFlag(argv));
  const zh = locale === "zh-CN";
  const ctx: CliContext = { locale, json: argv.includes("--json") };
  const program = new Command("dengta")
    .description(zh ? "灯塔：校验、格式化、编译并签名工业APP边缘包" : "Dengta: validate, format, compile and sign industrial APP edge bundles")
    .addOption(new Option("--lang <locale>", zh ? "消息语言（en 或 zh-CN）" : "language of messages (en or zh-CN)"))
    .helpOption("-h, --help", zh ? "显示帮助" : "show help")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .addHelpText("after", zh ? exitCodesZh : exitCodesEn);
  for (const add of [validateCommand, fmtCommand, buildCommand, keygenCommand, verifyCommand, runCommand, simCommand, pkiCommand]) {
    const command = add(ctx);
    command.helpOption("-h, --help", zh ? "显示帮助" : "show help").exitOverride();
    program.addCommand(zh ? speakChinese(command) : command);
  }
  if (zh) speakChinese(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode ?? EXIT.ok;
  } catch (error) {
    return handleError(error, ctx);
  }
}

function handleError(error: unknown, ctx: CliContext): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.help" || error.code === "commander.version") return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof UserError) {
    process.stderr.write(`${ctx.locale === "zh-CN" ? `错误：${error.zh}` : `error: ${error.en}`}\n`);
    return EXIT.problems;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(ctx.locale === "zh-CN"
    ? `内部错误：${message}\n这是灯塔的缺陷，请报告；设置 DENGTA_DEBUG=1 可查看详情。\n`
    : `internal error: ${message}\nThis is a bug in Dengta; please report it. Set DENGTA_DEBUG=1 for details.\n`);
  if (process.env.DENGTA_DEBUG) process.stderr.write(`${(error as Error).stack ?? ""}\n`);
  return EXIT.internal;
}

function languageFlag(argv: string[]): string | undefined {
  const index = argv.findIndex((a) => a === "--lang" || a.startsWith("--lang="));
  if (index < 0) return undefined;
  const arg = argv[index]!;
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[index + 1];
}

const exitCodesEn = `
Exit codes:
  0  success
  1  the input has errors, or a bundle failed verification
  2  usage error, or a file could not be read
  3  internal error (a bug in Dengta)`;

const exitCodesZh = `
退出码：
  0  成功
  1  输入有错误，或边缘包校验未通过
  2  用法错误，或文件无法读取
  3  内部错误（灯塔的缺陷）`;
