import { Command } from "commander";
import { listCertificates, moveCertificate, type StoredCertificate, type TrustState } from "../../runtime/opcua/pki-store.ts";
import { OpcuaError } from "../../runtime/opcua/text.ts";
import { EXIT, printJson, say, type CliContext } from "../output.ts";

/** `dengta pki list|trust|reject`: the OPC UA trust list a bundle keeps under its data folder. */
export function pkiCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  const dataOption = ["--data <dir>", zh ? "边缘包的数据目录（内含 pki/）" : "the bundle's data folder (holds pki/)"] as const;
  const command = new Command("pki").description(zh ? "管理边缘包信任的 OPC UA 服务器证书" : "manage the OPC UA server certificates a bundle trusts");
  command.command("list")
    .description(zh ? "列出已信任和已拒绝的证书" : "list trusted and rejected certificates")
    .requiredOption(...dataOption)
    .option("--json", zh ? "以 JSON 输出" : "print JSON")
    .action((flags: { data: string }) => list(ctx, flags.data));
  for (const state of ["trusted", "rejected"] as const) {
    command.command(state === "trusted" ? "trust" : "reject")
      .description(state === "trusted" ? (zh ? "信任一个证书（从已拒绝移到已信任）" : "trust a certificate (move it from rejected to trusted)") : (zh ? "拒绝一个证书（从已信任移到已拒绝）" : "reject a certificate (move it from trusted to rejected)"))
      .argument("<thumbprint>", zh ? "证书指纹（SHA-1，至少前 8 位）" : "certificate thumbprint (SHA-1, at least the first 8 digits)")
      .requiredOption(...dataOption)
      .option("--json", zh ? "以 JSON 输出" : "print JSON")
      .action((thumbprint: string, flags: { data: string }) => move(ctx, flags.data, thumbprint, state));
  }
  return command;
}

function list(ctx: CliContext, dataDir: string): void {
  const certificates = listCertificates(dataDir);
  if (ctx.json) return printJson({ ok: true, certificates: certificates.map(({ file: _file, ...c }) => c) });
  if (certificates.length === 0) return say(ctx, `no certificates in ${dataDir}/pki`, `${dataDir}/pki 中没有证书`);
  for (const c of certificates) say(ctx, line(c, "en"), line(c, "zh-CN"));
}

function line(c: StoredCertificate, locale: "en" | "zh-CN"): string {
  const state = locale === "en" ? c.state : c.state === "trusted" ? "已信任" : "已拒绝";
  return locale === "en"
    ? `${state.padEnd(8)} ${c.thumbprint}  ${c.subject}  valid ${c.notBefore} to ${c.notAfter}`
    : `${state}  ${c.thumbprint}  ${c.subject}  有效期 ${c.notBefore} 至 ${c.notAfter}`;
}

function move(ctx: CliContext, dataDir: string, thumbprint: string, state: TrustState): void {
  try {
    const { file: _file, ...moved } = moveCertificate(dataDir, thumbprint, state);
    if (ctx.json) return printJson({ ok: true, certificate: moved });
    if (state === "trusted") say(ctx, `trusted ${moved.thumbprint} (${moved.subject})`, `已信任 ${moved.thumbprint}（${moved.subject}）`);
    else say(ctx, `rejected ${moved.thumbprint} (${moved.subject})`, `已拒绝 ${moved.thumbprint}（${moved.subject}）`);
  } catch (error) {
    if (!(error instanceof OpcuaError)) throw error;
    ctx.exitCode = EXIT.problems;
    if (ctx.json) return printJson({ ok: false, problem: error.text });
    process.stderr.write(`${ctx.locale === "zh-CN" ? `错误：${error.text["zh-CN"]}` : `error: ${error.text.en}`}\n`);
  }
}
