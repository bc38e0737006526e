export const bundleTargets = ["linux-x64", "linux-arm64"] as const;
export type BundleTarget = (typeof bundleTargets)[number];

export function isBundleTarget(text: string): text is BundleTarget {
  return (bundleTargets as readonly string[]).includes(text);
}

/** The Node version a bundle may carry: the project's pinned Node 24, published for both targets. */
export const BUNDLED_NODE_VERSION = "24.21.0";
/** What a box must have when the bundle does not carry Node. */
export const REQUIRED_NODE = ">=22.13";
