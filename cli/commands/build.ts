import { statSync } from "node:fs";
import { Command, Option } from "commander";
import { buildBundle } from "../../core/bundle/build.ts";
import { readSigningKey, type SigningKey } from "../../core/bundle/signing.ts";
import { bundleTargets, type BundleTarget } from "../../core/bundle/targets.ts";
import { printJson, reportDiagnostics, say, type CliContext } from "../output.ts";

interface BuildFlags {
  binding?: string;
  out: string;
  target: BundleTarget;
  withNode?: boolean;
  key?: string;
}

export function buildCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("build")
    .description(zh ? "把 APP 编译成可在盒子上用 node main.js 运行的签名边缘包（目录 + .tgz）" : "compile an APP into a signed edge bundle (folder + .tgz) that runs with node main.js")
    .argument("<app>", zh ? "APP 文件（*.iapp.yaml）" : "APP file (*.iapp.yaml)")
    .option("-b, --binding <file>", zh ? "现场绑定文件（*.binding.yaml）" : "site binding file (*.binding.yaml)")
    .requiredOption("-o, --out <dir>", zh ? "输出目录；同时生成 <dir>.tgz" : "output folder; <dir>.tgz is written beside it")
    .addOption(new Option("-t, --target <platform>", zh ? "目标平台" : "box platform").choices(bundleTargets).default("linux-x64"))
    .option("--with-node", zh ? "把目标平台的 Node 24 放进包内，供未装 Node 的盒子使用" : "carry the target's Node 24 binary for boxes without Node")
    .option("-k, --key <file>", zh ? "签名私钥（dengta keygen 生成）；也可用 DENGTA_SIGNING_KEY / DENGTA_SIGNING_KEY_FILE" : "signing key from dengta keygen; or DENGTA_SIGNING_KEY / DENGTA_SIGNING_KEY_FILE")
    .option("--json", zh ? "以 JSON 输出" : "print JSON")
    .action(async (app: string, flags: BuildFlags) => {
      const signingKey = keyFrom(flags.key);
      if (signingKey === undefined) say(ctx, "warning: no signing key given; the bundle is unsigned and boxes will refuse it unless allowed", "警告：未提供签名私钥；包未签名，除非明确允许，盒子会拒绝运行");
      const result = await buildBundle({
        app: { file: app }, ...(flags.binding ? { binding: { file: flags.binding } } : {}),
        outDir: flags.out, target: flags.target, withNode: flags.withNode === true, ...(signingKey ? { signingKey } : {}),
      });
      const bundle = result.bundle;
      const summary = bundle && {
        dir: bundle.dir, tarball: bundle.tarball, bytes: statSync(bundle.tarball).size, files: Object.keys(bundle.manifest.files).length,
        blocks: bundle.manifest.blocks, target: bundle.manifest.target, signedBy: bundle.signedBy ?? null,
      };
      if (ctx.json) {
        ctx.exitCode = result.bundle ? 0 : 1;
        if (!result.bundle) return void reportDiagnostics(ctx, result.diagnostics);
        return printJson({ ok: true, diagnostics: result.diagnostics, bundle: summary });
      }
      if (!reportDiagnostics(ctx, result.diagnostics) || !summary) return;
      const kb = (summary.bytes / 1024).toFixed(1);
      say(ctx, `built ${summary.dir} (${summary.files} files, ${summary.target}) and ${summary.tarball} (${kb} KiB)`,
        `已生成 ${summary.dir}（${summary.files} 个文件，${summary.target}）和 ${summary.tarball}（${kb} KiB）`);
      say(ctx, `blocks: ${summary.blocks.join(", ")}`, `功能块：${summary.blocks.join("、")}`);
      if (summary.signedBy) say(ctx, `signed with key ${summary.signedBy}`, `已用密钥 ${summary.signedBy} 签名`);
    });
}

function keyFrom(file: string | undefined): SigningKey | undefined {
  if (file) return readSigningKey({ file });
  if (process.env.DENGTA_SIGNING_KEY) return readSigningKey({ pem: process.env.DENGTA_SIGNING_KEY });
  if (process.env.DENGTA_SIGNING_KEY_FILE) return readSigningKey({ file: process.env.DENGTA_SIGNING_KEY_FILE });
  return undefined;
}
