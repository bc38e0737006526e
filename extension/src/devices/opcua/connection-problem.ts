// What went wrong reaching an OPC UA server, in words an operator can act on: node-opcua's errors
// are socket codes and status names, sometimes with a stack trace inside the message.
import { OpcuaError, text, type Text } from "../../../../runtime/opcua/text.ts";

/** Throws unless `url` is opc.tcp://host[:port][/path]. */
export function checkOpcTcpUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "opc.tcp:" || parsed.hostname === "" || /\s/.test(url)) {
    throw new OpcuaError(text(
      `'${url}' is not an OPC UA address: it starts with opc.tcp:// and names a host, e.g. opc.tcp://192.168.1.20:4840`,
      `'${url}' 不是 OPC UA 地址：应以 opc.tcp:// 开头并包含主机名，例如 opc.tcp://192.168.1.20:4840`,
    ));
  }
}

export function timeoutError(url: string, timeoutMs: number): OpcuaError {
  return new OpcuaError(text(
    `OPC UA server ${url} did not answer within ${timeoutMs / 1000} s: check the address, that the server runs, and that no firewall blocks the port`,
    `OPC UA 服务器 ${url} 在 ${timeoutMs / 1000} 秒内无应答：请检查地址、服务器是否运行，以及防火墙是否拦截了该端口`,
  ));
}

/** Any failure to connect as an OpcuaError; an OpcuaError passes through unchanged. */
export function connectionProblem(url: string, error: unknown): OpcuaError {
  if (error instanceof OpcuaError) return error;
  return new OpcuaError(problemText(url, error instanceof Error ? error.message : String(error)));
}

/** `message` is node-opcua's whole message: the socket's code may be on a later line. */
function problemText(url: string, message: string): Text {
  const where = hostOf(url);
  if (/ECONNREFUSED/.test(message)) {
    return text(
      `nothing answers at ${where}: the server is not running or listens on another port`,
      `${where} 上没有服务应答：服务器未运行，或监听的是其他端口`,
    );
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) {
    return text(`the host of ${url} is unknown: check the name or use its IP address`, `找不到 ${url} 的主机：请检查主机名，或改用 IP 地址`);
  }
  if (/EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EHOSTDOWN/.test(message)) {
    return text(
      `${where} cannot be reached: check the network, the cable and the address`,
      `无法到达 ${where}：请检查网络、网线和地址`,
    );
  }
  if (/ECONNRESET|EPIPE|socket hang up|premature|closed/i.test(message)) {
    return text(
      `${url} closed the connection: it may not be an OPC UA server, or it refuses this client`,
      `${url} 关闭了连接：它可能不是 OPC UA 服务器，或拒绝了本客户端`,
    );
  }
  if (/BadUserAccessDenied|BadIdentityToken/.test(message)) {
    return text(`OPC UA server ${url} refused the sign-in: check the user name and password`, `OPC UA 服务器 ${url} 拒绝登录：请检查用户名和密码`);
  }
  if (/cannot find endpoint|Cannot find an Endpoint/i.test(message)) {
    return text(
      `OPC UA server ${url} offers no endpoint with this security: add the endpoint again to pick one it offers`,
      `OPC UA 服务器 ${url} 没有提供该安全设置的端点：请重新添加端点，选择服务器提供的设置`,
    );
  }
  const reason = /Err = \(([^)\n]+)\)/.exec(message)?.[1] ?? messageOf(message);
  return text(`cannot talk to OPC UA server ${url}: ${reason}`, `无法与 OPC UA 服务器 ${url} 通信：${reason}`);
}

/** The first line of an error's message: never a stack trace. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "unknown error";
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port === "" ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
  } catch {
    return url;
  }
}
