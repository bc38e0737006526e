import { nodeBinaryFor } from "../../core/bundle/node-binary.ts";

/** A Node binary of another major (e.g. 22) from the npm registry, cached outside the clone. */
export function nodeOfMajor(major: number): Promise<string> {
  return nodeBinaryFor("linux-x64", String(major));
}
