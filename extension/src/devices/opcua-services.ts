// The OPC UA client the Devices view uses, in its own file: node-opcua is loaded when a device is
// first browsed, not when the extension starts. Import it only through devices-view.ts's loader.
export * from "./opcua/index.ts";
