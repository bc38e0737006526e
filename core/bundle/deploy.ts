// Files that install a bundle on a box: a systemd unit, a Dockerfile, a Kubernetes/KubeEdge manifest.
import type { BundleTarget } from "./targets.ts";

export interface DeployInput {
  appId: string;
  version: string;
  titleEn: string;
  target: BundleTarget;
  withNode: boolean;
  /** Names of the secrets the binding refers to, passed to the service as credentials. */
  secrets: string[];
}

const INSTALL_ROOT = "/opt/dengta";
const DATA_ROOT = "/var/lib/dengta";
const TRUST_FOLDER = "/etc/dengta/trusted-keys";

export function deployFiles(input: DeployInput): Record<string, string> {
  return {
    [`deploy/dengta-${input.appId}.service`]: systemdUnit(input),
    "deploy/Dockerfile": dockerfile(input),
    "deploy/kubernetes.yaml": kubernetesManifest(input),
  };
}

function systemdUnit(input: DeployInput): string {
  const dir = `${INSTALL_ROOT}/${input.appId}`;
  const node = input.withNode ? `${dir}/node/bin/node` : "/usr/bin/env node";
  const credentials = input.secrets.map((s) => `LoadCredential=${s}:/etc/dengta/credentials/${input.appId}/${s}`);
  return [
    "[Unit]",
    `Description=Dengta APP ${input.titleEn} (${input.appId} ${input.version})`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    "DynamicUser=yes",
    `WorkingDirectory=${dir}`,
    `ExecStart=${node} ${dir}/main.js --data ${DATA_ROOT}/${input.appId} --trust-key ${TRUST_FOLDER}`,
    `StateDirectory=dengta/${input.appId}`,
    ...credentials,
    "Restart=on-failure",
    "RestartSec=5",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function dockerfile(input: DeployInput): string {
  const platform = input.target === "linux-arm64" ? "linux/arm64" : "linux/amd64";
  const dir = `${INSTALL_ROOT}/${input.appId}`;
  return [
    `# Build from the bundle folder: docker build -f deploy/Dockerfile -t dengta/${input.appId}:${input.version} .`,
    `FROM --platform=${platform} node:24-bookworm-slim`,
    `LABEL org.opencontainers.image.title="${input.appId}" org.opencontainers.image.version="${input.version}"`,
    `WORKDIR ${dir}`,
    `COPY . ${dir}/`,
    `ENV DENGTA_DATA=${DATA_ROOT}/${input.appId}`,
    `RUN mkdir -p ${DATA_ROOT}/${input.appId} && chown node:node ${DATA_ROOT}/${input.appId}`,
    `VOLUME ["${DATA_ROOT}/${input.appId}"]`,
    "USER node",
    "STOPSIGNAL SIGTERM",
    `ENTRYPOINT ["node", "${dir}/main.js", "--trust-key", "${TRUST_FOLDER}"]`,
    "",
  ].join("\n");
}

function kubernetesManifest(input: DeployInput): string {
  const name = `dengta-${input.appId}`;
  const arch = input.target === "linux-arm64" ? "arm64" : "amd64";
  return `# Runs the bundle's image on an edge node (Kubernetes or KubeEdge).
# Publishers' keys come from the ConfigMap dengta-trusted-keys; data stays on the node.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/version: "${input.version}"
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      nodeSelector:
        kubernetes.io/arch: ${arch}
      tolerations:
        - key: node-role.kubernetes.io/edge
          operator: Exists
          effect: NoSchedule
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        fsGroup: 1000
      containers:
        - name: app
          image: dengta/${input.appId}:${input.version}
          imagePullPolicy: IfNotPresent
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
          volumeMounts:
            - name: data
              mountPath: ${DATA_ROOT}/${input.appId}
            - name: trusted-keys
              mountPath: ${TRUST_FOLDER}
              readOnly: true
      volumes:
        - name: data
          hostPath:
            path: ${DATA_ROOT}/${input.appId}
            type: DirectoryOrCreate
        - name: trusted-keys
          configMap:
            name: dengta-trusted-keys
`;
}
