import { Command } from "commander";
import { loadTrustedKeys, verifyBundle } from "../../runtime/bundle-verify.ts";
import { EXIT, printJson, say, type CliContext } from "../output.ts";

export function verifyCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("verify")
    .description(zh ? "核对边缘包：每个文件的 SHA-256 与清单一致，且签名来自受信任的密钥" : "check a bundle: every file matches its manifest and the signature is from a trusted key")
    .argument("<bundle>", zh ? "边缘包目录" : "bundle folder")
    .option("--trust-key <path...>", zh ? "受信任的公钥文件或目录（可多个）" : "trusted public key files or folders")
    .option("--allow-unsigned", zh ? "接受未签名的包" : "accept a bundle without a signature")
    .option("--json", zh ? "以 JSON 输出" : "print JSON")
    .action((dir: string, flags: { trustKey?: string[]; allowUnsigned?: boolean }) => {
      const trusted = loadTrustedKeys(flags.trustKey ?? []);
      const problems = [...trusted.problems, ...verifyBundle(dir, { trustedKeys: trusted.keys, allowUnsigned: flags.allowUnsigned === true })];
      if (problems.length > 0) ctx.exitCode = EXIT.problems;
      if (ctx.json) return printJson({ ok: problems.length === 0, problems });
      if (problems.length === 0) return say(ctx, `${dir}: verified`, `${dir}：校验通过`);
      process.stderr.write(`${zh ? `${dir}：校验未通过` : `${dir}: verification failed`}\n`);
      for (const p of problems) process.stderr.write(`  - ${p[ctx.locale]}\n`);
    });
}
