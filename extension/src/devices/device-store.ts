// The OPC UA endpoints of this workspace: kept in its workspace state, each password in VS Code's
// SecretStorage (the OS keychain), never in a file. A binding names the password by reference.
import * as vscode from "vscode";

export type SecurityMode = "None" | "Sign" | "SignAndEncrypt";
export type SecurityPolicy = "None" | "Basic256Sha256" | "Aes128_Sha256_RsaOaep" | "Aes256_Sha256_RsaPss";

export interface DeviceEndpoint {
  /** An identifier, as the binding names the endpoint. */
  id: string;
  url: string;
  securityMode: SecurityMode;
  securityPolicy: SecurityPolicy;
  userName?: string;
}

const KEY = "dengta.devices.endpoints";

export class DeviceStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento, private readonly secrets: vscode.SecretStorage) {}

  list(): DeviceEndpoint[] {
    return this.state.get<DeviceEndpoint[]>(KEY, []);
  }

  get(id: string): DeviceEndpoint | undefined {
    return this.list().find((e) => e.id === id);
  }

  async save(endpoint: DeviceEndpoint, password: string | undefined): Promise<void> {
    await this.state.update(KEY, [...this.list().filter((e) => e.id !== endpoint.id), endpoint]);
    if (password !== undefined) await this.secrets.store(secretKey(endpoint.id), password);
    this.changed.fire();
  }

  async remove(id: string): Promise<void> {
    await this.state.update(KEY, this.list().filter((e) => e.id !== id));
    await this.secrets.delete(secretKey(id));
    this.changed.fire();
  }

  password(id: string): Thenable<string | undefined> {
    return this.secrets.get(secretKey(id));
  }
}

function secretKey(id: string): string {
  return `dengta.opcua.password/${id}`;
}

/** The secret's name in a binding: what the box reads from DENGTA_SECRET_<NAME> or its credentials. */
export function bindingSecretName(id: string): string {
  return `${id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/[^a-z0-9-]/g, "-").replace(/^-+/, "") || "opcua"}-password`.slice(0, 64);
}
