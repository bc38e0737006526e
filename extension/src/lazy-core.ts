// The validator, the registry and the compiler cost most of the extension's start-up: they are
// loaded on first use, not at activation. Import core only through here.
export const coreServices = () => import("./core-services.ts");
