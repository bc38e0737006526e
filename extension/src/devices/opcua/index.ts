// The OPC UA engine of the Devices view: probe a server, trust its certificate, browse and read.
// No `vscode` here: the view calls it, the CLI and tests can too.
export type { CertificateInfo } from "../../../../runtime/opcua/certificate-info.ts";
export type { Text } from "../../../../runtime/opcua/text.ts";
export { OpcuaError } from "../../../../runtime/opcua/text.ts";
export { probeEndpoint } from "./probe.ts";
export type { OfferedEndpoint, ProbeOptions, ProbeResult, SecurityMode, SecurityPolicyName, ServerCertificate, UserTokenKind } from "./probe.ts";
export { expiryWarning, trustServerCertificate, trustStatus } from "./trust.ts";
export type { TrustStatus } from "./trust.ts";
export { DeviceSession, OBJECTS_FOLDER, UntrustedServerError } from "./device-session.ts";
export type { BrowseItem, BrowseOptions, BrowsePage, DeviceSessionOptions, NodeClassName, VariableReading } from "./device-session.ts";
