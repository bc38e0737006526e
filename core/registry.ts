import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import type { QueueSpec } from "./app-file.ts";
import { makeDiagnostic, START_OF_FILE, type Diagnostic, type LocalizedText } from "./diagnostics.ts";
import { dengtaHome } from "./project-paths.ts";
import { schemaDiagnostic } from "./schema-messages.ts";
import { fileValidator, newAjv, schemaErrors } from "./schemas.ts";
import { readYamlFile, type YamlSource } from "./yaml-source.ts";

export interface PortSpec {
  type: string | string[];
  required?: boolean;
  title: LocalizedText;
  description?: LocalizedText;
  /** An object message's fields and their types, for the expression editor's completion. */
  fields?: Record<string, string>;
}

export interface BlockManifest {
  id: string;
  version: string;
  category: string;
  title: LocalizedText;
  description: LocalizedText;
  keywords?: string[];
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  config: string;
  runtime: string;
  signalFields?: string[];
  /** The block's default queue when it is asynchronous; a node may set its own. */
  queue?: QueueSpec;
}

export interface RegisteredBlock {
  manifest: BlockManifest;
  dir: string;
  major: number;
  /** `id@major`, as an APP names it. */
  key: string;
  configSchema: object;
  runtimePath: string;
  /** Checks a config and fills in its defaults; compiled on first use. */
  configValidator(): ValidateFunction;
}

/** The blocks found on disk, by id and major version. */
export class BlockRegistry {
  private readonly byKey = new Map<string, RegisteredBlock>();

  constructor(blocks: RegisteredBlock[]) {
    for (const block of blocks) this.byKey.set(block.key, block);
  }

  find(id: string, major: number): RegisteredBlock | undefined {
    return this.byKey.get(`${id}@${major}`);
  }

  majors(id: string): number[] {
    return this.all().filter((b) => b.manifest.id === id).map((b) => b.major).sort((a, b) => a - b);
  }

  ids(): string[] {
    return [...new Set(this.all().map((b) => b.manifest.id))].sort();
  }

  all(): RegisteredBlock[] {
    return [...this.byKey.values()];
  }
}

let defaultRegistry: { registry: BlockRegistry; diagnostics: Diagnostic[] } | undefined;

/** The library's own blocks, loaded once per process. */
export function builtinRegistry(): { registry: BlockRegistry; diagnostics: Diagnostic[] } {
  defaultRegistry ??= loadRegistry([join(dengtaHome(), "blocks")]);
  return defaultRegistry;
}

/** Discovers `<root>/*\/block.json` in each root; an invalid block is reported and left out. */
export function loadRegistry(roots: string[]): { registry: BlockRegistry; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const found: RegisteredBlock[] = [];
  const seen = new Map<string, string>();
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const manifestFile = join(root, entry.name, "block.json");
      if (!entry.isDirectory() || !existsSync(manifestFile)) continue;
      const block = loadBlock(join(root, entry.name), diagnostics);
      if (block === undefined) continue;
      const other = seen.get(block.key);
      if (other !== undefined) {
        diagnostics.push(blockProblem(manifestFile, block.key, `the same id and major version is also in ${other}`, `与 ${other} 的 id 和主版本相同`));
        continue;
      }
      seen.set(block.key, manifestFile);
      found.push(block);
    }
  }
  return { registry: new BlockRegistry(found), diagnostics };
}

function loadBlock(dir: string, diagnostics: Diagnostic[]): RegisteredBlock | undefined {
  const manifestFile = join(dir, "block.json");
  const manifestSource = readJsonFile(manifestFile, diagnostics);
  if (manifestSource === undefined) return undefined;
  const errors = schemaErrors(fileValidator("block"), manifestSource.value);
  if (errors.length > 0) {
    diagnostics.push(...errors.map((e) => schemaDiagnostic(manifestSource, e)));
    return undefined;
  }
  const manifest = manifestSource.value as BlockManifest;
  const schemaFile = join(dir, manifest.config);
  const schemaSource = readJsonFile(schemaFile, diagnostics);
  if (schemaSource === undefined) return undefined;
  const runtimePath = join(dir, manifest.runtime);
  if (!existsSync(runtimePath)) {
    diagnostics.push(blockProblem(manifestFile, manifest.id, `runtime file ${manifest.runtime} is missing`, `运行时文件 ${manifest.runtime} 不存在`));
    return undefined;
  }
  const major = Number(manifest.version.split(".")[0]);
  const configSchema = schemaSource.value as object;
  let validator: ValidateFunction | undefined;
  const block: RegisteredBlock = {
    manifest, dir, major, key: `${manifest.id}@${major}`, configSchema, runtimePath,
    configValidator: () => (validator ??= newAjv({ useDefaults: true }).compile(configSchema)),
  };
  try {
    block.configValidator();
  } catch (error) {
    diagnostics.push(blockProblem(schemaFile, manifest.id, `config schema does not compile: ${(error as Error).message}`, `配置 Schema 无法编译：${(error as Error).message}`));
    return undefined;
  }
  return block;
}

function readJsonFile(file: string, diagnostics: Diagnostic[]): YamlSource | undefined {
  const loaded = readYamlFile(file);
  diagnostics.push(...loaded.diagnostics);
  return loaded.ok ? loaded.value : undefined;
}


function blockProblem(file: string, block: string, en: string, zh: string): Diagnostic {
  return makeDiagnostic("block-invalid", { block, en, zh }, { file, range: START_OF_FILE });
}
