import { Command } from "commander";
import { generateSigningKey } from "../../core/bundle/signing.ts";
import { printJson, say, type CliContext } from "../output.ts";

export function keygenCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("keygen")
    .description(zh ? "生成发布者的 ed25519 签名密钥对：<前缀>.key（私钥，0600）与 <前缀>.pub（公钥）" : "make a publisher's ed25519 signing key pair: <prefix>.key (private, 0600) and <prefix>.pub")
    .requiredOption("-o, --out <prefix>", zh ? "文件名前缀，例如 keys/acme" : "file name prefix, e.g. keys/acme")
    .option("--json", zh ? "以 JSON 输出" : "print JSON")
    .action((flags: { out: string }) => {
      const made = generateSigningKey(flags.out);
      if (ctx.json) return printJson({ ok: true, ...made });
      say(ctx, `wrote ${made.keyFile} (keep it secret) and ${made.publicFile}; key id ${made.keyId}`,
        `已写入 ${made.keyFile}（请妥善保管）和 ${made.publicFile}；密钥 id ${made.keyId}`);
      say(ctx, `boxes that should run your bundles trust ${made.publicFile} (copy it to /etc/dengta/trusted-keys/)`,
        `要运行你的边缘包的盒子需信任 ${made.publicFile}（复制到 /etc/dengta/trusted-keys/）`);
    });
}
